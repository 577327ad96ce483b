-- wrk script: each request PUTs a new incident under a fresh UUID, as a phone does.
-- Env: PATH_PREFIX (/api/v1/incidents/ or /bare/incidents/), BENCH_TOKENS (comma-separated bearer
-- tokens, one per team leader), BENCH_TEAMS and BENCH_HOUSES (comma-separated, same order).
-- Every 4th report is drugs (routed to the police at once); the others theft (team's union).
local prefix = os.getenv("PATH_PREFIX") or "/api/v1/incidents/"
local function split(s)
  local out = {}
  for item in string.gmatch(s or "", "[^,]+") do out[#out + 1] = item end
  return out
end
local tokens = split(os.getenv("BENCH_TOKENS"))
local teams = split(os.getenv("BENCH_TEAMS"))
local houses = split(os.getenv("BENCH_HOUSES"))
local counter = 0

function setup(thread)
  thread:set("seed", math.random(1, 1000000000))
end

function init(args)
  math.randomseed(seed + os.time())
end

local function uuid4()
  local t = "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx"
  return (string.gsub(t, "[xy]", function(c)
    local v = (c == "x") and math.random(0, 15) or math.random(8, 11)
    return string.format("%x", v)
  end))
end

function request()
  counter = counter + 1
  local i = math.random(1, #tokens)
  local category = (counter % 4 == 0) and "drugs" or "theft"
  local body = string.format(
    '{"team_id":"%s","category":"%s","severity":3,"occurred_at":"2026-11-20T21:14:03+07:00",' ..
    '"summary":"Mất xe máy trước cổng nhà trọ","place_text":"Hẻm 12","house_id":"%s"}',
    teams[i], category, houses[i])
  local headers = {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. tokens[i],
  }
  return wrk.format("PUT", prefix .. uuid4(), headers, body)
end

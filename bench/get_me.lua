-- wrk script: GET a cheap authenticated resource (PATH, default /api/v1/me) as one of the phones.
local path = os.getenv("PATH_GET") or "/api/v1/me"
local tokens = {}
for item in string.gmatch(os.getenv("BENCH_TOKENS") or "", "[^,]+") do tokens[#tokens + 1] = item end

function request()
  local headers = {["Authorization"] = "Bearer " .. tokens[math.random(1, #tokens)]}
  return wrk.format("GET", path, headers)
end

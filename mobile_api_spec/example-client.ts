// A short field-app session against the TTQ contract, compiled in CI (.ci/typescript-check.sh)
// with openapi-fetch under `tsc --strict` and openapi-typescript's default options. If the spec
// stops describing what the server does (a field with a server default made required, an error
// answer without its Problem schema, a list shape changed), this file stops compiling.
//
// Types: npx openapi-typescript mobile_api_spec/openapi.json -o api.d.ts
import createClient from "openapi-fetch";
import type { components, paths } from "./api";

type Problem = components["schemas"]["Problem"];
type UploadItem = components["schemas"]["UploadRequest"]["items"][number];

const client = createClient<paths>({ baseUrl: "http://127.0.0.1:8000" });

// The one thing a phone branches on in an error: its stable `code`.
function describe(problem: Problem): string {
  const fields = (problem.errors ?? []).map((e) => `${e.field}: ${e.code}`).join(", ");
  return `${problem.status} ${problem.code} (${problem.title})${fields ? ` ${fields}` : ""}`;
}

export async function fieldSession(teamId: string, memberId: string, qrToken: string) {
  // 1. Sign in from the phone (mobile login binds the device).
  const login = await client.POST("/api/v1/auth/mobile-login", {
    body: {
      phone: "0901000005",
      password: "ttq-demo-2026",
      device: { device_id: "example-phone-1", model: "Android 14" },
    },
  });
  if (login.error) {
    // 401 bad password, 422 bad input, 429 too many attempts: all a Problem.
    throw new Error(describe(login.error));
  }
  const headers = { Authorization: `Bearer ${login.data.access_token}` };

  // 2. Pull the registry (houses, teams, members) until there is no more.
  let since: string | undefined;
  const houses: string[] = [];
  for (;;) {
    const page = await client.GET("/api/v1/sync/registry", {
      headers,
      params: { query: { since, limit: 500 } },
    });
    if (page.error) throw new Error(describe(page.error));
    houses.push(...page.data.houses.map((h) => h.name));
    since = page.data.next_cursor;
    if (!page.data.has_more) break;
  }

  // 3. Upload a patrol, its scans and an incident in one batch, exactly like the README's items:
  //    fields with a server default (a patrol's `status`, say) are left out.
  const patrolId = crypto.randomUUID();
  const items: UploadItem[] = [
    {
      kind: "patrol",
      id: patrolId,
      team_id: teamId,
      started_at: "2026-11-20T21:00:00+07:00",
      member_ids: [memberId],
      notes: "Tuần tra khu A",
    },
    {
      kind: "scan",
      id: crypto.randomUUID(),
      patrol_id: patrolId,
      token: qrToken,
      scanned_at: "2026-11-20T21:14:03+07:00",
      lat: 10.9001,
      lon: 106.7601,
      accuracy_m: 8,
    },
    {
      kind: "patrol_end",
      id: patrolId,
      status: "completed",
      ended_at: "2026-11-20T23:02:00+07:00",
    },
    {
      kind: "incident",
      id: crypto.randomUUID(),
      team_id: teamId,
      category: "theft",
      severity: 3,
      occurred_at: "2026-11-20T22:40:00+07:00",
      summary: "Mất xe máy trước cổng nhà trọ",
    },
  ];
  const upload = await client.POST("/api/v1/sync/upload", {
    headers: { ...headers, "Idempotency-Key": crypto.randomUUID() },
    body: { sent_at: new Date().toISOString(), items },
  });
  if (upload.error) {
    // 409: the same Idempotency-Key is still in flight (retry later); 422: a bad batch.
    if (upload.response.status === 409) return { retryLater: upload.error.code };
    throw new Error(describe(upload.error));
  }
  for (const result of upload.data.results) {
    if (result.status === "rejected" && result.problem) {
      console.warn(`item ${result.index}: ${result.problem.code}`);
    }
  }

  // 4. Read an error's code: a team the caller cannot see answers a Problem (404 not_found).
  const missing = await client.GET("/api/v1/teams/{team_id}", {
    headers,
    params: { path: { team_id: crypto.randomUUID() } },
  });
  const code: string | undefined = missing.error?.code;

  // 5. Lists all answer {items, next_cursor}.
  const categories = await client.GET("/api/v1/incident-categories", { headers });
  const firstCategory: string | undefined = categories.data?.items[0]?.code;

  return { houses, summary: upload.data.summary, code, firstCategory };
}

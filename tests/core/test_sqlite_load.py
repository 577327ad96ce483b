"""Fifty phones at once on the embedded default: no answer may be a 5xx.

Before the fix, SQLite answered 500 "database is locked": a request's transaction started
deferred, read, then tried to write after another request had committed; SQLite cannot upgrade
such a stale read snapshot and fails at once (SQLITE_BUSY_SNAPSHOT), without waiting for
busy_timeout. Each phone here signs in, refreshes, reports an incident, uploads a patrol with
scans and lists incidents, all phones concurrently through one app (one engine, one pool).
"""

import asyncio
import uuid
from collections import Counter

import pytest

from tests.accounts.flows import bearer, mobile_login, refresh
from tests.conftest import IS_PG
from tests.factories import make_user
from tests.factories_patrols import make_member, make_world, patrol_item, scan_item
from tests.incidents.world import body

PHONES = 50


async def _phone(client, world, user, statuses: Counter) -> None:
    device = f"phone-{user.id.hex[:8]}"
    r = await mobile_login(client, user.phone, device)
    statuses[r.status_code] += 1
    if r.status_code != 200:
        return
    pair = r.json()
    r = await refresh(client, pair["refresh_token"], device)
    statuses[r.status_code] += 1
    if r.status_code == 200:
        pair = r.json()
    h = bearer(pair)
    calls = [
        client.put(f"/api/v1/incidents/{uuid.uuid4()}", json=body(), headers=h),
        client.get("/api/v1/incidents", headers=h),
    ]
    pid = uuid.uuid4()
    items = [patrol_item(world, pid)] + [scan_item(world, pid, house=i) for i in range(3)]
    calls.append(
        client.post(
            "/api/v1/sync/upload",
            json={"sent_at": "2026-11-20T14:30:00Z", "items": items},
            headers=h,
        )
    )
    calls.append(client.get("/api/v1/sync/registry", headers=h))
    for r in await asyncio.gather(*calls):
        statuses[r.status_code] += 1


@pytest.mark.skipif(
    IS_PG,
    reason="about the embedded SQLite default; on PostgreSQL a full pool answers 503 by design",
)
async def test_fifty_phones_at_once_get_no_5xx(client, session):
    world = await make_world(session)
    users = []
    for _ in range(PHONES):
        user = await make_user(session, role="team_member")
        await make_member(session, world.team, user)
        users.append(user)
    await session.commit()
    statuses: Counter = Counter()
    await asyncio.gather(*(_phone(client, world, u, statuses) for u in users))
    failed = {code: n for code, n in statuses.items() if code >= 500}
    assert not failed, dict(statuses)
    assert statuses[200] >= PHONES * 3, dict(statuses)  # sign-in, refresh, lists answered

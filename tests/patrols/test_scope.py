"""Every patrol route: another team's people and out-of-scope officers get 404, read or write."""

import uuid
from datetime import timedelta

import pytest

from tests.factories import auth
from tests.factories_patrols import T0, iso, make_world, patrol_item, scan_item, upload


@pytest.fixture
async def two(app, client, session):
    a = await make_world(session, name="A", gps_tracking=True)
    b = await make_world(session, name="B", gps_tracking=True)
    await session.commit()
    pid, sid = uuid.uuid4(), uuid.uuid4()
    track = {
        "kind": "track",
        "id": str(uuid.uuid4()),
        "patrol_id": str(pid),
        "points": [{"t": iso(T0), "lat": 10.9, "lon": 106.76}],
    }
    r = await upload(
        client, app, a.member, [patrol_item(a, pid), scan_item(a, pid, sid=sid, metres=900), track]
    )
    assert r.json()["summary"]["created"] == 3
    plan = {
        "team_id": str(a.team.id),
        "name": "Kế hoạch A",
        "days_of_week": [1],
        "start_time": "21:00",
        "end_time": "22:00",
    }
    r = await client.post("/api/v1/patrol-plans", json=plan, headers=auth(app, a.leader))
    return a, b, pid, sid, uuid.UUID(r.json()["id"]), plan


async def test_reads_are_404_outside_scope(app, client, two):
    a, b, pid, sid, plan_id, _ = two
    urls = [
        f"/api/v1/patrols/{pid}",
        f"/api/v1/patrols/{pid}/scans",
        f"/api/v1/patrols/{pid}/track",
        f"/api/v1/scans/{sid}",
        f"/api/v1/patrol-plans/{plan_id}",
        f"/api/v1/patrol-plans/{plan_id}/results",
        f"/api/v1/patrol-plans/{plan_id}/coverage",
        f"/api/v1/patrols/coverage?team_id={a.team.id}",
    ]
    for user in (b.member, b.leader, b.officer, b.police):
        for url in urls:
            r = await client.get(url, headers=auth(app, user))
            assert r.status_code == 404, (user.role, url, r.status_code)
            assert r.json()["code"] == "not_found"
    # and the same urls answer the team itself
    for url in urls:
        assert (await client.get(url, headers=auth(app, a.member))).status_code == 200, url


async def test_lists_leave_out_other_teams(app, client, two):
    _a, b, _pid, _sid, _plan_id, _ = two
    for user in (b.member, b.officer, b.police):
        h = auth(app, user)
        assert (await client.get("/api/v1/patrols", headers=h)).json()["items"] == []
        assert (await client.get("/api/v1/patrol-plans", headers=h)).json()["items"] == []
        feed = (await client.get("/api/v1/patrols/changes", headers=h)).json()
        assert feed["patrols"] == [] and feed["scans"] == []
    for user in (b.member, b.officer):
        r = await client.get("/api/v1/scans", headers=auth(app, user))
        assert r.json()["items"] == []


async def test_writes_are_404_outside_scope(app, client, two):
    a, b, pid, sid, plan_id, plan = two
    end = {"ended_at": iso(T0 + timedelta(hours=1))}
    review = {"decision": "accepted", "comment": "Được"}
    body = {"team_id": str(b.team.id), "started_at": iso(T0)}
    cases = [
        (b.member, "PUT", f"/api/v1/patrols/{pid}", body),  # A's patrol id
        (b.member, "PUT", f"/api/v1/patrols/{uuid.uuid4()}", {**body, "team_id": str(a.team.id)}),
        (b.member, "PUT", f"/api/v1/patrols/{pid}/end", end),
        (b.leader, "PUT", f"/api/v1/scans/{sid}/review", review),
        (b.officer, "PUT", f"/api/v1/scans/{sid}/review", review),
        (b.leader, "POST", "/api/v1/patrol-plans", plan),
        (b.officer, "POST", "/api/v1/patrol-plans", plan),
        (b.officer, "PATCH", f"/api/v1/patrol-plans/{plan_id}", {"name": "x"}),
        (b.leader, "DELETE", f"/api/v1/patrol-plans/{plan_id}?reason=abc", None),
    ]
    for user, method, url, json in cases:
        headers = {**auth(app, user), "If-Match": '"1"'}
        r = await client.request(method, url, json=json, headers=headers)
        assert r.status_code == 404, (user.role, method, url, r.status_code, r.text)
        assert r.json()["code"] == "not_found"
    # nothing changed for A
    r = await client.get(f"/api/v1/scans/{sid}", headers=auth(app, a.leader))
    assert r.json()["review_status"] == "pending"

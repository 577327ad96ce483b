"""PUT /patrols/{id} (idempotent create), its end, reads and lists."""

import uuid
from datetime import timedelta

from sqlalchemy import select

from backend.models import AuditEvent
from tests.factories import auth
from tests.factories_patrols import T0, iso, make_world, patrol_item, scan_item, upload


def _body(world, **extra):
    return {"team_id": str(world.team.id), "started_at": iso(T0), **extra}


async def test_put_creates_then_replays_then_conflicts(app, client, session):
    w = await make_world(session)
    await session.commit()
    pid = uuid.uuid4()
    url = f"/api/v1/patrols/{pid}"
    h = auth(app, w.member)
    body = _body(w, member_ids=[str(w.members[1].id), str(w.members[0].id)], notes="Tuần tra tối")
    r = await client.put(url, json=body, headers=h)
    assert r.status_code == 201, r.text
    first = r.json()
    assert first["status"] == "in_progress" and first["team_id"] == str(w.team.id)
    # identical re-send (members in another order, time with another offset): same answer
    same = {
        **body,
        "member_ids": body["member_ids"][::-1],
        "started_at": "2026-11-20T21:00:00+07:00",
    }
    r = await client.put(url, json=same, headers=h)
    assert r.status_code == 200 and r.json() == first
    r = await client.put(url, json={**body, "notes": "khác"}, headers=h)
    assert r.status_code == 409
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == "patrol_conflict"
    # the same patrol in a batch is recognised as the same
    r = await upload(client, app, w.leader, [{"kind": "patrol", "id": str(pid), **body}])
    assert r.json()["results"][0]["status"] == "duplicate"
    events = (
        await session.scalars(select(AuditEvent).where(AuditEvent.action == "patrol.create"))
    ).all()
    assert len(events) == 1 and "body_hash" not in events[0].after


async def test_put_validation_and_roles(app, client, session):
    w = await make_world(session)
    await session.commit()
    h = auth(app, w.member)
    url = f"/api/v1/patrols/{uuid.uuid4()}"
    r = await client.put(url, json={"team_id": str(w.team.id)}, headers=h)
    assert r.status_code == 422 and r.json()["code"] == "validation_error"
    r = await client.put(url, json=_body(w, started_at="2026-11-20T21:00:00"), headers=h)
    assert r.status_code == 422  # no offset: ambiguous
    r = await client.put(url, json=_body(w, status="completed"), headers=h)
    assert r.status_code == 422  # completed without an end
    bad_end = _body(w, status="completed", ended_at=iso(T0 - timedelta(hours=1)))
    r = await client.put(url, json=bad_end, headers=h)
    assert r.status_code == 422
    r = await client.put(url, json=_body(w, member_ids=[str(uuid.uuid4())]), headers=h)
    assert r.status_code == 422 and r.json()["code"] == "unknown_member"
    r = await client.put("/api/v1/patrols/not-a-uuid", json=_body(w), headers=h)
    assert r.status_code == 422
    r = await client.put(url, json=_body(w), headers=auth(app, w.officer))
    assert r.status_code == 403


async def test_end_is_idempotent(app, client, session):
    w = await make_world(session)
    await session.commit()
    pid = uuid.uuid4()
    h = auth(app, w.member)
    await client.put(f"/api/v1/patrols/{pid}", json=_body(w), headers=h)
    url = f"/api/v1/patrols/{pid}/end"
    end = {"status": "completed", "ended_at": iso(T0 + timedelta(hours=2)), "notes": "Yên tĩnh"}
    r = await client.put(url, json=end, headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "completed" and r.json()["end_notes"] == "Yên tĩnh"
    again = await client.put(url, json=end, headers=auth(app, w.leader))
    assert again.status_code == 200 and again.json() == r.json()
    r = await client.put(url, json={**end, "status": "abandoned"}, headers=h)
    assert r.status_code == 409 and r.json()["code"] == "patrol_end_conflict"
    pid2 = uuid.uuid4()
    await client.put(f"/api/v1/patrols/{pid2}", json=_body(w), headers=h)
    r = await client.put(
        f"/api/v1/patrols/{pid2}/end", json={"ended_at": iso(T0 - timedelta(minutes=1))}, headers=h
    )
    assert r.status_code == 422 and r.json()["code"] == "invalid_patrol_times"
    r = await client.put(f"/api/v1/patrols/{pid2}/end", json={"status": "lost"}, headers=h)
    assert r.status_code == 422


async def test_reads_and_lists(app, client, session):
    w = await make_world(session)
    await session.commit()
    pids = [uuid.uuid4() for _ in range(3)]
    items = [patrol_item(w, pid, start=T0 + timedelta(days=i)) for i, pid in enumerate(pids)]
    items += [scan_item(w, pids[0], house=0), scan_item(w, pids[0], house=1, metres=900)]
    await upload(client, app, w.member, items)
    h = auth(app, w.leader)
    r = await client.get(f"/api/v1/patrols/{pids[0]}", headers=h)
    assert r.status_code == 200
    assert (r.json()["scans"], r.json()["flagged_scans"], r.json()["houses_scanned"]) == (2, 1, 2)
    r = await client.get("/api/v1/patrols", params={"limit": 2}, headers=h)
    page = r.json()
    assert [p["id"] for p in page["items"]] == [str(pids[2]), str(pids[1])]
    r = await client.get(
        "/api/v1/patrols", params={"limit": 2, "cursor": page["next_cursor"]}, headers=h
    )
    assert [p["id"] for p in r.json()["items"]] == [str(pids[0])] and not r.json()["next_cursor"]
    r = await client.get("/api/v1/patrols", params={"cursor": "%%%"}, headers=h)
    assert r.status_code == 422 and r.json()["code"] == "invalid_cursor"
    r = await client.get(f"/api/v1/patrols/{pids[0]}/scans", headers=h)
    scans = r.json()["items"]
    assert len(scans) == 2 and "token" not in scans[0]
    assert sorted(s["flags"] for s in scans) == [[], ["far_from_house"]]
    r = await client.get("/api/v1/scans", params={"flag": "far_from_house"}, headers=h)
    assert len(r.json()["items"]) == 1
    r = await client.get("/api/v1/scans", params={"review_status": "pending"}, headers=h)
    assert len(r.json()["items"]) == 1
    r = await client.get("/api/v1/scans", params={"flag": "nonsense"}, headers=h)
    assert r.status_code == 422
    # the union officer above sees summaries and flags; police see summaries, not scans
    r = await client.get("/api/v1/scans", headers=auth(app, w.officer))
    assert len(r.json()["items"]) == 2
    r = await client.get("/api/v1/patrols", headers=auth(app, w.police))
    assert len(r.json()["items"]) == 3
    r = await client.get(f"/api/v1/patrols/{pids[0]}/scans", headers=auth(app, w.police))
    assert r.status_code == 403


async def test_house_coverage(app, client, session):
    w = await make_world(session, houses=3)
    await session.commit()
    pid = uuid.uuid4()
    items = [
        patrol_item(w, pid),
        scan_item(w, pid, house=0, at=T0 + timedelta(minutes=5)),
        scan_item(w, pid, house=0, at=T0 + timedelta(minutes=50)),
        scan_item(w, pid, house=1, metres=900),  # flagged: not counted until accepted
    ]
    await upload(client, app, w.member, items)
    r = await client.get(
        "/api/v1/patrols/coverage", params={"team_id": str(w.team.id)}, headers=auth(app, w.officer)
    )
    assert r.status_code == 200
    by_house = {c["house_id"]: c for c in r.json()["items"]}
    assert by_house[str(w.houses[0].id)]["scans"] == 2
    assert by_house[str(w.houses[0].id)]["last_scanned_at"].startswith("2026-11-20T14:50")
    assert by_house[str(w.houses[1].id)]["last_scanned_at"] is None
    assert by_house[str(w.houses[2].id)]["scans"] == 0

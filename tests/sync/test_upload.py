"""The batch endpoint: mixed kinds, per-item answers, held items, bad items on their own."""

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from backend.models.patrol import CheckpointScan, HeldUploadItem, Patrol
from backend.patrols.tasks import file_stragglers
from tests.factories import auth
from tests.factories_patrols import T0, iso, make_world, patrol_item, scan_item, upload


async def test_mixed_batch_is_answered_per_item(app, client, session):
    w = await make_world(session)
    await session.commit()
    pid = uuid.uuid4()
    items = [
        scan_item(w, pid, house=0),
        patrol_item(w, pid),
        scan_item(w, pid, house=1, at=T0 + timedelta(minutes=9)),
        {"kind": "scan", "id": str(uuid.uuid4()), "patrol_id": str(pid)},  # no token, no time
        {"kind": "teleport", "id": "x"},
    ]
    r = await upload(client, app, w.member, items)
    assert r.status_code == 200, r.text
    body = r.json()
    statuses = [(x["index"], x["kind"], x["status"]) for x in body["results"]]
    assert statuses == [
        (0, "scan", "created"),
        (1, "patrol", "created"),
        (2, "scan", "created"),
        (3, "scan", "rejected"),
        (4, "teleport", "rejected"),
    ]
    assert body["results"][0]["flags"] == [] and not body["results"][0]["held"]
    bad = body["results"][3]["problem"]
    assert bad["code"] == "validation_error" and bad["status"] == 422
    assert {e["field"] for e in bad["errors"]} >= {"token", "scanned_at"}
    assert body["results"][4]["problem"]["code"] == "unknown_kind"
    assert body["summary"] == {"created": 3, "duplicate": 0, "conflict": 0, "rejected": 2}
    assert await session.scalar(select(func.count()).select_from(CheckpointScan)) == 2


async def test_resend_is_duplicate_and_other_body_is_conflict(app, client, session):
    w = await make_world(session)
    await session.commit()
    pid, sid = uuid.uuid4(), uuid.uuid4()
    first = [patrol_item(w, pid), scan_item(w, pid, sid=sid)]
    assert (await upload(client, app, w.member, first)).status_code == 200
    again = [patrol_item(w, pid), scan_item(w, pid, sid=sid), scan_item(w, pid, sid=sid, note="x")]
    r = await upload(client, app, w.leader, again)  # another phone of the same team
    assert [x["status"] for x in r.json()["results"]] == ["duplicate", "duplicate", "conflict"]
    assert r.json()["results"][2]["problem"]["code"] == "item_conflict"
    stored = await session.get(CheckpointScan, sid)
    assert stored.note is None  # the first version is kept


async def test_same_id_twice_in_one_batch(app, client, session):
    w = await make_world(session)
    await session.commit()
    pid, sid = uuid.uuid4(), uuid.uuid4()
    items = [
        patrol_item(w, pid),
        scan_item(w, pid, sid=sid),
        scan_item(w, pid, sid=sid),
        scan_item(w, pid, sid=sid, note="khác"),
    ]
    r = await upload(client, app, w.member, items)
    assert [x["status"] for x in r.json()["results"]] == [
        "created",
        "created",
        "duplicate",
        "conflict",
    ]


async def test_scan_before_its_patrol_is_held_then_filed(app, client, session):
    w = await make_world(session)
    await session.commit()
    pid, sid = uuid.uuid4(), uuid.uuid4()
    r = await upload(client, app, w.member, [scan_item(w, pid, sid=sid)])
    [res] = r.json()["results"]
    assert res["status"] == "created" and res["held"] is True
    assert await session.get(CheckpointScan, sid) is None
    r = await upload(client, app, w.member, [scan_item(w, pid, sid=sid)])  # lost answer: again
    assert r.json()["results"][0] == {**res, "status": "duplicate"}
    r = await upload(client, app, w.leader, [patrol_item(w, pid)])
    assert r.json()["results"][0]["status"] == "created"
    scan = await session.get(CheckpointScan, sid)
    assert scan is not None and scan.patrol_id == pid and scan.flags == 0
    assert await session.scalar(select(func.count()).select_from(HeldUploadItem)) == 0
    r = await upload(client, app, w.member, [scan_item(w, pid, sid=sid)])
    assert r.json()["results"][0]["status"] == "duplicate"
    assert r.json()["results"][0]["held"] is False


async def test_held_scan_keeps_its_batch_clock(app, client, session):
    """A held scan is judged with the clock offset of the batch it came in, not the later one."""
    w = await make_world(session)
    await session.commit()
    pid, sid = uuid.uuid4(), uuid.uuid4()
    skewed = datetime.now(UTC) + timedelta(minutes=30)
    await upload(client, app, w.member, [scan_item(w, pid, sid=sid)], sent_at=skewed)
    await upload(client, app, w.member, [patrol_item(w, pid)])
    scan = await session.get(CheckpointScan, sid)
    assert scan.flags == 8  # clock_skew, from its own batch
    assert 1790 < scan.clock_offset_s < 1810


async def test_other_teams_patrol_is_not_revealed(app, client, session, settings):
    a = await make_world(session, name="A")
    b = await make_world(session, name="B")
    await session.commit()
    pid = uuid.uuid4()
    await upload(client, app, a.member, [patrol_item(a, pid)])
    # B's phone sends a scan for A's patrol and a patrol with A's patrol id
    scan = scan_item(b, pid)
    scan_id = uuid.UUID(scan["id"])
    r = await upload(client, app, b.member, [scan, patrol_item(b, pid)])
    scan_res, patrol_res = r.json()["results"]
    assert scan_res["status"] == "created" and scan_res["held"] is True  # as for any unknown id
    assert patrol_res["status"] == "rejected" and patrol_res["problem"]["status"] == 404
    # and B may not create a patrol for A's team
    r = await upload(client, app, b.member, [patrol_item(a)])
    assert r.json()["results"][0]["problem"]["code"] == "not_found"
    assert (await session.get(Patrol, pid)).team_id == a.team.id
    # the sweep files what waits for a patrol that exists: B's scan is refused, not filed
    filed = await file_stragglers(session, settings=settings, now=datetime.now(UTC))
    await session.commit()
    assert filed == 0
    refused = await session.scalar(select(HeldUploadItem).where(HeldUploadItem.id == scan_id))
    assert refused.status == "refused" and refused.problem["code"] == "not_found"
    r = await upload(client, app, b.member, [scan])  # and the phone is told so from now on
    assert r.json()["results"][0]["status"] == "rejected"
    assert await session.get(CheckpointScan, scan_id) is None


async def test_patrol_with_stranger_member_is_rejected(app, client, session):
    a = await make_world(session, name="A")
    b = await make_world(session, name="B")
    await session.commit()
    item = patrol_item(a, member_ids=[str(a.members[0].id), str(b.members[0].id)])
    r = await upload(client, app, a.member, [item])
    res = r.json()["results"][0]
    assert res["status"] == "rejected" and res["problem"]["code"] == "unknown_member"
    assert res["problem"]["member_ids"] == [str(b.members[0].id)]


async def test_patrol_end_item_and_held_end(app, client, session):
    w = await make_world(session)
    await session.commit()
    pid = uuid.uuid4()
    end = {"kind": "patrol_end", "id": str(pid), "ended_at": iso(T0 + timedelta(hours=1))}
    r = await upload(client, app, w.member, [end])
    assert r.json()["results"][0]["held"] is True
    r = await upload(client, app, w.member, [patrol_item(w, pid)])
    assert r.json()["results"][0]["status"] == "created"
    patrol = await session.get(Patrol, pid, populate_existing=True)
    assert patrol.status == "completed" and patrol.ended_at == T0 + timedelta(hours=1)
    r = await upload(client, app, w.member, [end])
    assert r.json()["results"][0]["status"] == "duplicate"
    other = {**end, "ended_at": iso(T0 + timedelta(hours=2))}
    r = await upload(client, app, w.member, [other])
    assert r.json()["results"][0]["problem"]["code"] == "patrol_end_conflict"


async def test_batch_limits_and_roles(app, client, session):
    w = await make_world(session)
    await session.commit()
    pid = uuid.uuid4()
    r = await upload(client, app, w.member, [scan_item(w, pid) for _ in range(501)])
    assert r.status_code == 422 and r.json()["code"] == "validation_error"
    r = await upload(client, app, w.member, [])
    assert r.status_code == 422
    r = await client.post(
        "/api/v1/sync/upload", json={"items": [patrol_item(w)]}, headers=auth(app, w.member)
    )
    assert r.status_code == 422  # sent_at is required: it is how clocks are judged
    r = await upload(client, app, w.officer, [patrol_item(w)])
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    r = await client.post("/api/v1/sync/upload", json={})
    assert r.status_code == 401


async def test_upload_is_audited_once_per_batch(app, client, session):
    from backend.models import AuditEvent

    w = await make_world(session)
    await session.commit()
    pid = uuid.uuid4()
    await upload(client, app, w.member, [patrol_item(w, pid)] + [scan_item(w, pid)] * 1)
    events = (
        await session.scalars(select(AuditEvent).where(AuditEvent.action == "sync.upload"))
    ).all()
    assert len(events) == 1 and events[0].detail["by_status"] == {"created": 2}


async def test_sweep_files_a_scan_held_by_a_race(app, client, session, settings):
    """A scan held while its patrol was being committed elsewhere is filed by the sweep."""
    w = await make_world(session)
    await session.commit()
    pid, sid = uuid.uuid4(), uuid.uuid4()
    await upload(client, app, w.member, [scan_item(w, pid, sid=sid)])
    # the patrol lands without seeing the held scan (as a concurrent batch on SQLite could)
    session.add(
        Patrol(
            id=pid,
            team_id=w.team.id,
            status="in_progress",
            started_at=T0,
            received_at=datetime.now(UTC),
            created_by=w.member.id,
            body_hash=b"0" * 16,
        )
    )
    await session.commit()
    assert await file_stragglers(session, settings=settings, now=datetime.now(UTC)) == 1
    await session.commit()
    assert (await session.get(CheckpointScan, sid)).flags == 0
    assert await session.scalar(select(func.count()).select_from(HeldUploadItem)) == 0

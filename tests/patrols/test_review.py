"""A person accepts or rejects flagged evidence; statistics follow the decision."""

import uuid

from sqlalchemy import select

from backend.models import AuditEvent
from tests.factories import auth
from tests.factories_patrols import make_world, patrol_item, scan_item, upload


async def _flagged(client, app, w):
    pid, flagged, clean = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    items = [
        patrol_item(w, pid),
        scan_item(w, pid, sid=flagged, metres=800),
        scan_item(w, pid, house=1, sid=clean),
    ]
    await upload(client, app, w.member, items)
    return flagged, clean


async def test_union_officer_accepts_and_coverage_counts_it(app, client, session):
    w = await make_world(session)
    await session.commit()
    flagged, _clean = await _flagged(client, app, w)
    cov = await client.get(
        "/api/v1/patrols/coverage", params={"team_id": str(w.team.id)}, headers=auth(app, w.leader)
    )
    assert {c["house_id"]: c["scans"] for c in cov.json()["items"]}[str(w.houses[0].id)] == 0
    url = f"/api/v1/scans/{flagged}/review"
    body = {"decision": "accepted", "comment": "Đã xác minh: quét từ cổng sau"}
    r = await client.put(url, json=body, headers=auth(app, w.officer))
    assert r.status_code == 200, r.text
    assert r.json()["review_status"] == "accepted" and r.json()["flags"] == ["far_from_house"]
    assert r.json()["reviewed_by"] == str(w.officer.id)
    again = await client.put(url, json=body, headers=auth(app, w.officer))
    assert again.json() == r.json()
    cov = await client.get(
        "/api/v1/patrols/coverage", params={"team_id": str(w.team.id)}, headers=auth(app, w.leader)
    )
    assert {c["house_id"]: c["scans"] for c in cov.json()["items"]}[str(w.houses[0].id)] == 1
    events = (
        await session.scalars(select(AuditEvent).where(AuditEvent.action == "scan.review.accepted"))
    ).all()
    assert len(events) == 1
    assert events[0].before["review_status"] == "pending" and "token" not in events[0].after
    assert events[0].detail["comment"] == body["comment"]


async def test_leader_rejects_member_may_not(app, client, session):
    w = await make_world(session)
    await session.commit()
    flagged, clean = await _flagged(client, app, w)
    body = {"decision": "rejected", "comment": "Quét hộ, không có mặt"}
    r = await client.put(f"/api/v1/scans/{flagged}/review", json=body, headers=auth(app, w.member))
    assert r.status_code == 403
    r = await client.put(f"/api/v1/scans/{flagged}/review", json=body, headers=auth(app, w.leader))
    assert r.status_code == 200 and r.json()["review_status"] == "rejected"
    r = await client.put(f"/api/v1/scans/{clean}/review", json=body, headers=auth(app, w.leader))
    assert r.status_code == 409 and r.json()["code"] == "scan_not_flagged"
    r = await client.put(
        f"/api/v1/scans/{flagged}/review", json={"decision": "maybe"}, headers=auth(app, w.leader)
    )
    assert r.status_code == 422

"""The awareness_session item kind of the batch upload."""

import uuid

from sqlalchemy import func, select

from backend.models.monitoring import AwarenessSession
from tests.factories import auth
from tests.monitoring.factories import make_world, session_body

UPLOAD = "/api/v1/sync/upload"


def item(item_id, body: dict) -> dict:
    return {"kind": "awareness_session", "id": str(item_id), **body}


async def upload(client, headers, *items):
    r = await client.post(
        UPLOAD, json={"sent_at": "2026-11-22T10:00:00+07:00", "items": list(items)}, headers=headers
    )
    assert r.status_code == 200, r.text
    return [(x["status"], (x.get("problem") or {}).get("code")) for x in r.json()["results"]]


async def test_upload_creates_recognises_resends_and_refuses_per_item(app, client, session):
    w = await make_world(session)
    await session.commit()
    h = auth(app, w.member1)
    a, b, c = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    results = await upload(
        client,
        h,
        item(a, session_body(w.team1)),
        item(b, session_body(w.team2)),  # another team: not the uploader's to record
        item(c, session_body(w.team1, topics=["astrology"])),
        {"kind": "awareness_session", "id": str(uuid.uuid4()), "place": "thiếu dữ liệu"},
    )
    assert results == [
        ("created", None),
        ("rejected", "not_found"),
        ("rejected", "unknown_topic"),
        ("rejected", "validation_error"),
    ]
    # the next batch re-sends a (same), changes it, and sends one created by PUT meanwhile
    d = uuid.uuid4()
    r = await client.put(f"/api/v1/awareness-sessions/{d}", json=session_body(w.team1), headers=h)
    assert r.status_code == 201
    results = await upload(
        client,
        h,
        item(a, session_body(w.team1, held_at="2026-11-20T12:30:00Z")),
        item(a, session_body(w.team1, workers_count=1)),
        item(d, session_body(w.team1)),
    )
    assert results == [
        ("duplicate", None),
        ("conflict", "item_conflict"),  # a repeat within one batch is judged by the batch
        ("duplicate", None),
    ]
    results = await upload(client, h, item(a, session_body(w.team1, workers_count=1)))
    assert results == [("conflict", "awareness_session_conflict")]
    # another team's member re-sending a's id learns nothing about it
    results = await upload(client, auth(app, w.leader2), item(a, session_body(w.team2)))
    assert results == [("rejected", "not_found")]

    count = await session.scalar(select(func.count()).select_from(AwarenessSession))
    assert count == 2
    r = await client.get(f"/api/v1/awareness-sessions/{a}", headers=auth(app, w.officer1))
    assert r.status_code == 200 and r.json()["workers_count"] == 45

"""Idempotency-Key on the batch upload (IETF httpapi draft semantics), state in the database."""

import json
import uuid
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import func, select, update

from backend.core.idempotency import claim, fingerprint, purge_expired
from backend.main import create_app
from backend.models import AuditEvent
from backend.models.idempotency import IdempotencyKey
from backend.models.patrol import CheckpointScan
from tests.factories_patrols import iso, make_world, patrol_item, scan_item, upload

URL = "/api/v1/sync/upload"


async def _batch(session):
    w = await make_world(session)
    await session.commit()
    pid = uuid.uuid4()
    return w, [patrol_item(w, pid), scan_item(w, pid), scan_item(w, pid, house=1)]


async def _audits(session) -> int:
    return await session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "sync.upload")
    )


async def test_replay_returns_the_stored_answer(app, client, session):
    w, items = await _batch(session)
    first = await upload(client, app, w.member, items, key="k-1")
    assert first.status_code == 200
    assert "idempotent-replayed" not in first.headers
    # the phone retries later: same key, same items, a fresh sent_at
    later = datetime.now(UTC) + timedelta(seconds=40)
    again = await upload(client, app, w.member, items, key='"k-1"', sent_at=later)
    assert again.status_code == 200
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()  # "created", not "duplicate": the first answer
    assert await _audits(session) == 1


async def test_replay_from_another_api_process(app, client, session, settings):
    w, items = await _batch(session)
    first = await upload(client, app, w.member, items, key="k-proc")
    other_app = create_app(settings)
    try:
        transport = httpx.ASGITransport(app=other_app)
        async with httpx.AsyncClient(transport=transport, base_url="http://other") as other:
            again = await upload(other, other_app, w.member, items, key="k-proc")
    finally:
        await other_app.state.engine.dispose()
    assert again.headers["idempotent-replayed"] == "true" and again.json() == first.json()


async def test_same_key_other_body_is_422(app, client, session):
    w, items = await _batch(session)
    await upload(client, app, w.member, items, key="k-2")
    r = await upload(client, app, w.member, items[:1], key="k-2")
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == "idempotency_key_reused"


async def test_in_flight_is_409_until_its_lease_ends(app, client, session):
    w, items = await _batch(session)
    sent_at = datetime.now(UTC)
    raw = json.dumps({"sent_at": iso(sent_at), "items": items}).encode()
    fp = fingerprint("POST", URL, raw, ("sent_at",))
    # another process claimed the key and is still working on it
    async with app.state.session_factory() as other:
        await claim(
            other,
            user_id=w.member.id,
            key="k-3",
            fingerprint=fp,
            ttl=timedelta(hours=24),
            lease=timedelta(minutes=2),
        )
    r = await upload(client, app, w.member, items, key="k-3", sent_at=sent_at)
    assert r.status_code == 409 and r.json()["code"] == "idempotency_in_flight"
    assert 1 <= int(r.headers["retry-after"]) <= 30
    assert await session.scalar(select(func.count()).select_from(CheckpointScan)) == 0
    # that process died: once its lease is over, the retry runs
    await session.execute(
        update(IdempotencyKey).values(locked_until=datetime.now(UTC) - timedelta(seconds=1))
    )
    await session.commit()
    r = await upload(client, app, w.member, items, key="k-3", sent_at=sent_at)
    assert r.status_code == 200 and r.json()["summary"]["created"] == 3


async def test_expired_key_runs_again(app, client, session):
    w, items = await _batch(session)
    await upload(client, app, w.member, items, key="k-4")
    await session.execute(
        update(IdempotencyKey).values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
    )
    await session.commit()
    r = await upload(client, app, w.member, items[:1], key="k-4")  # other body: fine now
    assert r.status_code == 200 and "idempotent-replayed" not in r.headers
    assert r.json()["results"][0]["status"] == "duplicate"  # the items themselves are known
    async with app.state.session_factory() as s:
        removed = await purge_expired(s, now=datetime.now(UTC) + timedelta(days=2))
        await s.commit()
    assert removed == 1


async def test_failed_request_releases_the_key(app, client, session):
    w, items = await _batch(session)
    r = await upload(client, app, w.member, [{"kind": "scan"}] * 501, key="k-5")
    assert r.status_code == 422
    assert await session.scalar(select(func.count()).select_from(IdempotencyKey)) == 0
    r = await upload(client, app, w.member, items, key="k-5")
    assert r.status_code == 200


async def test_keys_are_per_user(app, client, session):
    w, items = await _batch(session)
    await upload(client, app, w.member, items, key="shared")
    r = await upload(client, app, w.leader, items, key="shared")
    assert "idempotent-replayed" not in r.headers
    assert {x["status"] for x in r.json()["results"]} == {"duplicate"}


async def test_bad_keys(app, client, session):
    w, items = await _batch(session)
    for key in ("x" * 256, "khóa".encode(), '""', "a\tb"):
        r = await upload(client, app, w.member, items, key=key)
        assert r.status_code == 400 and r.json()["code"] == "idempotency_key_invalid", key

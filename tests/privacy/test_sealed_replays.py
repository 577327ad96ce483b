"""Answers kept for Idempotency-Key replays are sealed at rest like the phones they may carry."""

from datetime import timedelta

from sqlalchemy import text

from backend.core import idempotency, pii
from tests.factories import make_user

NUMBER = "+84933444555"


async def _claim(session, user_id):
    return await idempotency.claim(
        session,
        user_id=user_id,
        key="replay-1",
        fingerprint="f" * 64,
        ttl=timedelta(hours=24),
        lease=timedelta(seconds=120),
    )


async def test_a_stored_answer_is_sealed_and_replays_byte_for_byte(app, session):
    user = await make_user(session, role="team_leader")
    await session.commit()
    idem = await _claim(session, user.id)
    sent = await idem.respond(session, {"full_name": "Nguyễn Thị Đào", "phone": NUMBER})
    await session.commit()
    assert idem.saved

    stored = (await session.execute(text("SELECT response_body FROM idempotency_key"))).scalar()
    assert b"933444555" not in bytes(stored) and "Đào".encode() not in bytes(stored)
    assert bytes(stored).startswith(f"p1.{pii.keyring().seal_key_id}.".encode())

    again = await _claim(session, user.id)
    assert again.replay is not None
    assert again.replay.body == sent.body
    assert again.replay.headers[idempotency.REPLAYED_HEADER] == "true"


async def test_an_answer_stored_before_sealing_still_replays(app, session):
    user = await make_user(session, role="team_leader")
    await session.commit()
    idem = await _claim(session, user.id)
    await idem.respond(session, {"ok": True})
    await session.commit()
    # What a row written by the previous release holds: the plain JSON.
    await session.execute(
        text("UPDATE idempotency_key SET response_body = :b"), {"b": b'{"ok":true}'}
    )
    await session.commit()
    again = await _claim(session, user.id)
    assert again.replay is not None and again.replay.body == b'{"ok":true}'

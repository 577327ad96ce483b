"""Refresh tokens: rotated on each use, bound to the device, a replay burns the device's family.

Time is simulated by moving `used_at` back in the database, never by sleeping.
"""

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from backend.core.security import token_digest
from backend.models import AuditEvent, Device, RefreshToken, utcnow
from tests.accounts.flows import assert_problem, bearer, password_login, refresh, tokens
from tests.factories import make_user

GRACE = 30


@pytest.fixture
def settings(settings):
    return settings.model_copy(update={"refresh_reuse_grace_seconds": GRACE})


@pytest.fixture
async def user(session):
    user = await make_user(session)
    await session.commit()
    return user


async def _age_use(session, token: str, seconds: int) -> None:
    """Pretend the token was used `seconds` ago."""
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.token_hash == token_digest(token))
        .values(used_at=utcnow() - timedelta(seconds=seconds))
    )
    await session.commit()


async def test_rotation_issues_a_new_pair_and_retires_the_old_token(client, session, user):
    first = await tokens(client, user.phone)
    r = await refresh(client, first["refresh_token"])
    assert r.status_code == 200, r.text
    second = r.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert (await client.get("/api/v1/me", headers=bearer(second))).status_code == 200
    # The old token is spent: presented again after the grace window it is refused.
    await _age_use(session, first["refresh_token"], GRACE + 5)
    assert_problem(await refresh(client, first["refresh_token"]), 401, "refresh_token_reused")


async def test_chain_of_rotations_keeps_working(client, user):
    pair = await tokens(client, user.phone)
    for _ in range(3):
        r = await refresh(client, pair["refresh_token"])
        assert r.status_code == 200, r.text
        pair = r.json()
    assert (await client.get("/api/v1/me", headers=bearer(pair))).status_code == 200


async def test_reuse_outside_grace_revokes_the_whole_device_family(client, session, user):
    first = await tokens(client, user.phone, "phone-A")
    other = await tokens(client, user.phone, "phone-B")
    second = (await refresh(client, first["refresh_token"])).json()
    await _age_use(session, first["refresh_token"], GRACE + 1)

    r = await refresh(client, first["refresh_token"])
    assert_problem(r, 401, "refresh_token_reused")
    # The thief's (or the victim's) newer token dies too, and so do the device's access tokens.
    assert_problem(await refresh(client, second["refresh_token"]), 401, "invalid_refresh_token")
    assert_problem(await client.get("/api/v1/me", headers=bearer(second)), 401, "unauthorized")
    assert_problem(await client.get("/api/v1/me", headers=bearer(first)), 401, "unauthorized")
    # Another phone of the same user is not touched.
    assert (await client.get("/api/v1/me", headers=bearer(other))).status_code == 200
    assert (await refresh(client, other["refresh_token"], "phone-B")).status_code == 200

    stored = await session.scalars(
        select(RefreshToken).join(Device).where(Device.client_device_id == "phone-A")
    )
    assert all(t.revoked_at is not None for t in stored.all())
    reused = await session.scalar(
        select(AuditEvent).where(AuditEvent.action == "auth.refresh_reused")
    )
    assert reused is not None and reused.actor_id == user.id


async def test_signing_in_again_after_a_burned_family_works(client, session, user):
    first = await tokens(client, user.phone)
    await refresh(client, first["refresh_token"])
    await _age_use(session, first["refresh_token"], GRACE + 1)
    assert_problem(await refresh(client, first["refresh_token"]), 401, "refresh_token_reused")
    again = await tokens(client, user.phone)
    assert (await client.get("/api/v1/me", headers=bearer(again))).status_code == 200


async def test_reuse_inside_grace_window_issues_a_new_pair(client, session, user):
    """The answer to the first refresh was lost: the phone retries with the same token."""
    first = await tokens(client, user.phone)
    lost = (await refresh(client, first["refresh_token"])).json()
    await _age_use(session, first["refresh_token"], GRACE - 5)

    r = await refresh(client, first["refresh_token"])
    assert r.status_code == 200, r.text
    retried = r.json()
    assert retried["refresh_token"] not in (first["refresh_token"], lost["refresh_token"])
    assert (await client.get("/api/v1/me", headers=bearer(retried))).status_code == 200
    assert (await refresh(client, retried["refresh_token"])).status_code == 200
    # The successor the phone never saw is retired, so it cannot be used by someone else.
    assert_problem(await refresh(client, lost["refresh_token"]), 401, "invalid_refresh_token")


async def test_reuse_inside_grace_after_successor_was_used_is_theft(client, user):
    first = await tokens(client, user.phone)
    second = (await refresh(client, first["refresh_token"])).json()
    third = (await refresh(client, second["refresh_token"])).json()
    # Two tokens later, the first one shows up again: someone else holds a copy.
    assert_problem(await refresh(client, first["refresh_token"]), 401, "refresh_token_reused")
    assert_problem(await refresh(client, third["refresh_token"]), 401, "invalid_refresh_token")


async def test_grace_zero_makes_any_replay_theft(app, client, user):
    app.state.settings = app.state.settings.model_copy(update={"refresh_reuse_grace_seconds": 0})
    first = await tokens(client, user.phone)
    assert (await refresh(client, first["refresh_token"])).status_code == 200
    assert_problem(await refresh(client, first["refresh_token"]), 401, "refresh_token_reused")


@pytest.mark.parametrize("presented", ["phone-B", None, ""])
async def test_refresh_is_bound_to_the_device(client, user, presented):
    pair = await tokens(client, user.phone, "phone-A")
    assert_problem(
        await refresh(client, pair["refresh_token"], presented), 401, "invalid_refresh_token"
    )
    # The failed attempt did not spend the token for its real owner.
    assert (await refresh(client, pair["refresh_token"], "phone-A")).status_code == 200


async def test_web_session_refreshes_without_device_id(client, user):
    pair = (await password_login(client, user.phone)).json()
    r = await refresh(client, pair["refresh_token"], None)
    assert r.status_code == 200, r.text


async def test_unknown_and_expired_refresh_tokens_are_refused(client, session, user):
    assert_problem(await refresh(client, "made-up"), 401, "invalid_refresh_token")
    pair = await tokens(client, user.phone)
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.token_hash == token_digest(pair["refresh_token"]))
        .values(expires_at=utcnow() - timedelta(seconds=1))
    )
    await session.commit()
    assert_problem(await refresh(client, pair["refresh_token"]), 401, "invalid_refresh_token")


async def test_refresh_of_a_disabled_user_is_refused(client, session, user):
    pair = await tokens(client, user.phone)
    user.is_active = False
    session.add(user)
    await session.commit()
    assert_problem(await refresh(client, pair["refresh_token"]), 401, "invalid_refresh_token")


async def test_only_the_token_hash_is_stored(client, session, user):
    pair = await tokens(client, user.phone)
    hashes = (await session.scalars(select(RefreshToken.token_hash))).all()
    assert hashes == [token_digest(pair["refresh_token"])]

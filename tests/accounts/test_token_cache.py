"""A verified token's signature is remembered; its expiry and the account are not."""

import uuid

from backend.core import security
from backend.core.security import create_access_token, decode_access_token

SECRET = "test-secret-key-that-is-long-enough-0123456789"


def test_a_remembered_token_still_expires(monkeypatch):
    token = create_access_token(secret=SECRET, user_id=uuid.uuid4(), role="team_leader", minutes=1)
    claims = decode_access_token(token, secret=SECRET)
    assert claims is not None
    assert decode_access_token(token, secret=SECRET) is claims  # remembered, not re-verified
    later = claims["exp"] + 1
    monkeypatch.setattr(security.time, "time", lambda: later)
    assert decode_access_token(token, secret=SECRET) is None


def test_a_token_is_remembered_per_secret_and_forgeries_are_not():
    token = create_access_token(secret=SECRET, user_id=uuid.uuid4(), role="team_leader", minutes=5)
    assert decode_access_token(token, secret=SECRET) is not None
    assert decode_access_token(token, secret=SECRET + "-other") is None
    head, body, _ = token.split(".")
    assert decode_access_token(f"{head}.{body}.forged", secret=SECRET) is None


async def test_a_revoked_device_is_refused_at_once_although_its_token_is_remembered(
    client, session
):
    from tests.accounts.flows import bearer, mobile_login
    from tests.factories import make_user

    user = await make_user(session, role="team_member")
    await session.commit()
    r = await mobile_login(client, user.phone, "phone-A")
    assert r.status_code == 200, r.text
    h = bearer(r.json())
    assert (await client.get("/api/v1/me", headers=h)).status_code == 200
    assert (await client.post("/api/v1/auth/logout", headers=h)).status_code == 204
    assert (await client.get("/api/v1/me", headers=h)).status_code == 401

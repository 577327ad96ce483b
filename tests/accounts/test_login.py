"""Signing in: the OAuth2 password flow, the mobile login, access tokens and their expiry."""

from datetime import UTC, datetime, timedelta

import jwt

from backend.core.security import create_access_token
from backend.policy.deps import TOKEN_URL
from tests.accounts.flows import assert_problem, bearer, mobile_login, password_login
from tests.factories import make_user


async def test_tokenurl_in_openapi_is_the_password_flow_route(app):
    schemes = app.openapi()["components"]["securitySchemes"]
    flow = next(iter(schemes.values()))["flows"]["password"]
    assert flow["tokenUrl"] == TOKEN_URL == "/api/v1/auth/token"


async def test_password_flow_token_opens_admin_endpoints(client, session):
    admin = await make_user(session, phone="+84912345678")
    await session.commit()
    r = await password_login(client, "0912345678")  # typed the local way
    assert r.status_code == 200, r.text
    pair = r.json()
    assert pair["token_type"] == "bearer"
    assert pair["expires_in"] == 15 * 60
    assert pair["refresh_token"]
    users = await client.get("/api/v1/users", headers=bearer(pair))
    assert users.status_code == 200, users.text
    assert [u["id"] for u in users.json()["items"]] == [str(admin.id)]
    me = await client.get("/api/v1/me", headers=bearer(pair))
    assert me.json()["phone"] == "+84912345678"


async def test_password_flow_refuses_wrong_password_and_unknown_phone(client, session):
    await make_user(session, phone="+84912345678")
    await session.commit()
    r = await password_login(client, "0912345678", "sai-mat-khau")
    assert_problem(r, 401, "invalid_credentials")
    assert r.headers["www-authenticate"] == "Bearer"
    assert_problem(await password_login(client, "0987654321"), 401, "invalid_credentials")
    assert_problem(await password_login(client, "not-a-phone"), 401, "invalid_credentials")


async def test_disabled_account_cannot_sign_in(client, session):
    await make_user(session, phone="+84912345678", active=False)
    await session.commit()
    assert_problem(await password_login(client, "0912345678"), 401, "invalid_credentials")


async def test_password_flow_needs_form_fields(client):
    r = await client.post("/api/v1/auth/token", data={"username": "0912345678"})
    assert_problem(r, 422, "validation_error")
    assert [e["field"] for e in r.json()["errors"]] == ["body.password"]


async def test_mobile_login_registers_the_device(client, session):
    user = await make_user(session)
    await session.commit()
    r = await mobile_login(client, user.phone, "phone-A")
    assert r.status_code == 200, r.text
    claims = jwt.decode(r.json()["access_token"], options={"verify_signature": False})
    assert claims["sub"] == str(user.id) and claims["did"]
    devices = (await client.get("/api/v1/me/devices", headers=bearer(r.json()))).json()["items"]
    assert len(devices) == 1
    device = devices[0]
    assert device["id"] == claims["did"]
    assert (device["device_id"], device["kind"], device["model"], device["app_version"]) == (
        "phone-A",
        "mobile",
        "Samsung Galaxy A05",
        "1.0.0",
    )
    assert device["current"] is True and device["revoked_at"] is None
    assert "push_token" not in device


async def test_mobile_login_requires_device(client, session):
    user = await make_user(session)
    await session.commit()
    r = await client.post(
        "/api/v1/auth/mobile-login", json={"phone": user.phone, "password": "x" * 8}
    )
    assert_problem(r, 422, "validation_error")
    assert [e["field"] for e in r.json()["errors"]] == ["body.device"]


async def test_expired_access_token_is_refused(app, client, session):
    user = await make_user(session)
    await session.commit()
    secret = app.state.settings.secret_key

    def mint(now: datetime) -> dict[str, str]:
        token = create_access_token(
            secret=secret, user_id=user.id, role=user.role, minutes=15, now=now
        )
        return {"Authorization": f"Bearer {token}"}

    now = datetime.now(UTC)
    assert (await client.get("/api/v1/me", headers=mint(now))).status_code == 200
    expired = await client.get("/api/v1/me", headers=mint(now - timedelta(minutes=16)))
    assert_problem(expired, 401, "unauthorized")


async def test_forged_or_foreign_tokens_are_refused(app, client, session):
    user = await make_user(session)
    await session.commit()
    forged = create_access_token(
        secret="another-secret-another-secret-another", user_id=user.id, role="x", minutes=15
    )
    refresh_like = jwt.encode(
        {"sub": str(user.id), "exp": 4102444800, "typ": "refresh"},
        app.state.settings.secret_key,
        algorithm="HS256",
    )
    for token in (forged, refresh_like, "garbage"):
        r = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert_problem(r, 401, "unauthorized")


async def test_token_of_a_disabled_user_stops_working(app, client, session):
    user = await make_user(session)
    await session.commit()
    pair = (await mobile_login(client, user.phone)).json()
    user.is_active = False
    session.add(user)
    await session.commit()
    assert_problem(await client.get("/api/v1/me", headers=bearer(pair)), 401, "unauthorized")


async def test_a_token_that_just_worked_is_refused_on_the_next_request_once_deactivated(
    client, session
):
    # The verified signature of a token is remembered between requests (backend.core.security);
    # the account never is: deactivation must show on the very next request.
    user = await make_user(session)
    await session.commit()
    pair = (await mobile_login(client, user.phone)).json()
    for _ in range(3):
        assert (await client.get("/api/v1/me", headers=bearer(pair))).status_code == 200
    user.is_active = False
    session.add(user)
    await session.commit()
    assert_problem(await client.get("/api/v1/me", headers=bearer(pair)), 401, "unauthorized")
    listed = await client.get("/api/v1/me/devices", headers=bearer(pair))
    assert_problem(listed, 401, "unauthorized")


async def test_a_token_that_just_worked_is_refused_on_the_next_request_once_its_device_is_revoked(
    client, session
):
    user = await make_user(session)
    await session.commit()
    lost = (await mobile_login(client, user.phone, "phone-lost")).json()
    kept = (await mobile_login(client, user.phone, "phone-kept")).json()
    assert (await client.get("/api/v1/me", headers=bearer(lost))).status_code == 200
    devices = (await client.get("/api/v1/me/devices", headers=bearer(kept))).json()["items"]
    lost_id = next(d["id"] for d in devices if d["device_id"] == "phone-lost")
    r = await client.delete(f"/api/v1/me/devices/{lost_id}", headers=bearer(kept))
    assert r.status_code == 204, r.text
    assert_problem(await client.get("/api/v1/me", headers=bearer(lost)), 401, "unauthorized")
    assert (await client.get("/api/v1/me", headers=bearer(kept))).status_code == 200

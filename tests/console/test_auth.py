"""Sign-in, sign-out, CSRF, redirects and headers of the console."""

from sqlalchemy import func, select

from backend.models import AuditEvent, LoginAttempt
from tests.console.conftest import csrf, csrf_of, sign_in


async def test_root_is_the_sign_in_page_with_a_strict_csp(client):
    response = await client.get("/")
    assert response.status_code == 200
    assert 'action="/login"' in response.text
    assert 'for="phone"' in response.text and 'for="password"' in response.text
    csp = response.headers["content-security-policy"]
    assert "script-src 'self';" in csp and "unsafe-inline" not in csp
    assert "<script>" not in response.text  # every script is a static file
    assert response.headers["x-frame-options"] == "DENY"


async def test_sign_in_sets_a_session_cookie_and_sign_out_revokes_it(client, city):
    response = await sign_in(client, city.officer_x)
    assert response.status_code == 303 and response.headers["location"] == "/"
    cookie = response.headers["set-cookie"]
    assert "ttq_session=" in cookie and "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
    token = client.cookies["ttq_session"]
    home = await client.get("/")
    assert home.status_code == 200 and "Tổng quan" in home.text
    out = await client.post("/logout", data={"csrf_token": csrf_of(home.text)})
    assert out.status_code == 303 and out.headers["location"] == "/login"
    # The old cookie value is dead on the server, not just dropped by the browser.
    client.cookies.set("ttq_session", token)
    again = await client.get("/incidents")
    assert again.status_code == 303 and again.headers["location"].startswith("/login?next=")


async def test_secure_cookie_outside_development(client, city, app):
    app.state.settings = app.state.settings.model_copy(update={"environment": "production"})
    response = await sign_in(client, city.officer_x)
    assert "secure" in response.headers["set-cookie"].lower()


async def test_wrong_password_is_counted_and_limited_as_in_the_api(client, city, session, app):
    for _ in range(app.state.settings.login_max_failures):
        response = await sign_in(client, city.officer_x, password="sai-mat-khau")
        assert response.status_code == 401
        assert 'role="alert"' in response.text
    failures = await session.scalar(select(func.count()).select_from(LoginAttempt))
    assert failures == app.state.settings.login_max_failures
    blocked = await sign_in(client, city.officer_x)  # even the right password now waits
    assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) > 0
    # The API shares the same counter.
    api = await client.post(
        "/api/v1/auth/token", data={"username": city.officer_x.phone, "password": "x"}
    )
    assert api.status_code == 429


async def test_sign_in_without_csrf_is_refused(client, city):
    await client.get("/login")
    response = await client.post(
        "/login", data={"phone": city.officer_x.phone, "password": "mat-khau-thu-nghiem"}
    )
    assert response.status_code == 403
    assert "ttq_session" not in client.cookies


async def test_forms_and_htmx_without_the_session_token_are_refused(client, city):
    await sign_in(client, city.officer_x)
    assert (await client.post("/logout", data={"csrf_token": "0" * 64})).status_code == 403
    assert (await client.post("/logout", headers={"X-CSRF-Token": "bad"})).status_code == 403
    assert (await client.get("/")).status_code == 200  # still signed in
    token = await csrf(client)
    assert (await client.post("/logout", headers={"X-CSRF-Token": token})).status_code == 303


async def test_next_brings_the_user_back_and_never_off_site(client, city, session):
    target = "/incidents?q=xe"
    first = await client.get(target)
    assert first.status_code == 303
    assert first.headers["location"] == "/login?next=/incidents%3Fq%3Dxe"
    response = await sign_in(client, city.officer_x, next=target)
    assert response.headers["location"] == target
    await client.post("/logout", headers={"X-CSRF-Token": await csrf(client)})
    evil = await sign_in(client, city.officer_x, next="//evil.example/x")
    assert evil.headers["location"] == "/"
    logins = await session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "auth.login")
    )
    assert logins == 2


async def test_language_switch(client, city):
    await sign_in(client, city.officer_x)
    await client.get("/lang/en?next=/")
    page = await client.get("/")
    assert 'lang="en"' in page.text and "Dashboard" in page.text


async def test_console_routes_stay_out_of_the_api_spec(app):
    paths = app.openapi()["paths"]
    assert not [p for p in paths if not p.startswith("/api/")]

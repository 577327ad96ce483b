"""One guard for NUL characters and one set of security headers, on every route."""

import uuid

import pytest

from tests.factories import auth, make_user
from tests.incidents import media_samples as samples
from tests.incidents.world import make_city, report


@pytest.fixture
async def city(session):
    world = await make_city(session)
    await session.commit()
    return world


@pytest.fixture
def settings(settings, tmp_path):
    return settings.model_copy(update={"attachment_dir": str(tmp_path / "attachments")})


def _refused(r):
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == "nul_character"


async def test_nul_in_a_json_body_is_422(app, client, city):
    # On PostgreSQL this reached the database and answered 500; on SQLite it was stored.
    r = await report(client, app, city.member_a, summary="a\u0000b")
    _refused(r)
    nested = await report(client, app, city.member_a, persons=[{"name": "x\u0000"}])
    assert nested.status_code == 422
    # An escaped backslash followed by "u0000" is six ordinary characters, not a NUL.
    ok = await report(client, app, city.member_a, summary="a\\u0000b")
    assert ok.status_code in (200, 201), ok.text


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/houses?q=a%00b",
        "/api/v1/incidents?q=%00",
        "/api/v1/houses/a%00b",
    ],
)
async def test_nul_in_a_path_or_query_is_422(app, client, session, url):
    admin = await make_user(session)
    await session.commit()
    _refused(await client.get(url, headers=auth(app, admin)))


async def test_nul_in_a_form_field_is_422(client):
    r = await client.post(
        "/api/v1/auth/token",
        content=b"grant_type=password&username=0912345678%00&password=x",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    _refused(r)


async def test_json_and_problem_answers_carry_the_security_headers(app, client, session):
    admin = await make_user(session)
    await session.commit()
    for r in (
        await client.get("/api/v1/users", headers=auth(app, admin)),
        await client.get("/api/v1/users"),  # 401 problem
        await client.get("/no-such-page"),  # 404 from the router itself
    ):
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "no-referrer"
        csp = r.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "default-src 'none'" in csp


async def test_html_pages_get_a_csp_without_inline_scripts(client):
    r = await client.get("/docs")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    csp = r.headers["content-security-policy"]
    scripts = next(d for d in csp.split(";") if d.strip().startswith("script-src"))
    assert "'unsafe-inline'" not in scripts and "frame-ancestors 'none'" in csp
    assert "'sha256-" in scripts  # Swagger's one boot script, named by hash
    assert "http" not in scripts  # vendored under /static: no CDN
    assert r.headers["x-content-type-options"] == "nosniff"


async def test_attachments_are_served_nosniff_and_sandboxed(app, client, city):
    iid = (await report(client, app, city.member_a)).json()["id"]
    aid = uuid.uuid4()
    r = await client.put(
        f"/api/v1/incidents/{iid}/attachments/{aid}",
        files={"file": ("a.jpg", samples.jpeg_with_gps(), "image/jpeg")},
        headers=auth(app, city.member_a),
    )
    assert r.status_code == 201, r.text
    got = await client.get(
        f"/api/v1/incidents/{iid}/attachments/{aid}/content", headers=auth(app, city.police_a1)
    )
    assert got.status_code == 200
    assert got.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in got.headers["content-security-policy"]


async def test_a_png_html_polyglot_is_refused(app, client, city):
    iid = (await report(client, app, city.member_a)).json()["id"]
    polyglot = samples.png_with_text() + b"<html><script>alert(document.cookie)</script></html>"
    r = await client.put(
        f"/api/v1/incidents/{iid}/attachments/{uuid.uuid4()}",
        files={"file": ("a.png", polyglot, "image/png")},
        headers=auth(app, city.member_a),
    )
    assert r.status_code == 422, r.text
    assert r.json()["code"] == "attachment_unsafe_content"

"""/docs and /redoc render in a browser with the network off: every asset comes from the app."""

import tomllib
from pathlib import Path

import pytest

from backend.ops.docs import REDOC, STATIC_DIR, SWAGGER_UI

# A browser test runs on one engine (tests/conftest.py): this one on SQLite, the embedded default.
pytestmark = pytest.mark.engine("sqlite")

ROOT = Path(__file__).resolve().parents[2]


def _offline(context, live_server) -> None:
    """Abort any request to another host, as a machine without internet would."""
    local = live_server.url

    def handle(route) -> None:
        if route.request.url.startswith(local) or route.request.url.startswith("data:"):
            route.continue_()
        else:
            route.abort("internetdisconnected")

    context.route("**/*", handle)


def test_swagger_ui_lists_the_operations_offline(browser_context, live_server):
    context, log = browser_context
    _offline(context, live_server)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    assert page.goto("/docs").status == 200
    page.wait_for_selector(".opblock-summary-path", timeout=20_000)
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert "/api/v1/auth/token" in [p.strip() for p in paths]
    assert len(paths) > 5
    assert page.locator("button.authorize").count() == 1  # the OAuth2 password flow
    assert log.foreign() == [], log.foreign()
    assert errors == []
    assert any("/static/vendor/swagger-ui-dist" in u for u in log.urls)


def test_redoc_renders_offline(browser_context, live_server):
    context, log = browser_context
    _offline(context, live_server)
    page = context.new_page()
    assert page.goto("/redoc").status == 200
    page.wait_for_selector("h1", timeout=20_000)
    assert "TTQ API" in page.locator("h1").first.inner_text()
    page.wait_for_selector("[data-section-id^='operation/']", timeout=20_000)
    assert page.locator("[data-section-id^='operation/']").count() > 50
    assert log.foreign() == [], log.foreign()
    assert any("/static/vendor/redoc" in u for u in log.urls)


async def test_docs_pages_point_only_at_local_assets(client):
    for url in ("/docs", "/redoc"):
        html = (await client.get(url)).text
        assert "cdn.jsdelivr.net" not in html and "fonts.googleapis.com" not in html
        assert "/static/vendor/" in html
    oauth = await client.get("/docs/oauth2-redirect")
    assert oauth.status_code == 200 and "oauth2" in oauth.text.lower()


@pytest.mark.parametrize("folder", [SWAGGER_UI, REDOC])
async def test_vendored_assets_are_served_with_their_licence(client, folder):
    assert (STATIC_DIR / folder / "LICENSE").is_file()
    for name in ("LICENSE", "package.json"):
        r = await client.get(f"/static/{folder}/{name}")
        assert r.status_code == 200, (folder, name)
    version = (await client.get(f"/static/{folder}/package.json")).json()["version"]
    assert folder.endswith(version)  # the folder name states the pinned version truthfully


def test_the_wheel_ships_the_static_folder():
    # hatch includes every file under the package; nothing may exclude the static assets.
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    wheel = config["tool"]["hatch"]["build"]["targets"]["wheel"]
    assert "backend" in wheel["packages"]
    for key in ("exclude", "only-include"):
        assert not any("static" in str(p) for p in wheel.get(key, []))

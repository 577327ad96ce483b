import pytest

# A browser test runs on one engine (tests/conftest.py): this one on SQLite, the embedded default.
pytestmark = pytest.mark.engine("sqlite")
"""The browser harness itself: a live server on a real port, driven by the system Chromium."""


def test_chromium_reaches_the_live_server(browser_context, live_server):
    context, log = browser_context
    page = context.new_page()
    response = page.goto("/healthz")
    assert response is not None and response.status == 200
    assert "ok" in page.content()
    assert log.urls and log.foreign() == []


def test_the_database_is_readable_beside_the_browser(browser_context, settings):
    from sqlalchemy import text

    from backend.core.db import make_engine
    from tests.browser import run_async

    context, _ = browser_context
    context.new_page().goto("/healthz")

    async def count_users():
        engine = make_engine(settings.database_url)
        try:
            async with engine.connect() as conn:
                return await conn.scalar(text("SELECT count(*) FROM user_account"))
        finally:
            await engine.dispose()

    assert run_async(count_users) == 0

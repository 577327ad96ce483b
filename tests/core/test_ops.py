"""Probes: /healthz says the process lives, /readyz that the database is there and at head."""

import logging

import httpx
import pytest

from backend.core.config import Settings
from backend.core.migrate import downgrade, head_revisions, upgrade
from backend.main import create_app
from tests.conftest import TEST_SECRET
from tests.core.tempdb import fresh_database


async def test_healthz(client):
    r = await client.get("/healthz")
    assert r.status_code == 200
    assert r.json() == {"status": "ok"}


async def test_readyz_ok_at_head(client, settings, caplog):
    caplog.set_level(logging.INFO, logger="alembic")
    r = await client.get("/readyz")
    assert r.status_code == 200, r.text
    assert r.json() == {"status": "ok", "migrations": sorted(head_revisions(settings.database_url))}
    # probed every few seconds: it must not write Alembic's start-up lines each time
    assert not [rec for rec in caplog.records if rec.name.startswith("alembic")]


@pytest.fixture
def behind_head_url(tmp_path):
    """A database migrated to head and then walked back one revision."""
    with fresh_database(tmp_path) as url:
        upgrade(url)
        downgrade(url, "-1")
        yield url


async def _probe(url: str) -> httpx.Response:
    app = create_app(Settings(environment="test", database_url=url, secret_key=TEST_SECRET))
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            return await c.get("/readyz")
    finally:
        await app.state.engine.dispose()


async def test_readyz_503_when_database_is_behind_head(behind_head_url):
    r = await _probe(behind_head_url)
    assert r.status_code == 503, r.text
    body = r.json()
    assert body["status"] == "unavailable"
    expected = sorted(head_revisions(behind_head_url))
    assert body["migrations"]["expected"] == expected
    assert body["migrations"]["current"] != expected
    assert body["migrations"]["current"]  # walked back one step, not to nothing


async def test_readyz_503_when_database_unreachable():
    # Nothing listens on port 1: the connection is refused at once.
    r = await _probe("postgresql+asyncpg://ttq@127.0.0.1:1/ttq")
    assert r.status_code == 503, r.text
    assert r.json()["status"] == "unavailable"
    assert r.json()["database"]


async def test_probes_are_not_in_the_mobile_contract(app):
    paths = app.openapi()["paths"]
    assert "/healthz" not in paths and "/readyz" not in paths

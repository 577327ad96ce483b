"""Before doing anything, `ttq` says in one sentence what is wrong: a database that was never
migrated (any command, and /readyz), a port already in use (`ttq serve`)."""

import socket

import httpx
import pytest
from typer.testing import CliRunner

from backend.cli import app as cli
from backend.core.config import Settings, get_settings
from backend.core.migrate import upgrade
from backend.main import create_app
from tests.conftest import TEST_SECRET

runner = CliRunner()
NO_LOCALE = {"LC_ALL": "", "LC_MESSAGES": "", "LANG": ""}
NOT_MIGRATED_EN = "The database is not migrated: run `ttq migrate`"
NOT_MIGRATED_VI = "Cơ sở dữ liệu chưa được tạo cấu trúc (migrate): hãy chạy `ttq migrate`"

DATABASE_COMMANDS = [
    ["create-user", "--phone", "0912345678", "--password", "mat-khau-dai", "--role", "x"],
    ["patrols", "check-missed"],
    ["patrols", "purge-tracks"],
    ["rollups", "refresh"],
    ["rollups", "rebuild"],
    ["reports", "remind"],
    ["import", "sites", "sites.csv"],
    ["worker", "--once"],
]


@pytest.fixture
def db_url(tmp_path, monkeypatch) -> str:
    """A fresh SQLite file that was never migrated."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sites.csv").write_text("code,name\n", encoding="utf-8")
    monkeypatch.setenv("TTQ_DATABASE_URL", url)
    monkeypatch.delenv("TTQ_ENVIRONMENT", raising=False)
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


@pytest.mark.parametrize("args", DATABASE_COMMANDS, ids=lambda a: " ".join(a[:2]))
def test_every_database_command_on_an_unmigrated_database_says_run_migrate(db_url, args):
    vi = runner.invoke(cli, args, env=NO_LOCALE)
    assert vi.exit_code == 1, vi.output
    assert vi.output.strip() == NOT_MIGRATED_VI
    en = runner.invoke(cli, ["--lang", "en", *args], env=NO_LOCALE)
    assert en.exit_code == 1
    assert en.output.strip() == NOT_MIGRATED_EN
    assert "Traceback" not in vi.output + en.output


def test_a_database_behind_head_is_named_too(db_url):
    upgrade(db_url, "0001")
    result = runner.invoke(cli, ["--lang", "en", "reports", "remind"], env=NO_LOCALE)
    assert result.exit_code == 1
    assert result.output.strip() == "The database is not at the latest migration: run `ttq migrate`"


def test_an_unreachable_database_is_one_sentence(db_url, monkeypatch):
    monkeypatch.setenv("TTQ_DATABASE_URL", "postgresql+asyncpg://ttq@127.0.0.1:1/ttq")
    get_settings.cache_clear()
    result = runner.invoke(cli, ["--lang", "en", "rollups", "refresh"], env=NO_LOCALE)
    assert result.exit_code == 1
    assert result.output.startswith("Cannot reach the database: ")
    assert len(result.output.strip().splitlines()) == 1


def test_the_command_runs_once_migrated(db_url):
    upgrade(db_url)
    result = runner.invoke(cli, ["reports", "remind"], env=NO_LOCALE)
    assert result.exit_code == 0, result.output
    assert "Đã nhắc 0 đơn vị" in result.output


async def test_readyz_says_run_migrate_in_the_callers_language(db_url):
    app = create_app(Settings(environment="test", database_url=db_url, secret_key=TEST_SECRET))
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            vi = await c.get("/readyz")
            en = await c.get("/readyz", headers={"Accept-Language": "en"})
    finally:
        await app.state.engine.dispose()
    assert vi.status_code == en.status_code == 503
    assert vi.json()["code"] == "database_not_migrated"
    assert vi.json()["detail"] == NOT_MIGRATED_VI
    assert en.json()["detail"] == NOT_MIGRATED_EN


@pytest.fixture
def busy_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def test_serve_on_a_busy_port_says_so_in_one_line_before_anything_starts(
    db_url, busy_port, monkeypatch
):
    import uvicorn

    from backend.core import migrate

    calls = []
    monkeypatch.setattr(uvicorn, "run", lambda *a, **kw: calls.append("uvicorn"))
    monkeypatch.setattr(migrate, "upgrade", lambda *a, **kw: calls.append("migrate"))
    port = str(busy_port)
    vi = runner.invoke(cli, ["serve", "--port", port], env=NO_LOCALE)
    assert vi.exit_code == 1
    (line,) = vi.output.strip().splitlines()
    assert f"Cổng {port} trên 127.0.0.1 đang được một chương trình khác sử dụng" in line
    en = runner.invoke(cli, ["serve", "--port", port], env={**NO_LOCALE, "LANG": "en_US.UTF-8"})
    assert en.exit_code == 1
    assert f"Port {port} on 127.0.0.1 is already in use" in en.output
    assert calls == []  # neither the migrations nor the server (and its jobs) started


def test_serve_on_a_free_port_goes_ahead(db_url, monkeypatch):
    import uvicorn

    calls = []
    monkeypatch.setattr(uvicorn, "run", lambda *a, **kw: calls.append(kw))
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # free again once closed
    result = runner.invoke(cli, ["serve", "--port", str(port)], env=NO_LOCALE)
    assert result.exit_code == 0, result.output
    assert calls and calls[0]["port"] == port and calls[0]["access_log"] is False

"""`ttq patrols check-missed` and `ttq patrols purge-tracks` run the scheduled jobs once."""

from typer.testing import CliRunner

from backend.cli import app
from backend.core.config import get_settings


def test_commands_run_the_jobs(database_url, monkeypatch):
    monkeypatch.setenv("TTQ_DATABASE_URL", database_url)
    monkeypatch.setenv("TTQ_ENVIRONMENT", "development")
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        r = runner.invoke(app, ["patrols", "check-missed", "--now", "2026-11-21T02:00:00"])
        assert r.exit_code == 0, r.output
        assert "bỏ lỡ: 0" in r.output
        r = runner.invoke(app, ["patrols", "purge-tracks"])
        assert r.exit_code == 0, r.output
        assert "Đã xóa 0" in r.output
    finally:
        get_settings.cache_clear()

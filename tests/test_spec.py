"""The mobile contract: mobile_api_spec/openapi.json is exactly what the app serves, and the app
keeps the conventions the mobile team relies on."""

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from backend.cli import app as cli
from backend.core.config import get_settings

SPEC = Path(__file__).resolve().parent.parent / "mobile_api_spec" / "openapi.json"
METHODS = {"get", "put", "post", "patch", "delete"}
OPERATION_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def serialise(spec: dict) -> str:
    """Byte for byte what `ttq export-spec` writes."""
    return json.dumps(spec, indent=2, ensure_ascii=False) + "\n"


def operations(spec: dict):
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if method in METHODS:
                yield path, method, op


def test_checked_in_spec_matches_the_app(app):
    assert SPEC.exists(), "run: ttq export-spec"
    assert SPEC.read_text(encoding="utf-8") == serialise(app.openapi()), (
        "mobile_api_spec/openapi.json is stale; run: ttq export-spec"
    )


@pytest.fixture
def cli_settings(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a developer's ./.env must not leak into these runs
    monkeypatch.setenv("TTQ_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'spec.db'}")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_export_spec_check_passes_and_catches_drift(cli_settings, tmp_path):
    runner = CliRunner()
    ok = runner.invoke(cli, ["export-spec", "--check", "--path", str(SPEC)])
    assert ok.exit_code == 0, ok.output
    stale = tmp_path / "openapi.json"
    stale.write_text(SPEC.read_text(encoding="utf-8").replace('"TTQ API"', '"Old API"'))
    bad = runner.invoke(cli, ["export-spec", "--check", "--path", str(stale)])
    assert bad.exit_code == 1
    assert "ttq export-spec" in bad.output
    missing = runner.invoke(cli, ["export-spec", "--check", "--path", str(tmp_path / "none")])
    assert missing.exit_code == 1


def test_export_spec_writes_the_checked_in_bytes(cli_settings, tmp_path):
    target = tmp_path / "out" / "openapi.json"
    result = CliRunner().invoke(cli, ["export-spec", "--path", str(target)])
    assert result.exit_code == 0, result.output
    assert target.read_bytes() == SPEC.read_bytes()


def test_every_operation_is_versioned_named_and_tagged_once(app):
    spec = app.openapi()
    ids = []
    for path, method, op in operations(spec):
        assert path.startswith("/api/v1/"), path
        assert OPERATION_ID.match(op["operationId"]), (path, method, op["operationId"])
        assert len(op.get("tags", [])) == 1, (path, method)
        ids.append(op["operationId"])
    assert len(ids) == len(set(ids)), "operation ids must be unique"
    assert {"auth-token", "auth-mobile-login", "auth-refresh", "users-list"} <= set(ids)


def test_password_flow_token_url_is_declared(app):
    schemes = app.openapi()["components"]["securitySchemes"]
    flows = [s["flows"]["password"]["tokenUrl"] for s in schemes.values() if "flows" in s]
    assert flows == ["/api/v1/auth/token"]

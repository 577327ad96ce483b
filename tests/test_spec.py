"""The mobile contract: mobile_api_spec/openapi.json is exactly what the app serves, and the app
keeps the conventions the mobile team relies on."""

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from backend.cli import app as cli
from backend.core.config import Settings, get_settings
from backend.main import create_app
from tests.conftest import TEST_SECRET

SPEC = Path(__file__).resolve().parent.parent / "mobile_api_spec" / "openapi.json"
METHODS = {"get", "put", "post", "patch", "delete"}
OPERATION_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def serialise(spec: dict) -> str:
    """Byte for byte what `ttq export-spec` writes."""
    return json.dumps(spec, indent=2, ensure_ascii=False) + "\n"


@pytest.fixture(scope="module")
def spec(tmp_path_factory) -> dict:
    """The app's OpenAPI document, built once for the module: it is a function of the code, not
    of a test's data (each test building it again cost a second or more)."""
    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('spec') / 'unused.db'}"
    return create_app(
        Settings(environment="test", database_url=url, secret_key=TEST_SECRET)
    ).openapi()


def operations(spec: dict):
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if method in METHODS:
                yield path, method, op


def test_checked_in_spec_matches_the_app(spec):
    assert SPEC.exists(), "run: ttq export-spec"
    assert SPEC.read_text(encoding="utf-8") == serialise(spec), (
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


def test_every_operation_is_versioned_named_and_tagged_once(spec):
    ids = []
    for path, method, op in operations(spec):
        assert path.startswith("/api/v1/"), path
        assert OPERATION_ID.match(op["operationId"]), (path, method, op["operationId"])
        assert len(op.get("tags", [])) == 1, (path, method)
        ids.append(op["operationId"])
    assert len(ids) == len(set(ids)), "operation ids must be unique"
    assert {"auth-token", "auth-mobile-login", "auth-refresh", "users-list"} <= set(ids)


def test_password_flow_token_url_is_declared(spec):
    schemes = spec["components"]["securitySchemes"]
    flows = [s["flows"]["password"]["tokenUrl"] for s in schemes.values() if "flows" in s]
    assert flows == ["/api/v1/auth/token"]


PROBLEM_REF = "#/components/schemas/Problem"


def _answer(spec: dict, response: dict) -> dict:
    ref = response.get("$ref")
    return spec["components"]["responses"][ref.rsplit("/", 1)[-1]] if ref else response


def test_every_error_answer_is_a_problem_and_fastapis_422_is_gone(spec):
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    problem = spec["components"]["schemas"]["Problem"]
    assert {"type", "title", "status", "code"} <= set(problem["required"])
    assert {"errors", "detail", "instance", "request_id"} <= set(problem["properties"])
    for path, method, op in operations(spec):
        for status, response in op["responses"].items():
            if status[0] in "45":
                content = _answer(spec, response)["content"]
                assert list(content) == ["application/problem+json"], (path, method, status)
                assert content["application/problem+json"]["schema"] == {"$ref": PROBLEM_REF}


@pytest.mark.parametrize(
    "operation_id, statuses",
    [
        ("auth-mobile-login", {"401", "422", "429"}),
        ("auth-token", {"401", "429"}),
        ("me-get", {"401"}),
        ("teams-update", {"401", "403", "404", "412", "422", "428"}),
        ("teams-create", {"401", "403", "409", "422"}),
        ("sync-upload", {"400", "401", "403", "409", "422"}),
        ("incidents-transition", {"403", "404", "409", "412"}),
        ("incidents-attachment-put", {"404", "409", "413", "415"}),
        ("patrol-plans-create", {"400", "409", "422"}),
    ],
)
def test_error_answers_are_derived_from_the_routes(spec, operation_id, statuses):
    ops = {op["operationId"]: op for _, _, op in operations(spec)}
    assert statuses <= set(ops[operation_id]["responses"]), ops[operation_id]["responses"].keys()


def test_me_get_declares_no_error_it_cannot_give(spec):
    ops = {op["operationId"]: op for _, _, op in operations(spec)}
    assert set(ops["me-get"]["responses"]) == {"200", "401"}


def test_request_fields_with_a_server_default_are_optional(spec):
    schemas = spec["components"]["schemas"]
    patrol = schemas["PatrolItem"]
    assert "status" not in patrol["required"] and "default" not in patrol["properties"]["status"]
    assert "Default" in patrol["properties"]["status"]["description"]
    incident = schemas["IncidentItem"]
    assert not {"protect_reporter", "submit"} & set(incident["required"])


def test_the_idempotency_key_header_carries_its_bounds(spec):
    """What parse_key refuses with 400 the spec says, so a schema-valid key is never refused."""
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            for param in op.get("parameters", []):
                if param["name"] == "Idempotency-Key":
                    assert param["schema"]["maxLength"] == 255, (method, path)
                    assert param["schema"]["minLength"] == 1 and "pattern" in param["schema"]


def test_every_list_answers_items_and_next_cursor(spec):
    for path, method, op in operations(spec):
        ok = op["responses"].get("200", {}).get("content", {}).get("application/json", {})
        schema = ok.get("schema", {})
        assert schema.get("type") != "array", (path, method)
        ref = schema.get("$ref", "")
        if ref.rsplit("/", 1)[-1].startswith("Page_"):
            props = spec["components"]["schemas"][ref.rsplit("/", 1)[-1]]["properties"]
            assert {"items", "next_cursor"} <= set(props), path
            names = {p["name"] for p in op.get("parameters", [])}
            assert {"cursor", "limit"} <= names, (path, names)


def test_every_operation_has_a_human_summary(spec):
    for path, method, op in operations(spec):
        summary = op["summary"]
        assert summary and summary != op["operationId"], (path, method)
        assert summary[0].isupper() and "\n" not in summary, (path, method, summary)
    ops = {op["operationId"]: op for _, _, op in operations(spec)}
    assert "(báo vụ việc)" in ops["incidents-put"]["summary"]


def test_if_match_is_required_where_the_server_answers_428_without_it(spec):
    """A generated client must send If-Match on updates; the incident actions take it optionally."""
    ops = {op["operationId"]: op for _, _, op in operations(spec)}
    seen = {}
    for op_id, op in ops.items():
        for param in op.get("parameters", []):
            if param["name"] == "If-Match":
                seen[op_id] = param["required"]
                assert param["schema"] == {"type": "string"}, op_id
                if param["required"]:
                    assert "428" in op["responses"], op_id
    assert seen["teams-update"] is True and seen["patrol-plans-update"] is True
    assert seen["incidents-transition"] is False
    assert sum(seen.values()) >= 20, seen

"""The CLI's language policy: Vietnamese by default, English on --lang en or LANG=en*; every
help text in both; errors as sentences, never a raw Python dict."""

import pytest
import typer
from typer.testing import CliRunner

from backend.cli import app as cli
from backend.core.cli_lang import _BUILTIN_VI, SEP, environment_language, take_lang_option
from backend.core.config import get_settings
from backend.core.migrate import upgrade

runner = CliRunner()
NO_LOCALE = {"LC_ALL": "", "LC_MESSAGES": "", "LANG": ""}


def command_paths(command=None, prefix=()) -> list[tuple[str, ...]]:
    """Every command and group under `ttq`, as argument paths (the root is ())."""
    command = command or typer.main.get_command(cli)
    paths = [prefix]
    for name, sub in getattr(command, "commands", {}).items():
        paths += command_paths(sub, (*prefix, name))
    return paths


def walk(command=None):
    command = command or typer.main.get_command(cli)
    yield command
    for sub in getattr(command, "commands", {}).values():
        yield from walk(sub)


@pytest.fixture
def db_url(tmp_path, monkeypatch) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'lang.db'}"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TTQ_DATABASE_URL", url)
    monkeypatch.delenv("TTQ_ENVIRONMENT", raising=False)
    for var in NO_LOCALE:
        monkeypatch.delenv(var, raising=False)
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


def test_every_help_text_is_written_in_both_languages():
    missing = []
    for command in walk():
        if not command.help or SEP not in command.help:
            missing.append(f"{command.name}: {command.help!r}")
        for param in command.params:
            text = getattr(param, "help", None)
            if text is not None and SEP not in text and text not in _BUILTIN_VI:
                missing.append(f"{command.name} {param.name}: {param.help!r}")
    assert missing == []


def test_the_cli_table_knows_every_command():
    paths = {" ".join(p) for p in command_paths() if p}
    for expected in ("rollups refresh", "reports remind", "patrols check-missed", "worker"):
        assert expected in paths


@pytest.mark.parametrize("path", command_paths(), ids=lambda p: " ".join(p) or "ttq")
def test_help_in_vietnamese_by_default_and_english_on_request(db_url, path):
    vi = runner.invoke(cli, [*path, "--help"], env=NO_LOCALE)
    en = runner.invoke(cli, ["--lang", "en", *path, "--help"], env=NO_LOCALE)
    by_locale = runner.invoke(cli, [*path, "--help"], env={**NO_LOCALE, "LANG": "en_GB.UTF-8"})
    after = runner.invoke(cli, [*path, "--help", "--lang", "en"], env=NO_LOCALE)
    for result in (vi, en, by_locale):
        assert result.exit_code == 0, result.output
        assert SEP not in result.output  # one language at a time
    assert "Tùy chọn" in vi.output and "Options" not in vi.output
    assert "Options" in en.output and "Tùy chọn" not in en.output
    assert by_locale.output == en.output
    assert after.exit_code == 0 and "Options" in after.output  # --lang anywhere


def test_language_from_the_environment():
    assert environment_language({}) == "vi"
    assert environment_language({"LANG": "C.UTF-8"}) == "vi"
    assert environment_language({"LANG": "en_US.UTF-8"}) == "en"
    assert environment_language({"LANG": "en_US.UTF-8", "LC_ALL": "vi_VN.UTF-8"}) == "vi"
    assert take_lang_option(["a", "--lang=en", "b", "--", "--lang", "vi"]) == (
        "en",
        ["a", "b", "--", "--lang", "vi"],
    )


def test_an_unknown_language_is_refused_in_a_sentence(db_url):
    result = runner.invoke(cli, ["--lang", "fr", "migrate"], env=NO_LOCALE)
    assert result.exit_code == 2
    assert "vi" in result.output and "en" in result.output and "Traceback" not in result.output


def _create(*extra: str, env=NO_LOCALE):
    args = ["create-user", "--phone", "0912345678", "--password", "mat-khau-dai", *extra]
    return runner.invoke(cli, args, env=env)


def test_errors_are_sentences_not_python_dicts(db_url):
    upgrade(db_url)
    vi = _create("--role", "chief")
    assert vi.exit_code == 1
    assert "Vai trò không tồn tại" in vi.output and "(unknown_role)" in vi.output
    assert "system_admin" in vi.output  # the allowed roles, said in words
    assert "{" not in vi.output and "[" not in vi.output
    en = _create("--role", "chief", "--lang", "en")
    assert "Unknown role" in en.output and "one of: " in en.output
    missing = _create("--role", "union_officer", "--scope", "NO-SUCH-UNIT")
    assert "Đơn vị không tồn tại — đơn vị: NO-SUCH-UNIT (unknown_unit)." in missing.output
    assert "{" not in missing.output


def test_configuration_errors_are_sentences_in_the_language(db_url, monkeypatch):
    monkeypatch.setenv("TTQ_ENVIRONMENT", "production")
    monkeypatch.setenv("TTQ_SECRET_KEY", "short")
    get_settings.cache_clear()
    result = runner.invoke(cli, ["--lang", "en", "migrate"], env=NO_LOCALE)
    assert result.exit_code == 2
    assert "Invalid configuration: TTQ_SECRET_KEY" in result.output
    assert "Value error" not in result.output

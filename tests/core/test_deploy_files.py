"""docker-compose.yml, .env.example and the Dockerfile agree with each other and with Settings.

There is no Docker engine in CI: these checks read the files the way compose and pydantic will.
"""

from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from backend.core.config import MIN_SECRET_LENGTH, Settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def clean_env(monkeypatch):
    """No TTQ_* variable of the machine running the tests may override the file."""
    for key in Settings.model_fields:
        monkeypatch.delenv(f"TTQ_{key.upper()}", raising=False)


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def env_example() -> dict[str, str]:
    pairs = {}
    for line in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            pairs[key.strip()] = value.strip()
    return pairs


def test_compose_has_postgres_16_with_volume_and_healthcheck(compose):
    pg = compose["services"]["postgres"]
    assert pg["image"] == "postgres:16"
    assert any(v.endswith(":/var/lib/postgresql/data") for v in pg["volumes"])
    assert "pg_isready" in " ".join(pg["healthcheck"]["test"])
    assert set(compose["volumes"]) == {v.split(":")[0] for v in pg["volumes"]}


def test_compose_api_migrates_serves_and_waits_for_a_healthy_database(compose):
    api = compose["services"]["api"]
    assert api["command"][:1] == ["serve"] and "0.0.0.0" in api["command"]
    assert api["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    assert api["env_file"] == [".env"]
    assert "/readyz" in " ".join(api["healthcheck"]["test"])


def test_env_example_names_only_real_settings():
    ttq_keys = {k for k in env_example() if k.startswith("TTQ_")} - {"TTQ_API_PORT"}
    fields = {f"TTQ_{name.upper()}" for name in Settings.model_fields}
    assert ttq_keys <= fields, ttq_keys - fields
    assert {"TTQ_ENVIRONMENT", "TTQ_DATABASE_URL", "TTQ_SECRET_KEY"} <= ttq_keys


def test_env_example_as_shipped_is_refused(tmp_path, clean_env):
    """The placeholder secret must stop the service until someone sets a real one."""
    env = tmp_path / ".env"
    env.write_text((ROOT / ".env.example").read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(ValidationError, match="TTQ_SECRET_KEY"):
        Settings(_env_file=env)


def test_env_example_with_a_real_secret_is_a_postgres_production_config(tmp_path, clean_env):
    values = env_example() | {"TTQ_SECRET_KEY": "s" * MIN_SECRET_LENGTH}
    env = tmp_path / ".env"
    env.write_text("".join(f"{k}={v}\n" for k, v in values.items()), encoding="utf-8")
    settings = Settings(_env_file=env)
    assert settings.environment == "production"
    assert settings.database_url.startswith("postgresql+asyncpg://")
    assert "@postgres:5432/" in settings.database_url
    db = env_example()
    assert f"{db['POSTGRES_USER']}:{db['POSTGRES_PASSWORD']}@" in settings.database_url


def test_dockerfile_runs_ttq_as_a_non_root_user():
    lines = [ln.strip() for ln in (ROOT / "Dockerfile").read_text().splitlines()]
    assert lines[[i for i, ln in enumerate(lines) if ln.startswith("FROM")][-1]] == (
        "FROM python:3.11-slim"
    )
    users = [ln.split()[1] for ln in lines if ln.startswith("USER ")]
    assert users and users[-1] not in ("root", "0")
    assert 'ENTRYPOINT ["ttq"]' in lines

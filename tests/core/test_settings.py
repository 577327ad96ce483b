"""Settings: outside development a default or short secret refuses to start."""

import pytest
from pydantic import ValidationError

from backend.core.config import DEV_SECRET, MIN_SECRET_LENGTH, Settings

STRONG = "x" * MIN_SECRET_LENGTH


@pytest.fixture(autouse=True)
def _no_secret_in_the_environment(monkeypatch):
    """These read the environment as a fresh process does (tests/conftest.py sets a secret)."""
    monkeypatch.delenv("TTQ_SECRET_KEY", raising=False)


@pytest.mark.parametrize("environment", ["production", "staging", "test"])
@pytest.mark.parametrize("secret", [DEV_SECRET, "short-secret", "y" * (MIN_SECRET_LENGTH - 1)])
def test_weak_secret_refused_outside_development(environment, secret):
    with pytest.raises(ValidationError) as caught:
        Settings(_env_file=None, environment=environment, secret_key=secret)
    message = str(caught.value)
    assert "TTQ_SECRET_KEY" in message
    assert f"TTQ_ENVIRONMENT={environment}" in message
    assert str(MIN_SECRET_LENGTH) in message


def test_strong_secret_accepted_in_production():
    settings = Settings(_env_file=None, environment="production", secret_key=STRONG)
    assert settings.secret_key == STRONG


def test_development_runs_with_the_default_secret():
    assert Settings(_env_file=None).secret_key == DEV_SECRET


def test_environment_variables_are_read_with_the_ttq_prefix(monkeypatch):
    monkeypatch.setenv("TTQ_ENVIRONMENT", "production")
    monkeypatch.setenv("TTQ_DATABASE_URL", "postgresql+asyncpg://ttq@db/ttq")
    monkeypatch.setenv("TTQ_CORS_ORIGINS", '["https://ttq.example.vn"]')
    with pytest.raises(ValidationError, match="TTQ_SECRET_KEY"):
        Settings(_env_file=None)
    monkeypatch.setenv("TTQ_SECRET_KEY", STRONG)
    settings = Settings(_env_file=None)
    assert settings.database_url == "postgresql+asyncpg://ttq@db/ttq"
    assert not settings.is_sqlite
    assert settings.cors_origins == ["https://ttq.example.vn"]


def test_access_token_lifetime_is_short_by_default():
    assert Settings(_env_file=None).access_token_minutes == 15

"""Settings read from the environment (prefix ``TTQ_``) and ``.env``."""

from functools import lru_cache
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "dev-only-insecure-secret-do-not-use-in-production"
MIN_SECRET_LENGTH = 32


class Settings(BaseSettings):
    """Every knob of the service; defaults run the embedded SQLite demo."""

    model_config = SettingsConfigDict(env_prefix="TTQ_", env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production", "staging"] = "development"
    database_url: str = "sqlite+aiosqlite:///./var/ttq.db"
    secret_key: str = DEV_SECRET
    access_token_minutes: int = Field(default=15, ge=1, le=60)
    refresh_token_days: int = Field(default=30, ge=1, le=365)
    # A phone on a bad network may send the same refresh token twice when the first answer was
    # lost; within this window that is treated as a retry, not as theft.
    refresh_reuse_grace_seconds: int = Field(default=60, ge=0, le=600)
    login_max_failures: int = Field(default=5, ge=1)
    login_max_failures_per_ip: int = Field(default=30, ge=1)
    login_window_seconds: int = Field(default=900, ge=10)
    cors_origins: list[str] = []
    page_limit_default: int = 50
    page_limit_max: int = 200
    log_level: str = "INFO"
    log_json: bool = True

    @model_validator(mode="after")
    def _refuse_weak_secret(self) -> "Settings":
        if self.environment == "development":
            return self
        if self.secret_key == DEV_SECRET or len(self.secret_key) < MIN_SECRET_LENGTH:
            raise ValueError(
                f"TTQ_SECRET_KEY must be set to a random value of at least {MIN_SECRET_LENGTH} "
                f"characters when TTQ_ENVIRONMENT={self.environment} "
                "(try: python -c 'import secrets; print(secrets.token_urlsafe(48))')"
            )
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()

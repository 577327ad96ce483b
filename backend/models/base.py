"""Shared column types, the constraint naming convention and common mixins."""

import uuid
from datetime import UTC, datetime

from sqlalchemy import JSON, DateTime, TypeDecorator
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from backend.core import clock

# Deterministic constraint names, so migrations can drop what they created on both engines.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

JSONType = JSON().with_variant(JSONB(), "postgresql")


def utcnow() -> datetime:
    """Now, timezone-aware, in UTC, from the one injected clock (``backend.core.clock``)."""
    return clock.now()


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC on both engines (SQLite would otherwise hand back naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def created_at_field() -> datetime:
    return Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


def uuid_pk() -> uuid.UUID:
    return Field(default_factory=uuid.uuid4, primary_key=True)

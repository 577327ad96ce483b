"""Shared column types, the constraint naming convention and common mixins."""

import copy
import uuid
from datetime import UTC, datetime
from typing import TypeVar

from sqlalchemy import JSON, DateTime, TypeDecorator
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import configure_mappers
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


M = TypeVar("M", bound=SQLModel)
_FIELDS: dict[type, list] = {}


def _default_of(field):
    """A field's default as a function (None: required), decided once per field: pydantic's own
    ``get_default`` inspects the factory's signature on every call (~7 µs a field)."""
    if field.is_required():
        return None
    if field.default_factory is not None:
        return field.default_factory
    value = field.default
    if value is None or isinstance(value, (bool, int, float, str, bytes, tuple, frozenset)):
        return lambda: value
    return lambda: copy.deepcopy(value)  # a mutable default is never shared between rows


def built(cls: type[M], **values) -> M:
    """A table row the app builds and inserts itself (the journal's one statement): the model's
    defaults filled in, values taken as given, no validation and no per-attribute change events.

    SQLModel's constructor sets each field through the ORM's instrumentation and asks pydantic
    for each default (which inspects the factory's signature every time): ~0.25 ms for an
    incident. The values land as the row's loaded state, which is what
    ``make_transient_to_detached`` wants after the insert; later assignments are tracked as
    usual. Only for values the code computed: nothing here checks types.
    """
    unknown = values.keys() - cls.model_fields.keys()
    if unknown:
        raise TypeError(f"{cls.__name__} has no field {sorted(unknown)}")
    fields = _FIELDS.get(cls)
    if fields is None:
        configure_mappers()  # what a constructor's first call does; new_instance() does not
        fields = _FIELDS[cls] = [(n, _default_of(f)) for n, f in cls.model_fields.items()]
    row = cls.__mapper__.class_manager.new_instance()  # type: ignore[attr-defined]
    state = row.__dict__
    for name, default in fields:  # in the model's field order, as its constructor leaves them
        if name in values:
            state[name] = values[name]
        elif default is not None:
            state[name] = default()
    object.__setattr__(row, "__pydantic_fields_set__", set(values))
    object.__setattr__(row, "__pydantic_extra__", None)
    return row

"""Columns that hold a phone number sealed at rest, and the blind index kept beside each.

In Python the attribute is the plain number (``user.phone``), so services, schemas and the
audit's masking see what they always saw; in the database the column (``phone_sealed``) holds
only ciphertext (backend/core/pii.py). Equality on the sealed column can never match (every
seal has a fresh nonce), so comparing it raises at once: lookups go through the index column
with ``pii.phone_matches``.
"""

from typing import Any

from sqlalchemy import Column, String, Text, event
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field

from backend.core import pii

# Comparisons that stay meaningful on ciphertext: NULL or not.
_NULL_TESTS = frozenset({"is_", "is_not", "isnot"})


class SealedPhone(TypeDecorator):
    """A phone number sealed on the way in and opened on the way out."""

    impl = Text
    cache_ok = True

    class comparator_factory(Text.Comparator):  # SQLAlchemy's hook name
        def operate(self, op, *other, **kwargs):
            if op.__name__ not in _NULL_TESTS:
                raise TypeError("a sealed phone cannot be compared: use its blind index column")
            return super().operate(op, *other, **kwargs)

    def __init__(self, context: str) -> None:
        super().__init__()
        self.context = context  # "table.column": bound into every seal as associated data

    def process_bind_param(self, value: str | None, dialect) -> str | None:
        return None if value is None else pii.seal_phone(value, context=self.context)

    def process_result_value(self, value: str | None, dialect) -> str | None:
        return None if value is None else pii.open_phone(value, context=self.context)


def sealed_phone_field(context: str, column: str, *, nullable: bool = True) -> Any:
    """A model field whose attribute is the number and whose column holds its seal."""
    return Field(
        default=None if nullable else ...,
        sa_column=Column(column, SealedPhone(context), nullable=nullable),
    )


def phone_index_field(*, unique: bool = False, index: bool = False, nullable: bool = True) -> Any:
    """The blind-index column beside a sealed phone (maintained on flush, never set by hand)."""
    return Field(
        default=None,
        sa_type=String(pii.INDEX_LENGTH),
        unique=unique,
        index=index,
        nullable=nullable,
    )


def keep_index(model: type, phone_attr: str, index_attr: str) -> None:
    """Recompute ``index_attr`` from ``phone_attr`` whenever the object is inserted or updated."""

    def refresh(mapper, connection, target) -> None:
        setattr(target, index_attr, pii.phone_index(getattr(target, phone_attr)))

    event.listen(model, "before_insert", refresh)
    event.listen(model, "before_update", refresh)

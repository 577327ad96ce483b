"""Checks shared by the team services; every failure names the offending field."""

import uuid
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.core import clock
from backend.core.errors import Conflict, Invalid
from backend.core.messages import title_for
from backend.core.security import normalize_phone
from backend.models import AdminUnit, UnionUnit
from backend.policy import Subject, visible


class _Unset:
    """Marks a keyword argument the caller did not give (None may be a real value)."""

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()


def invalid(code: str, field: str, **extra: Any) -> Invalid:
    """A 422 whose ``errors`` name the field, so API clients and the importer can point at it.

    Same shape as the registry's problems: ``{"field", "code", "message"}`` per error.
    """
    message = title_for(code, "vi")
    error = {"field": field, "code": code, "message": message, **extra}
    return Invalid(code=code, detail=message, errors=[error])


def conflict(code: str, field: str, **extra: Any) -> Conflict:
    """A 409 naming the field that clashes with what is stored."""
    message = title_for(code, "vi")
    return Conflict(
        code=code,
        detail=message,
        errors=[{"field": field, "code": code, "message": message}],
        **extra,
    )


def clean_text(value: str | None, field: str, *, max_length: int, required: bool = True) -> str:
    """Trimmed text with inner whitespace collapsed; empty is an error when required."""
    cleaned = " ".join((value or "").split())
    if not cleaned:
        if required:
            raise invalid("required", field)
        return ""
    if len(cleaned) > max_length:
        raise invalid("text_too_long", field, max_length=max_length)
    return cleaned


def clean_phone(raw: str | None, field: str = "phone") -> str | None:
    """E.164 form of a Vietnamese phone, None when empty, else a 422 on the field."""
    if raw is None or not raw.strip():
        return None
    phone = normalize_phone(raw)
    if phone is None:
        raise invalid("invalid_phone", field)
    return phone


def check_choice(value: str, allowed: tuple[str, ...], field: str) -> str:
    if value not in allowed:
        raise invalid("not_allowed", field, allowed=list(allowed))
    return value


def check_period(since: date, until: date | None) -> None:
    """``until`` is exclusive and may not come before ``since``."""
    if until is not None and until < since:
        raise invalid("invalid_period", "until")


def check_not_future(value: date | None, field: str, *, code: str = "date_in_future") -> None:
    if value is not None and value > clock.today():
        raise invalid(code, field)


def is_current(until: date | None) -> bool:
    """In effect today (``until`` is the first day no longer in effect)."""
    return until is None or until > clock.today()


async def live_admin_unit(session: AsyncSession, unit_id: Any, field: str) -> AdminUnit:
    """An existing, undeleted admin unit (reference data: every caller may name any)."""
    unit = await session.get(AdminUnit, _as_uuid(unit_id, field))
    if unit is None or unit.deleted_at is not None:
        raise invalid("unknown_unit", field, expected_kind="admin_unit")
    return unit


async def live_union_unit(
    session: AsyncSession, unit_id: Any, field: str, *, actor: Subject | None
) -> UnionUnit:
    """An existing union unit the actor may see (an officer cannot name one outside their tree)."""
    stmt = select(UnionUnit).where(
        UnionUnit.id == _as_uuid(unit_id, field), UnionUnit.deleted_at.is_(None)
    )
    if actor is not None:
        stmt = stmt.where(visible(actor, UnionUnit))
    unit = (await session.scalars(stmt)).first()
    if unit is None:
        raise invalid("unknown_unit", field, expected_kind="union_unit")
    return unit


def _as_uuid(value: Any, field: str) -> uuid.UUID:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise invalid("invalid_id", field) from None

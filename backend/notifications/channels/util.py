"""Small helpers the channels share."""

import uuid
from collections.abc import Iterable
from email.utils import parsedate_to_datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.models import User, utcnow


def as_uuids(values: Iterable[str]) -> list[uuid.UUID]:
    """The valid UUIDs among stored id strings (anything else is ignored)."""
    out = []
    for value in values:
        try:
            out.append(uuid.UUID(str(value)))
        except ValueError:
            continue
    return out


async def active_user_ids(session: AsyncSession, ids: Iterable[str]) -> list[uuid.UUID]:
    """Which of these users exist and are active, in a stable order."""
    wanted = as_uuids(ids)
    if not wanted:
        return []
    rows = await session.scalars(
        select(User.id).where(User.id.in_(wanted), User.is_active.is_(True)).order_by(User.id)
    )
    return list(rows.all())


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - utcnow()).total_seconds())

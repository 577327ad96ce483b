"""Writing to the outbox: the only way domain code asks for someone to be told something."""

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from backend.models.notification import OutboxEvent


async def enqueue(
    session: AsyncSession,
    *,
    event_type: str,
    payload: dict[str, Any],
    recipient_user_ids: Iterable[uuid.UUID] = (),
    unit_ids: Iterable[uuid.UUID] = (),
) -> OutboxEvent:
    """Add an event to the outbox in the caller's transaction; delivered after it commits."""
    event = OutboxEvent(
        event_type=event_type,
        payload=payload,
        recipient_user_ids=sorted({str(u) for u in recipient_user_ids}),
        unit_ids=sorted({str(u) for u in unit_ids}),
    )
    session.add(event)
    return event

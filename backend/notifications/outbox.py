"""Writing to the outbox: the only way domain code asks for someone to be told something."""

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from backend.models.notification import OutboxEvent
from backend.notifications.channels.names import CHANNELS

# PostgreSQL channel the workers LISTEN on. A trigger on outbox_event (migration 0006) NOTIFYs
# it; NOTIFY is sent on commit, so a worker wakes at once instead of at its next poll, and never
# for a rolled-back change.
OUTBOX_CHANNEL = "ttq_outbox"


async def enqueue(
    session: AsyncSession,
    *,
    event_type: str,
    payload: dict[str, Any],
    recipient_user_ids: Iterable[uuid.UUID] = (),
    unit_ids: Iterable[uuid.UUID] = (),
    channels: Iterable[str] | None = None,
) -> OutboxEvent:
    """Add an event to the outbox in the caller's transaction; delivered after it commits.

    ``channels`` limits the event to some of ``names.CHANNELS``; by default users get the live
    stream and push (and Zalo/SMS for urgent events), units' webhook subscriptions get it.
    """
    chosen = None
    if channels is not None:
        chosen = sorted(set(channels))
        unknown = set(chosen) - set(CHANNELS)
        if unknown:
            raise ValueError(f"unknown notification channels: {sorted(unknown)}")
    event = OutboxEvent(
        event_type=event_type,
        payload=payload,
        recipient_user_ids=sorted({str(u) for u in recipient_user_ids}),
        unit_ids=sorted({str(u) for u in unit_ids}),
        channels=chosen,
    )
    session.add(event)
    return event

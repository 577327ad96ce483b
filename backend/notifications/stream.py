"""The live stream of one user's notifications as server-sent events.

Each event's SSE ``id`` is the row id in the user's feed, so a client that reconnects with
``Last-Event-ID`` gets what it missed. Delivery is at-least-once: de-duplicate on the event's
``id`` (the stable event id) in the data.
"""

import asyncio
import contextlib
import json
import time
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.core.config import Settings
from backend.models import utcnow
from backend.models.notification import OutboxEvent, UserNotification
from backend.notifications.hub import StreamHub

# Rows can commit out of id order (two workers at once); rows this young are looked at again.
LOOKBACK = timedelta(seconds=5)
RETRY_MS = 3000


def stream_poll_seconds(settings: Settings) -> float:
    if settings.notify_stream_poll_seconds is not None:
        return settings.notify_stream_poll_seconds
    return 1.0 if settings.is_sqlite else 15.0


def feed_item(row: Any) -> dict[str, Any]:
    """The JSON of one feed entry (the live stream's data and the list's items)."""
    return {
        "notification_id": row.nid,
        "id": str(row.event_id),
        "type": row.event_type,
        "created_at": row.event_created_at.isoformat(),
        "data": row.payload,
    }


def feed_query(user_id: uuid.UUID):
    """The feed of a user: their rows joined with the events."""
    return (
        select(
            UserNotification.id.label("nid"),
            UserNotification.created_at.label("added_at"),
            OutboxEvent.id.label("event_id"),
            OutboxEvent.event_type,
            OutboxEvent.payload,
            OutboxEvent.created_at.label("event_created_at"),
        )
        .join(OutboxEvent, OutboxEvent.id == UserNotification.event_id)
        .where(UserNotification.user_id == user_id)
    )


async def latest_id(session: AsyncSession, user_id: uuid.UUID) -> int:
    """The newest feed row id of a user (0 when none)."""
    value = await session.scalar(
        select(func.max(UserNotification.id)).where(UserNotification.user_id == user_id)
    )
    return int(value or 0)


def sse(row: Any) -> str:
    data = json.dumps(feed_item(row), ensure_ascii=False, separators=(",", ":"))
    return f"id: {row.nid}\ndata: {data}\n\n"


async def event_stream(
    session_factory: async_sessionmaker[AsyncSession],
    hub: StreamHub,
    settings: Settings,
    *,
    user_id: uuid.UUID,
    last_event_id: int | None,
    until: float | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> AsyncIterator[str]:
    """SSE text for one user, from after ``last_event_id`` (or from now), until ``until``."""
    wake = hub.subscribe(user_id)
    try:
        # The starting point is fixed before the first byte goes out: whatever arrives after
        # the client saw the stream open is sent.
        if last_event_id is None:
            async with session_factory() as session:
                last_event_id = await latest_id(session, user_id)
        yield f"retry: {RETRY_MS}\n\n"
        floor = last_event_id
        sent: dict[int, datetime] = {}
        poll = stream_poll_seconds(settings)
        heartbeat = settings.notify_stream_heartbeat_seconds
        quiet_since = time.monotonic()
        while until is None or time.time() < until:
            wake.clear()  # before reading, so a wake-up during the read is not lost
            async with session_factory() as session:
                stmt = feed_query(user_id).where(UserNotification.id > floor)
                rows = (await session.execute(stmt.order_by(UserNotification.id))).all()
            for row in rows:
                if row.nid not in sent:
                    sent[row.nid] = row.added_at
                    yield sse(row)
                    quiet_since = time.monotonic()
            settled = [i for i, at in sent.items() if at < clock() - LOOKBACK]
            if settled:
                floor = max(floor, *settled)
                sent = {i: at for i, at in sent.items() if i > floor}
            if time.monotonic() - quiet_since >= heartbeat:
                yield ": ping\n\n"
                quiet_since = time.monotonic()
            timeout = min(poll, heartbeat)
            if until is not None:
                timeout = max(0.0, min(timeout, until - time.time()))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), timeout=timeout)
    finally:
        hub.unsubscribe(user_id, wake)

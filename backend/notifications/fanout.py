"""Fan-out: turn each new outbox event into one delivery per channel and target."""

import fnmatch
import logging
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.core.config import Settings
from backend.models.notification import NotificationDelivery, OutboxEvent
from backend.notifications.channels.base import Channel, EventEnvelope

log = logging.getLogger("ttq.notifications")
USER_CHANNELS = ("stream", "push", "sms")


def envelope(event: OutboxEvent, *, attempt: int = 1) -> EventEnvelope:
    """The immutable view of a stored event that channels get."""
    return EventEnvelope(
        id=event.id,
        type=event.event_type,
        payload=dict(event.payload or {}),
        created_at=event.created_at,
        recipient_user_ids=tuple(event.recipient_user_ids or ()),
        unit_ids=tuple(event.unit_ids or ()),
        attempt=attempt,
    )


def wanted_channels(event: OutboxEvent, settings: Settings) -> set[str]:
    """The channels an event goes out on, before checking which are enabled."""
    if event.channels is not None:
        return set(event.channels)
    chosen = {"stream", "push", "webhook"}
    urgent = (event.payload or {}).get("severity") == 1
    if urgent or any(
        fnmatch.fnmatchcase(event.event_type, p) for p in settings.notify_sms_event_types
    ):
        chosen.add("sms")
    return chosen


async def _plan(
    session: AsyncSession,
    event: OutboxEvent,
    channels: dict[str, Channel],
    settings: Settings,
    memo: dict[tuple, list[str]],
) -> list[tuple[str, str]]:
    env = envelope(event)
    plan = []
    for name in sorted(wanted_channels(event, settings)):
        channel = channels.get(name)
        if channel is None:
            continue
        # Targets depend only on these; a batch often holds many events for the same people.
        key = (name, env.type, env.unit_ids, env.recipient_user_ids)
        if key not in memo:
            memo[key] = await channel.targets(session, env)
        plan.extend((name, target) for target in memo[key])
    return plan


async def fanout_once(
    session_factory: async_sessionmaker[AsyncSession],
    channels: dict[str, Channel],
    settings: Settings,
    *,
    now: datetime,
) -> int:
    """Claim a batch of new events and create their deliveries, in one transaction.

    The claim is the transaction's first statement: on PostgreSQL the rows stay locked
    (SKIP LOCKED lets other workers take other events); on SQLite it takes the write lock
    at once. A killed worker's transaction rolls back, so the events stay pending.
    """
    batch = (
        select(OutboxEvent.id)
        .where(OutboxEvent.status == "pending", OutboxEvent.next_attempt_at <= now)
        .order_by(OutboxEvent.next_attempt_at)
        .limit(settings.notify_batch_size)
        .with_for_update(skip_locked=True)
        .cte("batch")  # evaluated once (see Dispatcher.claim)
    )
    claim = (
        update(OutboxEvent)
        .where(OutboxEvent.id.in_(select(batch.c.id)), OutboxEvent.status == "pending")
        .values(status="dispatched", attempts=OutboxEvent.attempts + 1)
        .returning(OutboxEvent)
        .execution_options(synchronize_session=False)
    )
    async with session_factory() as session:
        events = list((await session.scalars(claim)).all())
        done: list[tuple[str, str, int]] = []
        memo: dict[tuple, list[str]] = {}
        for event in events:
            try:
                async with session.begin_nested():
                    plan = await _plan(session, event, channels, settings, memo)
            except Exception as exc:  # a bad event must not block the ones behind it
                log.exception("fan-out failed", extra={"event_id": str(event.id)})
                event.status, event.last_error = "failed", f"fan-out: {exc}"[:2000]
                continue
            session.add_all(
                NotificationDelivery(
                    event_id=event.id,
                    channel=c,
                    target=t,
                    next_attempt_at=now,
                    created_at=now,
                    updated_at=now,
                )
                for c, t in plan
            )
            if not plan:
                event.status, event.delivered_at = "delivered", now
            done.append((str(event.id), event.event_type, len(plan)))
        await session.commit()
    for event_id, event_type, count in done:
        log.info(
            "event %s (%s): %d deliveries",
            event_id,
            event_type,
            count,
            extra={"event_id": event_id, "event_type": event_type, "deliveries": count},
        )
    return len(events)

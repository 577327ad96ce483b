"""Fan-out: turn each new outbox event into one delivery per channel and target."""

import fnmatch
import logging
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.core.config import Settings
from backend.models.notification import NotificationDelivery, OutboxEvent
from backend.notifications import fallback
from backend.notifications.channels import names
from backend.notifications.channels.base import Channel, EventEnvelope
from backend.notifications.channels.util import active_user_ids
from backend.notifications.contacts import drop_muted

log = logging.getLogger("ttq.notifications")
USER_CHANNELS = names.USER_CHANNELS


def envelope(event: OutboxEvent, *, attempt: int = 1, extra: dict | None = None) -> EventEnvelope:
    """The immutable view of a stored event that channels get."""
    return EventEnvelope(
        id=event.id,
        type=event.event_type,
        payload=dict(event.payload or {}),
        created_at=event.created_at,
        recipient_user_ids=tuple(event.recipient_user_ids or ()),
        unit_ids=tuple(event.unit_ids or ()),
        attempt=attempt,
        extra=extra or {},
    )


def is_urgent(event: OutboxEvent, settings: Settings) -> bool:
    """Severity 1, or a type in notify_sms_event_types: reach the person, not only the app."""
    if (event.payload or {}).get("severity") == 1:
        return True
    return any(fnmatch.fnmatchcase(event.event_type, p) for p in settings.notify_sms_event_types)


def wanted_channels(event: OutboxEvent, settings: Settings) -> set[str]:
    """The channels an event goes out on, before checking which are enabled."""
    if event.channels is not None:
        return set(event.channels)
    chosen = set(names.DEFAULT_CHANNELS)
    if is_urgent(event, settings):
        chosen.update(names.FALLBACK_ORDER)
    return chosen


async def _plan(
    session: AsyncSession,
    event: OutboxEvent,
    channels: dict[str, Channel],
    settings: Settings,
    memo: dict[tuple, list[str]],
    now: datetime,
) -> list[dict]:
    env = envelope(event)
    wanted = wanted_channels(event, settings)
    plan: list[dict] = []
    # Urgent events reach each person through the fallback chain (never muted); an event
    # whose writer chose its channels goes out on all of them at once.
    chained = event.channels is None and is_urgent(event, settings)
    if chained:
        plan.extend(await fallback.plan_chain(session, env, channels, settings, now=now))
        wanted -= set(names.FALLBACK_ORDER)
    users = None
    for name in sorted(wanted):
        channel = channels.get(name)
        if channel is None:
            continue
        # Targets depend only on these; a batch often holds many events for the same people.
        key = (name, env.type, env.unit_ids, env.recipient_user_ids)
        if key not in memo:
            memo[key] = await channel.targets(session, env)
        targets = memo[key]
        # Muting applies to default routing; a writer's explicit choice (a verification code,
        # a test notification the person asked for) goes out regardless.
        if event.channels is None and not chained and name in names.MUTABLE_CHANNELS and targets:
            if users is None:
                users = await active_user_ids(session, env.recipient_user_ids)
            targets = await drop_muted(session, channel=name, targets=targets, users=users)
        plan.extend({"channel": name, "target": t, "next_attempt_at": now} for t in targets)
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
                    plan = await _plan(session, event, channels, settings, memo, now)
            except Exception as exc:  # a bad event must not block the ones behind it
                log.exception("fan-out failed", extra={"event_id": str(event.id)})
                event.status, event.last_error = "failed", f"fan-out: {exc}"[:2000]
                continue
            session.add_all(
                NotificationDelivery(event_id=event.id, created_at=now, updated_at=now, **row)
                for row in plan
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

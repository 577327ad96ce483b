"""Fallback for urgent events, per recipient: push, then Zalo, then SMS.

Each step is a delivery of its own (same event id) scheduled ``notify_fallback_delay_seconds``
after the one before; a step whose deliveries all fail (or whose targets are gone) brings the
next one forward to now. An acknowledgement stops the chain: the escalation's acknowledgement
(app or console) stops every recipient's remaining steps; opening the one-tap link stops the
opener's. Steps a person cannot be reached on (no device, channel not configured) are skipped.
"""

import dataclasses
import uuid
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.core.config import Settings
from backend.models.incident import Escalation, Incident
from backend.models.notification import NotificationDelivery as D
from backend.notifications import links
from backend.notifications.channels import names
from backend.notifications.channels.base import Channel, EventEnvelope
from backend.notifications.channels.util import active_user_ids

STOPPED = "stopped"
# Escalation states after which nobody needs chasing on it any more.
ANSWERED = frozenset({"acknowledged", "cancelled", "superseded"})


def chain_key(event: EventEnvelope) -> str:
    """What acknowledging stops the chain: the escalation, else the event itself."""
    return str(event.payload.get("escalation_id") or event.id)[:64]


async def plan_chain(
    session: AsyncSession,
    event: EventEnvelope,
    channels: dict[str, Channel],
    settings: Settings,
    *,
    now: datetime,
) -> list[dict]:
    """The deliveries of every recipient's chain, each step later than the one before."""
    delay = timedelta(seconds=settings.notify_fallback_delay_seconds)
    key = chain_key(event)
    rows: list[dict] = []
    for user in await active_user_ids(session, event.recipient_user_ids):
        one = dataclasses.replace(event, recipient_user_ids=(str(user),))
        step, at = 0, now
        for name in names.FALLBACK_ORDER:
            channel = channels.get(name)
            targets = await channel.targets(session, one) if channel is not None else []
            if not targets:
                continue
            rows.extend(
                {
                    "channel": name,
                    "target": target,
                    "next_attempt_at": at,
                    "recipient_user_id": user,
                    "chain_step": step,
                    "chain_key": key,
                }
                for target in targets
            )
            step, at = step + 1, at + delay
    return rows


async def stop_chain(
    session: AsyncSession,
    *,
    key: str,
    now: datetime,
    reason: str,
    user_id: uuid.UUID | None = None,
) -> int:
    """Stop the pending steps of a chain (one recipient's, or everyone's)."""
    # Not one a worker is sending right now (its lease runs); an expired lease is fair game.
    free = or_(D.locked_until.is_(None), D.locked_until <= now)
    where = [D.chain_key == key, D.status == "pending", free]
    if user_id is not None:
        where.append(D.recipient_user_id == user_id)
    result = await session.execute(
        update(D)
        .where(*where)
        .values(status=STOPPED, last_error=f"stopped: {reason}", updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


async def answered(session: AsyncSession, key: str | None) -> bool:
    """Whether the escalation a chain belongs to no longer needs chasing."""
    try:
        escalation_id = uuid.UUID(str(key))
    except ValueError:
        return False
    status = await session.scalar(select(Escalation.status).where(Escalation.id == escalation_id))
    return status in ANSWERED


async def bring_forward(
    session_factory: async_sessionmaker[AsyncSession],
    *,
    event_id: uuid.UUID,
    key: str,
    user_id: uuid.UUID,
    step: int,
    now: datetime,
    settings: Settings,
) -> None:
    """A step failed: if none of its deliveries can still succeed, the next steps move up."""
    async with session_factory() as session:
        mine = and_(D.event_id == event_id, D.chain_key == key, D.recipient_user_id == user_id)
        alive = await session.scalar(
            select(D.id)
            .where(mine, D.chain_step == step, D.status.in_(("pending", "delivered")))
            .limit(1)
        )
        if alive is not None:
            return
        later = sorted(
            set(
                (
                    await session.scalars(
                        select(D.chain_step).where(mine, D.chain_step > step, D.status == "pending")
                    )
                ).all()
            )
        )
        delay = timedelta(seconds=settings.notify_fallback_delay_seconds)
        for offset, later_step in enumerate(later):
            at = now + offset * delay
            await session.execute(
                update(D)
                .where(mine, D.chain_step == later_step, D.status == "pending")
                .where(D.next_attempt_at > at)
                .values(next_attempt_at=at)
                .execution_options(synchronize_session=False)
            )
        await session.commit()


async def chains_for(session: AsyncSession, keys: list[str]) -> dict[str, dict[uuid.UUID, list]]:
    """Each chain's deliveries by recipient, in step order (for the escalation list)."""
    if not keys:
        return {}
    rows = await session.scalars(
        select(D)
        .where(D.chain_key.in_(keys), D.recipient_user_id.is_not(None))
        .order_by(D.chain_key, D.recipient_user_id, D.chain_step, D.channel, D.target)
    )
    out: dict[str, dict[uuid.UUID, list]] = {}
    for d in rows.all():
        out.setdefault(d.chain_key, {}).setdefault(d.recipient_user_id, []).append(d)
    return out


def chain_view(by_user: dict[uuid.UUID, list]) -> list[dict]:
    """The chains of one escalation as the API shows them, one entry per recipient."""
    return [
        {
            "user_id": user_id,
            "steps": [
                {
                    "step": d.chain_step,
                    "channel": d.channel,
                    "status": d.status,
                    "scheduled_at": d.next_attempt_at,
                    "delivered_at": d.delivered_at,
                    "receipt_status": d.receipt_status,
                    "last_error": d.last_error,
                }
                for d in steps
            ],
        }
        for user_id, steps in by_user.items()
    ]


async def link_target(
    session: AsyncSession, link: links.Link
) -> tuple[uuid.UUID, uuid.UUID | None, uuid.UUID | None] | None:
    """(incident, escalation, recipient) a verified one-tap link points at, if they exist."""
    if link.kind == links.ESCALATION:
        escalation = await session.get(Escalation, link.object_id)
        if escalation is None:
            return None
        # The same order the texts were signed in (the event's sorted recipients).
        recipients = sorted(set(escalation.recipient_user_ids))
        user = None
        if link.recipient_index < len(recipients):
            user = uuid.UUID(recipients[link.recipient_index])
        return escalation.incident_id, escalation.id, user
    incident = await session.get(Incident, link.object_id)
    return (incident.id, None, None) if incident is not None else None

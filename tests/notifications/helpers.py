"""Factories and helpers for the notification tests (add + flush, never commit)."""

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.core.config import Settings
from backend.models import Device, UnionUnit
from backend.models.notification import NotificationDelivery, OutboxEvent, WebhookSubscription
from backend.notifications import crypto
from backend.notifications.channels.base import EventEnvelope
from tests.factories import make_unit


class Clock:
    """A frozen clock; tests move it. The ``clock`` fixture installs it as the one clock."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 11, 23, 1, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


async def make_union(session: AsyncSession, name: str = "LĐLĐ Thành phố", *, parent=None):
    return await make_unit(session, UnionUnit, name, parent=parent)


async def make_subscription(
    session: AsyncSession,
    settings: Settings,
    *,
    url: str,
    union_unit=None,
    admin_unit=None,
    event_types: list[str] | None = None,
    include_subtree: bool = True,
) -> tuple[WebhookSubscription, str]:
    secret = crypto.new_webhook_secret()
    sub = WebhookSubscription(
        url=url,
        union_unit_id=union_unit.id if union_unit else None,
        admin_unit_id=admin_unit.id if admin_unit else None,
        event_types=event_types or [],
        include_subtree=include_subtree,
        secret_ciphertext=crypto.encrypt(settings, secret),
    )
    session.add(sub)
    await session.flush()
    return sub, secret


async def make_device(session: AsyncSession, user, *, push_token: str | None = "tok-1") -> Device:
    device = Device(user_id=user.id, client_device_id=uuid.uuid4().hex, push_token=push_token)
    session.add(device)
    await session.flush()
    return device


async def deliveries(session: AsyncSession, event_id=None) -> list[NotificationDelivery]:
    stmt = (
        select(NotificationDelivery)
        .order_by(NotificationDelivery.channel)
        .execution_options(populate_existing=True)
    )
    if event_id is not None:
        stmt = stmt.where(NotificationDelivery.event_id == event_id)
    return list((await session.scalars(stmt)).all())


async def event_status(session: AsyncSession, event_id) -> str:
    return await session.scalar(select(OutboxEvent.status).where(OutboxEvent.id == event_id))


def envelope(event_type: str = "incident.escalated", **payload) -> EventEnvelope:
    return EventEnvelope(
        id=uuid.uuid4(),
        type=event_type,
        payload=payload,
        created_at=datetime(2026, 11, 23, tzinfo=UTC),
    )

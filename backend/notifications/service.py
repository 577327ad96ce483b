"""Webhook subscriptions and the admin view of failed deliveries."""

import uuid
from urllib.parse import urlsplit

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.audit.service import record, snapshot
from backend.core.config import Settings
from backend.core.errors import Conflict, Invalid
from backend.models import AdminUnit, UnionUnit, utcnow
from backend.models.notification import NotificationDelivery, OutboxEvent, WebhookSubscription
from backend.notifications import crypto
from backend.notifications.channels import names
from backend.notifications.channels.webhook_guard import DestinationRefused, resolve_checked
from backend.notifications.outbox import enqueue
from backend.policy import Subject, scoped

HIDDEN = {"secret_ciphertext"}


async def _check_url(url: str, *, require_https: bool, allowed_hosts: list[str]) -> None:
    parts = urlsplit(url)
    allowed = ("https",) if require_https else ("https", "http")
    try:
        port = parts.port
    except ValueError:
        port = -1
    if (
        parts.scheme not in allowed
        or not parts.hostname
        or parts.username
        or parts.password
        or port == -1
    ):
        raise Invalid(code="webhook_url_invalid", allowed_schemes=list(allowed))
    try:
        # Resolved now too, for an early answer; delivery checks again at every connect.
        await resolve_checked(
            parts.hostname,
            port or (443 if parts.scheme == "https" else 80),
            allowed_hosts=allowed_hosts,
        )
    except DestinationRefused:
        raise Invalid(code="webhook_destination_refused") from None
    except httpx.HTTPError:
        pass  # not resolvable from here now: the connect-time check decides


def require_https(settings: Settings) -> bool:
    if settings.notify_webhook_require_https is None:
        return settings.environment == "production"
    return settings.notify_webhook_require_https


async def create_subscription(
    session: AsyncSession,
    *,
    actor: Subject,
    settings: Settings,
    url: str,
    union_unit_id: uuid.UUID | None,
    admin_unit_id: uuid.UUID | None,
    description: str,
    event_types: list[str],
    include_subtree: bool,
) -> tuple[WebhookSubscription, str]:
    """Subscribe a URL to a unit's events; returns it with its secret (shown once)."""
    await _check_url(
        url,
        require_https=require_https(settings),
        allowed_hosts=settings.notify_webhook_allowed_hosts,
    )
    if (union_unit_id is None) == (admin_unit_id is None):
        raise Invalid(code="webhook_unit_required")
    model, unit_id = (UnionUnit, union_unit_id) if union_unit_id else (AdminUnit, admin_unit_id)
    unit = await session.get(model, unit_id)
    if unit is None or unit.deleted_at is not None:
        raise Invalid(code="unknown_unit", unit=str(unit_id))
    secret = crypto.new_webhook_secret()
    sub = WebhookSubscription(
        url=url,
        union_unit_id=union_unit_id,
        admin_unit_id=admin_unit_id,
        description=description,
        event_types=sorted(set(event_types)),
        include_subtree=include_subtree,
        secret_ciphertext=crypto.encrypt(settings, secret),
        created_by=actor.user_id,
    )
    session.add(sub)
    await session.flush()
    await record(
        session,
        actor=actor,
        action="webhook.create",
        object_type="webhook_subscription",
        object_id=sub.id,
        after=snapshot(sub, exclude=HIDDEN),
    )
    return sub, secret


async def list_subscriptions(
    session: AsyncSession, *, subject: Subject, after_id: uuid.UUID | None, limit: int
) -> list[WebhookSubscription]:
    """Live subscriptions the subject may see, by id."""
    stmt = scoped(select(WebhookSubscription), subject, WebhookSubscription).where(
        WebhookSubscription.deleted_at.is_(None)
    )
    if after_id is not None:
        stmt = stmt.where(WebhookSubscription.id > after_id)
    stmt = stmt.order_by(WebhookSubscription.id).limit(limit)
    return list((await session.scalars(stmt)).all())


async def delete_subscription(
    session: AsyncSession, *, actor: Subject, subscription: WebhookSubscription
) -> None:
    """Stop a subscription; its pending deliveries are dropped when their turn comes."""
    before = snapshot(subscription, exclude=HIDDEN)
    subscription.deleted_at = utcnow()
    subscription.is_active = False
    await record(
        session,
        actor=actor,
        action="webhook.delete",
        object_type="webhook_subscription",
        object_id=subscription.id,
        before=before,
        after=snapshot(subscription, exclude=HIDDEN),
    )


async def list_failed(
    session: AsyncSession,
    *,
    subject: Subject,
    channel: str | None,
    after: tuple | None,
    limit: int,
) -> list[tuple[NotificationDelivery, str]]:
    """Deliveries that gave up, newest first, with their event type."""
    D = NotificationDelivery
    stmt = (
        scoped(select(D, OutboxEvent.event_type), subject, D)
        .join(OutboxEvent, OutboxEvent.id == D.event_id)
        .where(D.status == "failed")
    )
    if channel:
        stmt = stmt.where(D.channel == channel)
    if after is not None:
        updated_at, delivery_id = after
        stmt = stmt.where(
            (D.updated_at < updated_at) | ((D.updated_at == updated_at) & (D.id < delivery_id))
        )
    stmt = stmt.order_by(D.updated_at.desc(), D.id.desc()).limit(limit)
    return [(d, t) for d, t in (await session.execute(stmt)).all()]


async def retry_delivery(
    session: AsyncSession, *, actor: Subject, delivery: NotificationDelivery
) -> NotificationDelivery:
    """Put a failed delivery back in the queue, with a fresh set of attempts."""
    if delivery.status != "failed":
        raise Conflict(code="delivery_not_failed", status_now=delivery.status)
    before = snapshot(delivery)
    now = utcnow()
    delivery.status, delivery.attempts = "pending", 0
    delivery.next_attempt_at = delivery.updated_at = now
    delivery.locked_until = delivery.locked_by = None
    event = await session.get(OutboxEvent, delivery.event_id)
    if event is not None and event.status in ("failed", "delivered"):
        event.status, event.delivered_at = "dispatched", None
    await record(
        session,
        actor=actor,
        action="notification.retry",
        object_type="notification_delivery",
        object_id=delivery.id,
        before=before,
        after=snapshot(delivery),
    )
    return delivery


async def send_test(session: AsyncSession, *, subject: Subject) -> OutboxEvent:
    """A test notification to the caller's own live stream and phones."""
    return await enqueue(
        session,
        event_type="notification.test",
        payload={"message": "Thông báo thử"},
        recipient_user_ids=[subject.user_id],
        channels=[names.STREAM, names.PUSH],
    )

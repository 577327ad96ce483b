"""Notification routes: the caller's feed and live stream, webhooks and failed deliveries."""

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Header, Query, Request, Response, status
from fastapi.responses import StreamingResponse
from sqlalchemy import select

from backend.core.db import SessionDep
from backend.core.errors import Invalid
from backend.core.pagination import Page, PageDep, decode_keys, encode_cursor
from backend.core.routing import GuardedRouter
from backend.core.security import decode_access_token
from backend.models.notification import (
    NotificationDelivery,
    OutboxEvent,
    UserNotification,
    WebhookSubscription,
)
from backend.notifications import schemas, service
from backend.notifications.channels.names import ChannelName
from backend.notifications.runtime import get_hub
from backend.notifications.stream import event_stream, feed_item, feed_query
from backend.policy import Subject, get_visible, scoped
from backend.policy.deps import CurrentSubject, CurrentUser, allowed, oauth2_scheme

router = GuardedRouter(prefix="/api/v1", tags=["notifications"])
WebhookManager = Annotated[Subject, allowed("webhook.manage")]
NotificationAdmin = Annotated[Subject, allowed("notification.admin")]
MAX_EVENT_ID = 2**63 - 1


async def valid_webhook_id(
    session: SessionDep, subject: CurrentSubject, webhook_id: uuid.UUID
) -> WebhookSubscription:
    """The subscription named in the path, if the caller may see it."""
    return await get_visible(session, subject, WebhookSubscription, webhook_id)


async def valid_delivery_id(
    session: SessionDep, subject: CurrentSubject, delivery_id: uuid.UUID
) -> NotificationDelivery:
    """The delivery named in the path, if the caller may see it."""
    return await get_visible(session, subject, NotificationDelivery, delivery_id)


def _last_event_id(header: str | None, query: str | None) -> int | None:
    raw = header if header is not None else query
    if raw is None or raw == "":
        return None
    if not raw.isdigit() or int(raw) > MAX_EVENT_ID:
        raise Invalid(code="invalid_last_event_id")
    return int(raw)


@router.get(
    "/notifications", name="notifications-list", response_model=Page[schemas.NotificationRead]
)
async def list_notifications(
    session: SessionDep, subject: CurrentSubject, page: PageDep
) -> Page[schemas.NotificationRead]:
    """The caller's notifications, newest first."""
    stmt = scoped(feed_query(subject.user_id), subject, UserNotification)
    after = decode_keys(page.cursor, int)
    if after:
        stmt = stmt.where(UserNotification.id < after[0])
    rows = (
        await session.execute(stmt.order_by(UserNotification.id.desc()).limit(page.limit + 1))
    ).all()
    more = len(rows) > page.limit
    rows = rows[: page.limit]
    return Page(
        items=[schemas.NotificationRead(**feed_item(r)) for r in rows],
        next_cursor=encode_cursor([rows[-1].nid]) if more else None,
    )


@router.get(
    "/notifications/stream",
    name="notifications-stream",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "server-sent events; each `data` is a NotificationRead document",
            "content": {"text/event-stream": {"schema": {"type": "string"}}},
        }
    },
)
async def stream_notifications(
    request: Request,
    user: CurrentUser,
    token: Annotated[str | None, Depends(oauth2_scheme)],
    last_event_id_header: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
    last_event_id: Annotated[
        str | None, Query(max_length=20, description="for clients that cannot set headers")
    ] = None,
) -> StreamingResponse:
    """The caller's notifications as they happen; resume with `Last-Event-ID`.

    The stream ends when the access token expires: reconnect with a fresh token and the last
    id you saw. De-duplicate on the event `id` (delivery is at-least-once).
    """
    after = _last_event_id(last_event_id_header, last_event_id)
    settings = request.app.state.settings
    claims = decode_access_token(token or "", secret=settings.secret_key) or {}
    body = event_stream(
        request.app.state.session_factory,
        get_hub(request.app),
        settings,
        user_id=user.id,
        last_event_id=after,
        until=claims.get("exp"),
    )
    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(body, media_type="text/event-stream", headers=headers)


@router.post(
    "/notifications/test",
    name="notifications-send-test",
    response_model=schemas.TestSent,
    status_code=status.HTTP_202_ACCEPTED,
)
async def send_test(session: SessionDep, subject: CurrentSubject) -> schemas.TestSent:
    """Send yourself a test notification (live stream and push), to check your devices."""
    event = await service.send_test(session, subject=subject)
    return schemas.TestSent(event_id=event.id)


@router.get(
    "/notifications/failed",
    name="notifications-failed-list",
    response_model=Page[schemas.DeliveryRead],
)
async def list_failed(
    session: SessionDep,
    subject: NotificationAdmin,
    page: PageDep,
    channel: ChannelName | None = None,
) -> Page[schemas.DeliveryRead]:
    """Deliveries that ran out of retries (or were refused for good), newest first."""
    after = decode_keys(page.cursor, datetime.fromisoformat, uuid.UUID)
    rows = await service.list_failed(
        session, subject=subject, channel=channel, after=after, limit=page.limit + 1
    )
    more = len(rows) > page.limit
    rows = rows[: page.limit]
    items = [schemas.DeliveryRead(**d.model_dump(), event_type=t) for d, t in rows]
    last = rows[-1][0] if rows else None
    return Page(
        items=items,
        next_cursor=encode_cursor([last.updated_at.isoformat(), str(last.id)]) if more else None,
    )


@router.post(
    "/notifications/failed/{delivery_id}/retry",
    name="notifications-retry",
    response_model=schemas.DeliveryRead,
)
async def retry_failed(
    session: SessionDep,
    delivery: Annotated[NotificationDelivery, Depends(valid_delivery_id)],
    subject: NotificationAdmin,
) -> schemas.DeliveryRead:
    """Queue a failed delivery again, with a fresh set of attempts."""
    delivery = await service.retry_delivery(session, actor=subject, delivery=delivery)
    event_type = await session.scalar(
        select(OutboxEvent.event_type).where(OutboxEvent.id == delivery.event_id)
    )
    return schemas.DeliveryRead(**delivery.model_dump(), event_type=event_type or "")


@router.post(
    "/webhooks",
    name="webhooks-create",
    response_model=schemas.WebhookCreated,
    status_code=status.HTTP_201_CREATED,
)
async def create_webhook(
    request: Request, session: SessionDep, subject: WebhookManager, body: schemas.WebhookCreate
) -> schemas.WebhookCreated:
    """Subscribe a URL to a unit's events; the answer carries the signing secret, once."""
    sub, secret = await service.create_subscription(
        session, actor=subject, settings=request.app.state.settings, **body.model_dump()
    )
    read = schemas.WebhookRead.model_validate(sub, from_attributes=True)
    return schemas.WebhookCreated(**read.model_dump(), secret=secret)


@router.get("/webhooks", name="webhooks-list", response_model=Page[schemas.WebhookRead])
async def list_webhooks(
    session: SessionDep, subject: WebhookManager, page: PageDep
) -> Page[schemas.WebhookRead]:
    """Webhook subscriptions (without their secrets)."""
    after = decode_keys(page.cursor, uuid.UUID)
    rows = await service.list_subscriptions(
        session, subject=subject, after_id=after[0] if after else None, limit=page.limit + 1
    )
    more = len(rows) > page.limit
    rows = rows[: page.limit]
    return Page(
        items=[schemas.WebhookRead.model_validate(r, from_attributes=True) for r in rows],
        next_cursor=encode_cursor([str(rows[-1].id)]) if more else None,
    )


@router.delete(
    "/webhooks/{webhook_id}", name="webhooks-delete", status_code=status.HTTP_204_NO_CONTENT
)
async def delete_webhook(
    session: SessionDep,
    subscription: Annotated[WebhookSubscription, Depends(valid_webhook_id)],
    subject: WebhookManager,
) -> Response:
    """Stop a subscription."""
    await service.delete_subscription(session, actor=subject, subscription=subscription)
    return Response(status_code=status.HTTP_204_NO_CONTENT)

"""Signed webhooks: each subscription of a unit (or of a unit above it) gets a signed POST."""

import fnmatch
import json
import time
import uuid

import httpx
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.core.config import Settings
from backend.models import AdminUnit, UnionUnit
from backend.models.notification import WebhookSubscription
from backend.notifications import crypto, signing
from backend.notifications.channels.base import (
    EventEnvelope,
    PermanentError,
    RetryableError,
    TargetGone,
)
from backend.notifications.channels.util import as_uuids, parse_retry_after
from backend.notifications.channels.webhook_guard import DestinationRefused

RETRYABLE_STATUS = frozenset({408, 425, 429})
# A subscription is read once per this many seconds per worker (not once per delivery); a
# deleted one stops receiving within that time.
CACHE_SECONDS = 10.0
USER_AGENT = "TTQ-Webhooks/1"


def _ancestors(path: str) -> list[uuid.UUID]:
    # Materialized paths are "/<hex>/<hex>/": every segment is an ancestor-or-self id.
    return [uuid.UUID(hex=part) for part in path.strip("/").split("/") if part]


async def matching_subscriptions(
    session: AsyncSession, *, unit_ids: list[str], event_type: str
) -> list[WebhookSubscription]:
    """Live subscriptions on the event's units, or on units above them that asked for subtrees."""
    ids = as_uuids(unit_ids)
    if not ids:
        return []
    own: set[uuid.UUID] = set(ids)
    union_up: set[uuid.UUID] = set()
    admin_up: set[uuid.UUID] = set()
    for model, into in ((UnionUnit, union_up), (AdminUnit, admin_up)):
        for path in (await session.scalars(select(model.path).where(model.id.in_(ids)))).all():
            into.update(_ancestors(path))
    if not union_up and not admin_up:
        return []
    rows = await session.scalars(
        select(WebhookSubscription)
        .where(
            WebhookSubscription.deleted_at.is_(None),
            WebhookSubscription.is_active.is_(True),
            or_(
                WebhookSubscription.union_unit_id.in_(union_up),
                WebhookSubscription.admin_unit_id.in_(admin_up),
            ),
        )
        .order_by(WebhookSubscription.id)
    )
    found = []
    for sub in rows.all():
        unit = sub.union_unit_id or sub.admin_unit_id
        if not sub.include_subtree and unit not in own:
            continue
        if sub.event_types and not any(fnmatch.fnmatchcase(event_type, p) for p in sub.event_types):
            continue
        found.append(sub)
    return found


class WebhookChannel:
    """POSTs the event body, signed with the subscription's secret."""

    name = "webhook"

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        settings: Settings,
        *,
        http: httpx.AsyncClient,
    ) -> None:
        self._sessions = session_factory
        self._settings = settings
        self._http = http
        self._cache: dict[uuid.UUID, tuple[float, tuple[str, str] | None]] = {}

    async def targets(self, session: AsyncSession, event: EventEnvelope) -> list[str]:
        subs = await matching_subscriptions(
            session, unit_ids=list(event.unit_ids), event_type=event.type
        )
        return [str(s.id) for s in subs]

    async def _subscription(self, sub_id: uuid.UUID) -> tuple[str, str] | None:
        """(url, secret) of a live subscription, or None; cached for a few seconds."""
        hit = self._cache.get(sub_id)
        if hit is not None and hit[0] > time.monotonic():
            return hit[1]
        async with self._sessions() as session:
            sub = await session.get(WebhookSubscription, sub_id)
        found = None
        if sub is not None and sub.deleted_at is None and sub.is_active:
            try:
                found = (sub.url, crypto.decrypt(self._settings, sub.secret_ciphertext))
            except ValueError as exc:
                raise PermanentError(str(exc)) from None
        self._cache[sub_id] = (time.monotonic() + CACHE_SECONDS, found)
        return found

    async def deliver(self, event: EventEnvelope, target: str) -> None:
        found = await self._subscription(uuid.UUID(target))
        if found is None:
            raise TargetGone("webhook subscription deleted or disabled")
        url, secret = found
        body = json.dumps(event.body(), ensure_ascii=False, separators=(",", ":")).encode()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            signing.SIGNATURE_HEADER: signing.sign(secret, body),
            signing.EVENT_ID_HEADER: str(event.id),
            signing.EVENT_TYPE_HEADER: event.type,
            signing.ATTEMPT_HEADER: str(event.attempt),
        }
        try:
            response = await self._http.post(url, content=body, headers=headers)
        except DestinationRefused as exc:
            raise PermanentError(f"destination refused: {exc}") from None
        except httpx.TransportError as exc:
            raise RetryableError(f"{type(exc).__name__}: {exc}") from None
        status = response.status_code
        if 200 <= status < 300:
            return
        message = f"HTTP {status}: {response.text[:200]}"
        if status >= 500 or status in RETRYABLE_STATUS:
            raise RetryableError(
                message, retry_after=parse_retry_after(response.headers.get("Retry-After"))
            )
        raise PermanentError(message)

"""The one interface every delivery channel implements, and the errors that steer retries."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from sqlalchemy.ext.asyncio import AsyncSession


@dataclass(frozen=True)
class EventEnvelope:
    """What a channel is given to send: the event as stored, plus which attempt this is."""

    id: uuid.UUID
    type: str
    payload: dict[str, Any]
    created_at: datetime
    recipient_user_ids: Sequence[str] = ()
    unit_ids: Sequence[str] = ()
    attempt: int = 1
    extra: dict[str, Any] = field(default_factory=dict)

    def body(self) -> dict[str, Any]:
        """The JSON document receivers get (webhooks, the live stream)."""
        return {
            "id": str(self.id),
            "type": self.type,
            "created_at": self.created_at.isoformat(),
            "data": self.payload,
        }


class DeliveryError(Exception):
    """A delivery did not happen."""


class RetryableError(DeliveryError):
    """Try again later (network trouble, 5xx, 429); ``retry_after`` in seconds if known."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PermanentError(DeliveryError):
    """Retrying cannot help (4xx, bad payload); the delivery is failed for admins to see."""


class TargetGone(PermanentError):
    """The target no longer exists (unregistered push token, deleted subscription): dropped."""


@runtime_checkable
class Channel(Protocol):
    """A way of telling someone: resolves an event's targets, then delivers to one target."""

    name: str

    async def targets(self, session: AsyncSession, event: EventEnvelope) -> list[str]:
        """The targets (ids as text) this event goes to on this channel."""
        ...

    async def deliver(self, event: EventEnvelope, target: str) -> str | None:
        """Send the event to one target; raise RetryableError or PermanentError on failure.

        May return the provider's id of the accepted message (receipts are matched on it)."""
        ...

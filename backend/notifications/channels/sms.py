"""SMS behind a provider interface; a real provider adapter plugs in as another SmsProvider."""

import logging
import uuid
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.models import User
from backend.notifications.channels.base import EventEnvelope, TargetGone
from backend.notifications.channels.util import active_user_ids
from backend.notifications.texts import sms_text

log = logging.getLogger("ttq.notifications.sms")


class SmsProvider(Protocol):
    """Sends one text; raises RetryableError or PermanentError like a channel."""

    async def send(self, *, phone: str, text: str, reference: str) -> None: ...


@dataclass
class SentSms:
    phone: str
    text: str
    reference: str


class RecordingSmsProvider:
    """The test double: keeps every message instead of sending it."""

    def __init__(self) -> None:
        self.sent: list[SentSms] = []

    async def send(self, *, phone: str, text: str, reference: str) -> None:
        self.sent.append(SentSms(phone=phone, text=text, reference=reference))


class LogSmsProvider:
    """Development provider: writes the message to the log (phone number masked)."""

    async def send(self, *, phone: str, text: str, reference: str) -> None:
        log.info("sms", extra={"to": phone[:-4] + "****", "text": text, "reference": reference})


class SmsChannel:
    """One SMS per recipient user, to the phone number of their account."""

    name = "sms"

    def __init__(self, session_factory: async_sessionmaker[AsyncSession], provider: SmsProvider):
        self._sessions = session_factory
        self.provider = provider

    async def targets(self, session: AsyncSession, event: EventEnvelope) -> list[str]:
        return [str(u) for u in await active_user_ids(session, event.recipient_user_ids)]

    async def deliver(self, event: EventEnvelope, target: str) -> None:
        async with self._sessions() as session:
            user = await session.get(User, uuid.UUID(target))
        if user is None or not user.is_active:
            raise TargetGone("user gone or disabled")
        # The reference lets a provider (and the phone owner) tie a resend to the same event.
        await self.provider.send(
            phone=user.phone, text=sms_text(event), reference=f"{event.id}:{user.id}"
        )

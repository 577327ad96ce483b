"""SMS behind a provider interface; a real provider adapter plugs in as another SmsProvider."""

import logging
import uuid
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.core.config import Settings
from backend.models import User, utcnow
from backend.notifications import links
from backend.notifications.channels import names
from backend.notifications.channels.base import EventEnvelope, TargetGone
from backend.notifications.channels.util import active_user_ids
from backend.notifications.contacts import VERIFY_EVENT, reach_phone, verification_phone
from backend.notifications.texts import sms_text

log = logging.getLogger("ttq.notifications.sms")


class SmsProvider(Protocol):
    """Sends one text; raises RetryableError or PermanentError like a channel."""

    async def send(self, *, phone: str, text: str, reference: str) -> str | None:
        """Returns the provider's reference of the accepted message, if it has one."""
        ...


@dataclass
class SentSms:
    phone: str
    text: str
    reference: str


class RecordingSmsProvider:
    """The test double: keeps every message instead of sending it."""

    def __init__(self) -> None:
        self.sent: list[SentSms] = []

    async def send(self, *, phone: str, text: str, reference: str) -> str | None:
        self.sent.append(SentSms(phone=phone, text=text, reference=reference))


class LogSmsProvider:
    """Development provider: writes the message to the log (phone number masked)."""

    async def send(self, *, phone: str, text: str, reference: str) -> str | None:
        log.info("sms", extra={"to": phone[:-4] + "****", "text": text, "reference": reference})


class SmsChannel:
    """One SMS per recipient user, to the phone number of their account."""

    name = names.SMS

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        provider: SmsProvider,
        settings: Settings | None = None,
    ):
        self._sessions = session_factory
        self.provider = provider
        self._settings = settings  # for the one-tap link; None = no link

    async def targets(self, session: AsyncSession, event: EventEnvelope) -> list[str]:
        return [str(u) for u in await active_user_ids(session, event.recipient_user_ids)]

    async def deliver(self, event: EventEnvelope, target: str) -> str | None:
        async with self._sessions() as session:
            user = await session.get(User, uuid.UUID(target))
            if user is None or not user.is_active:
                raise TargetGone("user gone or disabled")
            if event.type == VERIFY_EVENT:
                phone = await verification_phone(session, event_payload=event.payload, user=user)
                text = f"[TTQ] Ma xac nhan so dien thoai: {event.payload.get('code')} (10 phut)"
                return await self.provider.send(
                    phone=phone, text=text, reference=f"{event.id}:{user.id}"
                )
            phone = await reach_phone(session, user=user, channel=names.SMS)
        link = None
        if self._settings is not None:
            link = links.link_for_recipient(
                self._settings,
                payload=event.payload,
                recipients=list(event.recipient_user_ids),
                user_id=target,
                now=utcnow(),
            )
        # The reference lets a provider (and the phone owner) tie a resend to the same event.
        return await self.provider.send(
            phone=phone, text=sms_text(event, link), reference=f"{event.id}:{user.id}"
        )

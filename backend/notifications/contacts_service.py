"""A user's own contact numbers per channel: choose, verify with a code, mute."""

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.audit.service import record
from backend.core.config import Settings
from backend.core.errors import Invalid
from backend.core.security import normalize_mobile
from backend.models.contact import UserContact
from backend.notifications import messages  # noqa: F401  (registers the problem titles)
from backend.notifications.contacts import VERIFY_EVENT
from backend.notifications.outbox import enqueue
from backend.policy import Subject

CODE_MINUTES = 10
CODE_ATTEMPTS = 5


def _hash(settings: Settings, user_id, code: str) -> str:
    key = hashlib.sha256(b"ttq-contact-codes:" + settings.secret_key.encode()).digest()
    return hmac.new(key, f"{user_id}:{code}".encode(), hashlib.sha256).hexdigest()


async def contacts_of(session: AsyncSession, *, subject: Subject) -> list[UserContact]:
    """The caller's contact rows, by channel."""
    rows = await session.scalars(
        select(UserContact)
        .where(UserContact.user_id == subject.user_id)
        .order_by(UserContact.channel)
    )
    return list(rows.all())


async def _row(session: AsyncSession, subject: Subject, channel: str, now: datetime):
    row = await session.scalar(
        select(UserContact)
        .where(UserContact.user_id == subject.user_id, UserContact.channel == channel)
        .with_for_update()
    )
    if row is None:
        row = UserContact(user_id=subject.user_id, channel=channel, created_at=now, updated_at=now)
        session.add(row)
    return row


async def request_code(
    session: AsyncSession,
    *,
    subject: Subject,
    channel: str,
    phone: str,
    settings: Settings,
    now: datetime,
) -> UserContact:
    """Set a new number (pending) and send it a code on that channel."""
    phone = normalize_mobile(phone)
    if phone is None:
        raise Invalid(code="invalid_phone")
    row = await _row(session, subject, channel, now)
    code = f"{secrets.randbelow(10**6):06d}"
    row.pending_phone = phone
    row.code_hash = _hash(settings, subject.user_id, code)
    row.code_expires_at = now + timedelta(minutes=CODE_MINUTES)
    row.code_attempts = 0
    row.updated_at = now
    await session.flush()
    # The code rides in the outbox payload for its ten minutes of life; the channel sends it
    # to the pending number (see channels.sms / channels.zalo).
    await enqueue(
        session,
        event_type=VERIFY_EVENT,
        payload={"code": code, "contact_id": str(row.id)},
        recipient_user_ids=[subject.user_id],
        channels=[channel],
    )
    await record(
        session,
        actor=subject,
        action="contact.code_sent",
        object_type="user_contact",
        object_id=row.id,
        detail={"channel": channel},
    )
    return row


async def verify_code(
    session: AsyncSession,
    *,
    subject: Subject,
    channel: str,
    code: str,
    settings: Settings,
    now: datetime,
) -> UserContact:
    """Make the pending number the one used, if the code matches (5 tries, 10 minutes)."""
    row = await _row(session, subject, channel, now)
    if (
        row.code_hash is None
        or row.pending_phone is None
        or row.code_expires_at is None
        or row.code_expires_at <= now
        or row.code_attempts >= CODE_ATTEMPTS
    ):
        raise Invalid(code="contact_code_expired")
    if not hmac.compare_digest(row.code_hash, _hash(settings, subject.user_id, code)):
        row.code_attempts += 1
        raise Invalid(code="contact_code_invalid", persist=True)
    row.phone, row.verified_at = row.pending_phone, now
    row.pending_phone = row.code_hash = row.code_expires_at = None
    row.updated_at = now
    await record(
        session,
        actor=subject,
        action="contact.verified",
        object_type="user_contact",
        object_id=row.id,
        detail={"channel": channel},
    )
    return row


async def set_muted(
    session: AsyncSession, *, subject: Subject, channel: str, muted: bool, now: datetime
) -> UserContact:
    """Mute or unmute a channel for non-urgent events (urgent ones always get through)."""
    row = await _row(session, subject, channel, now)
    row.muted, row.updated_at = muted, now
    await record(
        session,
        actor=subject,
        action="contact.muted" if muted else "contact.unmuted",
        object_type="user_contact",
        object_id=row.id,
        detail={"channel": channel},
    )
    return row

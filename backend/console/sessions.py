"""Console sign-in sessions: server-side state behind an opaque cookie, and CSRF tokens.

A console session is a ``device`` of kind ``console`` with one ``refresh_token`` row holding the
SHA-256 of the cookie's value: signing out (or revoking the device from the API's device list)
ends it at once, in every process, with no new table.
"""

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend.accounts import auth_service
from backend.core.config import Settings
from backend.core.security import token_digest
from backend.models import Device, RefreshToken, User, utcnow

SESSION_HOURS = 12


@dataclass(frozen=True)
class ConsoleSession:
    user: User
    device_id: uuid.UUID
    token: str
    expires_at_ts: float


async def sign_in(
    session: AsyncSession,
    *,
    phone: str,
    password: str,
    client_ip: str,
    user_agent: str | None,
    settings: Settings,
) -> str:
    """Check the credentials with the API's limits and open a session; returns the cookie value."""
    user = await auth_service.authenticate(
        session, phone=phone, password=password, client_ip=client_ip, settings=settings
    )
    device = await auth_service.bind_device(
        session,
        user=user,
        client_device_id=f"console-{uuid.uuid4().hex}",
        kind="console",
        model=(user_agent or "")[:128] or None,
    )
    raw = secrets.token_urlsafe(32)
    session.add(
        RefreshToken(
            device_id=device.id,
            token_hash=token_digest(raw),
            expires_at=utcnow() + timedelta(hours=SESSION_HOURS),
        )
    )
    return raw


async def resolve(session: AsyncSession, *, token: str | None) -> ConsoleSession | None:
    """The live session a cookie names (None when unknown, expired, revoked or the user is off)."""
    if not token or len(token) > 128:
        return None
    row = (
        await session.execute(
            select(User, Device.id, RefreshToken.expires_at)
            .join(Device, Device.id == RefreshToken.device_id)
            .join(User, User.id == Device.user_id)
            .where(
                RefreshToken.token_hash == token_digest(token),
                RefreshToken.revoked_at.is_(None),
                Device.revoked_at.is_(None),
                Device.kind == "console",
            )
        )
    ).first()
    if row is None:
        return None
    user, device_id, expires_at = row
    if expires_at <= utcnow() or not user.is_active:
        return None
    return ConsoleSession(
        user=user, device_id=device_id, token=token, expires_at_ts=expires_at.timestamp()
    )


async def sign_out(session: AsyncSession, *, current: ConsoleSession) -> None:
    """End the session: the device is revoked (audited by the accounts service)."""
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.device_id == current.device_id)
        .values(revoked_at=utcnow())
    )
    await auth_service.logout(session, user=current.user, device_id=current.device_id)


def csrf_token(settings: Settings, key: str) -> str:
    """The CSRF token bound to a session (or to the anonymous visitor's cookie)."""
    mac = hmac.new(settings.secret_key.encode(), b"console-csrf:" + key.encode(), hashlib.sha256)
    return mac.hexdigest()


def csrf_ok(settings: Settings, key: str | None, sent: str | None) -> bool:
    """Whether the token sent with a form or htmx request belongs to this session."""
    if not key or not sent:
        return False
    return hmac.compare_digest(csrf_token(settings, key), sent)

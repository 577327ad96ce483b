"""Sign-in: password checks with brute-force limits, devices, and rotating refresh tokens."""

import math
import uuid
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defer

from backend.accounts.schemas import TokenPair
from backend.audit.service import record
from backend.core import pii
from backend.core.config import Settings
from backend.core.errors import NotFound, TooManyRequests, Unauthorized
from backend.core.security import (
    create_access_token,
    new_refresh_token,
    normalize_mobile,
    token_digest,
    verify_password_async,
)
from backend.models import Device, LoginAttempt, RefreshToken, User, utcnow


def login_key(phone: str) -> str:
    """The key failures are counted under: E.164 when valid, so 0912… and +84912… share it."""
    return normalize_mobile(phone) or phone.strip().lower()[:32]


async def _retry_after(
    session: AsyncSession, column, value: str, *, limit: int, window: int, now: datetime
) -> int | None:
    since = now - timedelta(seconds=window)
    count, oldest = (
        await session.execute(
            select(func.count(), func.min(LoginAttempt.created_at)).where(
                column == value, LoginAttempt.created_at > since
            )
        )
    ).one()
    if count < limit or oldest is None:
        return None
    if oldest.tzinfo is None:  # aggregate results bypass the column type on SQLite
        oldest = oldest.replace(tzinfo=now.tzinfo)
    return max(1, math.ceil((oldest + timedelta(seconds=window) - now).total_seconds()))


async def check_login_rate(
    session: AsyncSession, *, phone_key: str, client_ip: str, settings: Settings
) -> None:
    """429 with Retry-After when this phone or this address failed too often lately."""
    now = utcnow()
    window = settings.login_window_seconds
    waits = [
        await _retry_after(
            session,
            LoginAttempt.phone_index,
            pii.phone_index(phone_key),
            limit=settings.login_max_failures,
            window=window,
            now=now,
        ),
        await _retry_after(
            session,
            LoginAttempt.client_ip,
            client_ip,
            limit=settings.login_max_failures_per_ip,
            window=window,
            now=now,
        ),
    ]
    wait = max((w for w in waits if w), default=None)
    if wait:
        raise TooManyRequests(headers={"Retry-After": str(wait)}, retry_after=wait)


async def authenticate(
    session: AsyncSession, *, phone: str, password: str, client_ip: str, settings: Settings
) -> User:
    """The user these credentials belong to; failures are recorded and counted."""
    key = login_key(phone)
    await check_login_rate(session, phone_key=key, client_ip=client_ip, settings=settings)
    # Found by the number's blind index; the sealed number itself is not read (raiseload: any
    # use of it here fails loudly), so signing in does not need the phone key.
    user = await session.scalar(
        select(User)
        .options(defer(User.phone, raiseload=True))
        .where(pii.phone_matches(User.phone_index, key))
    )
    # argon2 is slow on purpose (tens of ms of CPU): off the event loop, so fifty sign-ins at
    # once neither stall every other request nor keep a writer's transaction (and SQLite's
    # write lock) open while the loop is busy hashing.
    # Nothing is written yet: end the read-only transaction so its pooled connection serves
    # others while this request waits for a hashing slot (fifty sign-ins held all twenty of
    # a PostgreSQL process's connections and the rest of the phones got 503).
    await session.commit()
    valid = await verify_password_async(
        password, user.password_hash if user else None, wait=settings.auth_hash_wait_seconds
    )
    if not valid or not (user and user.is_active):
        session.add(LoginAttempt(phone_index=pii.phone_index(key), client_ip=client_ip))
        await record(
            session,
            actor=None,
            actor_id=user.id if user else None,
            action="auth.login_failed",
            object_type="user",
            object_id=user.id if user else None,
            detail={"phone": key},
        )
        raise Unauthorized(code="invalid_credentials", persist=True)
    await session.execute(
        delete(LoginAttempt).where(pii.phone_matches(LoginAttempt.phone_index, key))
    )
    return user


async def bind_device(
    session: AsyncSession,
    *,
    user: User,
    client_device_id: str,
    kind: str = "mobile",
    model: str | None = None,
    app_version: str | None = None,
    push_token: str | None = None,
) -> Device:
    """Register (or refresh) the device a user signs in from; a new sign-in starts a new family."""
    device = await session.scalar(
        select(Device).where(Device.user_id == user.id, Device.client_device_id == client_device_id)
    )
    now = utcnow()
    if device is None:
        device = Device(user_id=user.id, client_device_id=client_device_id, kind=kind)
    else:
        await _revoke_tokens(session, device_id=device.id, now=now)
    device.model, device.app_version, device.push_token = model, app_version, push_token
    device.revoked_at = None
    device.last_seen_at = now
    session.add(device)
    await session.flush()
    await record(
        session,
        actor=None,
        actor_id=user.id,
        action="auth.login",
        object_type="device",
        object_id=device.id,
        detail={"kind": kind, "model": model, "app_version": app_version},
    )
    return device


class TokenOwner(Protocol):
    """What a token pair is issued for: a User, or the row of its columns a refresh reads."""

    id: uuid.UUID
    role: str


async def issue_tokens(
    session: AsyncSession, *, user: TokenOwner, device: Device, settings: Settings
) -> tuple[TokenPair, RefreshToken]:
    """A fresh access token and the next refresh token of the device's chain."""
    now = utcnow()
    raw = new_refresh_token()
    link = RefreshToken(
        device_id=device.id,
        token_hash=token_digest(raw),
        expires_at=now + timedelta(days=settings.refresh_token_days),
    )
    session.add(link)
    access = create_access_token(
        secret=settings.secret_key,
        user_id=user.id,
        role=user.role,
        minutes=settings.access_token_minutes,
        device_id=device.id,
        now=now,
    )
    pair = TokenPair(
        access_token=access,
        expires_in=settings.access_token_minutes * 60,
        refresh_token=raw,
        refresh_expires_in=settings.refresh_token_days * 86400,
    )
    return pair, link


async def _revoke_tokens(session: AsyncSession, *, device_id: uuid.UUID, now: datetime) -> None:
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.device_id == device_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )


async def rotate_refresh(
    session: AsyncSession, *, token: str, client_device_id: str | None, settings: Settings
) -> TokenPair:
    """Swap a refresh token for a new pair; a replay outside the grace window burns the family."""
    now = utcnow()
    invalid = Unauthorized(code="invalid_refresh_token")
    link = await session.scalar(
        select(RefreshToken).where(RefreshToken.token_hash == token_digest(token)).with_for_update()
    )
    if link is None or link.revoked_at is not None or link.expires_at <= now:
        raise invalid
    device = await session.get(Device, link.device_id)
    if device is None or device.revoked_at is not None:
        raise invalid
    if device.kind == "mobile" and client_device_id != device.client_device_id:
        raise invalid  # bound to the phone it was issued to
    # The account's columns the new pair needs, not the whole row: its phone is sealed, and a
    # deployment that lost its phone key must still let signed-in phones renew their tokens.
    user = (
        await session.execute(
            select(User.id, User.role, User.is_active).where(User.id == device.user_id)
        )
    ).one_or_none()
    if user is None or not user.is_active:
        raise invalid
    if link.used_at is not None:
        successor = await session.get(RefreshToken, link.replaced_by_id)
        in_grace = (now - link.used_at).total_seconds() <= settings.refresh_reuse_grace_seconds
        if not (in_grace and successor and successor.used_at is None):
            await _revoke_tokens(session, device_id=device.id, now=now)
            device.revoked_at = now
            await record(
                session,
                actor=None,
                actor_id=user.id,
                action="auth.refresh_reused",
                object_type="device",
                object_id=device.id,
            )
            raise Unauthorized(code="refresh_token_reused", persist=True)
        # The phone never saw the successor (its answer was lost): retire it, issue another.
        successor.revoked_at = now
    pair, new_link = await issue_tokens(session, user=user, device=device, settings=settings)
    link.used_at = link.used_at or now
    link.replaced_by_id = new_link.id
    device.last_seen_at = now
    return pair


async def logout(session: AsyncSession, *, user: User, device_id: uuid.UUID | None) -> None:
    """End the session of the device the caller signed in with."""
    if device_id is not None:
        await revoke_device(session, user=user, device_id=device_id)


async def list_devices(session: AsyncSession, *, user: User) -> list[Device]:
    """The user's devices, most recently seen first."""
    rows = await session.scalars(
        select(Device).where(Device.user_id == user.id).order_by(Device.last_seen_at.desc())
    )
    return list(rows.all())


async def revoke_device(session: AsyncSession, *, user: User, device_id: uuid.UUID) -> Device:
    """Sign a device out: its refresh tokens die and its access tokens stop working."""
    device = await session.get(Device, device_id)
    if device is None or device.user_id != user.id:
        raise NotFound()
    now = utcnow()
    await _revoke_tokens(session, device_id=device.id, now=now)
    device.revoked_at = device.revoked_at or now
    await record(
        session,
        actor=None,
        actor_id=user.id,
        action="auth.device_revoked",
        object_type="device",
        object_id=device.id,
    )
    return device

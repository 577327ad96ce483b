"""Passwords, tokens and phone numbers: the primitives behind sign-in."""

import hashlib
import os
import secrets
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import anyio
import jwt
import phonenumbers
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from backend.core.errors import DomainError

_hasher = PasswordHash((Argon2Hasher(),))
JWT_ALGORITHM = "HS256"
# Verified against when a phone is unknown, so a wrong phone costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("timing-equaliser-" + secrets.token_hex(8))
_MOBILE_TYPES = frozenset(
    {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}
)


def hash_password(password: str) -> str:
    """Hash a password with argon2id."""
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    """Check a password in constant-ish time, also when there is no account."""
    if password_hash is None:
        _hasher.verify(password, _DUMMY_HASH)
        return False
    try:
        return _hasher.verify(password, password_hash)
    except Exception:
        return False


# argon2 costs tens of ms of CPU and 64 MiB per hash: at most one per core at a time, in
# worker threads, so the event loop keeps serving (and committing) other requests meanwhile.
_HASHING = anyio.CapacityLimiter(max(1, os.cpu_count() or 1))


# Seconds a client is asked to wait when every hashing slot stayed taken (see HashingBusy).
BUSY_RETRY_AFTER_SECONDS = 5


class HashingBusy(DomainError):
    """Every hashing slot stayed taken for as long as a sign-in may wait: try again soon."""

    status, code = 503, "server_busy"

    def __init__(self) -> None:
        retry = BUSY_RETRY_AFTER_SECONDS
        super().__init__(headers={"Retry-After": str(retry)}, retry_after=retry)


async def _in_hashing_slot(fn, *args, wait: float | None):
    # Fifty phones signing in at once on two cores queue for minutes behind each other; a
    # phone that waited ``wait`` seconds is told to come back (503 + Retry-After) rather than
    # held past its own timeout, which it would answer by retrying into the same queue.
    if wait is None:
        return await anyio.to_thread.run_sync(fn, *args, limiter=_HASHING)
    acquired = False
    with anyio.move_on_after(wait):
        await _HASHING.acquire()
        acquired = True
    if not acquired:
        raise HashingBusy()
    try:
        return await anyio.to_thread.run_sync(fn, *args)
    finally:
        _HASHING.release()


async def verify_password_async(
    password: str, password_hash: str | None, *, wait: float | None = None
) -> bool:
    """``verify_password`` off the event loop, one per core, waiting at most ``wait`` s."""
    return await _in_hashing_slot(verify_password, password, password_hash, wait=wait)


async def hash_password_async(password: str) -> str:
    """``hash_password`` off the event loop, one per core (an administrator's save waits)."""
    return await _in_hashing_slot(hash_password, password, wait=None)


def normalize_phone(raw: str) -> str | None:
    """A Vietnamese number in E.164 (``0912…`` and ``+84912…`` are the same), else None.

    Landlines count (a site board's phone); foreign numbers and extensions do not.
    """
    try:
        number = phonenumbers.parse(raw.strip(), "VN")
    except phonenumbers.NumberParseException:
        return None
    if (
        not phonenumbers.is_valid_number(number)
        or phonenumbers.region_code_for_number(number) != "VN"
        or number.extension  # E.164 would silently drop it
    ):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_mobile(raw: str) -> str | None:
    """A Vietnamese mobile number in E.164, else None: accounts are reached by SMS and Zalo."""
    phone = normalize_phone(raw)
    if phone is None:
        return None
    if phonenumbers.number_type(phonenumbers.parse(phone)) not in _MOBILE_TYPES:
        return None
    return phone


def new_refresh_token() -> str:
    """An opaque, unguessable refresh token (only its hash is stored)."""
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """SHA-256 of a high-entropy token: enough for lookup, useless if the table leaks."""
    return hashlib.sha256(token.encode()).hexdigest()


def create_access_token(
    *,
    secret: str,
    user_id: uuid.UUID,
    role: str,
    minutes: int,
    device_id: uuid.UUID | None = None,
    now: datetime | None = None,
) -> str:
    """A short-lived signed access token."""
    issued = now or datetime.now(UTC)
    claims: dict[str, Any] = {
        "sub": str(user_id),
        "role": role,
        "iat": int(issued.timestamp()),
        "exp": int((issued + timedelta(minutes=minutes)).timestamp()),
        "jti": uuid.uuid4().hex,
        "typ": "access",
    }
    if device_id:
        claims["did"] = str(device_id)
    return jwt.encode(claims, secret, algorithm=JWT_ALGORITHM)


# Tokens whose signature was verified, with their claims: a phone sends the same token for
# up to TTQ_ACCESS_TOKEN_MINUTES, and HMAC verification through PyJWT was a seventh of the
# CPU of a cheap authenticated GET. Only the signature check is remembered: expiry is checked
# on every use, and the account and device are read from the database on every request (so a
# revoked device or a deactivated account is refused at once). Bounded; emptied when full.
_VERIFIED: dict[tuple[str, str], dict[str, Any]] = {}
_VERIFIED_MAX = 4096


def decode_access_token(token: str, *, secret: str) -> dict[str, Any] | None:
    """The claims of a valid access token, or None when it is bad or expired."""
    key = (secret, token)
    claims = _VERIFIED.get(key)
    if claims is not None:
        return claims if claims["exp"] > time.time() else None
    try:
        claims = jwt.decode(
            token, secret, algorithms=[JWT_ALGORITHM], options={"require": ["exp", "sub"]}
        )
    except jwt.PyJWTError:
        return None
    if claims.get("typ") != "access":
        return None
    if len(_VERIFIED) >= _VERIFIED_MAX:
        _VERIFIED.clear()
    _VERIFIED[key] = claims
    return claims

"""Signed one-tap links: ``/l/<token>`` opens the incident in the console.

The token fits in one SMS segment beside the text: 1 byte kind, the 16-byte escalation (or
incident) id, 1 byte recipient index, 4 bytes expiry (hours since the epoch), 8 bytes of
HMAC-SHA256 = 30 bytes, 40 characters of base64url. It grants nothing by itself: the console
still asks the person to sign in; opening it only tells us the message reached them.
"""

import base64
import hashlib
import hmac
import struct
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from backend.core.config import Settings

ESCALATION, INCIDENT = 1, 2
_BODY = struct.Struct(">B16sBI")
MAC_BYTES = 8
TOKEN_CHARS = 40


@dataclass(frozen=True)
class Link:
    kind: int
    object_id: uuid.UUID
    recipient_index: int
    expires_at: datetime


def _key(settings: Settings) -> bytes:
    return hashlib.sha256(b"ttq-one-tap-links:" + settings.secret_key.encode()).digest()


def sign(
    settings: Settings,
    *,
    kind: int,
    object_id: uuid.UUID,
    recipient_index: int,
    now: datetime,
) -> str:
    """The token of a link to an escalation (or incident) for one of its recipients."""
    expires = now + timedelta(hours=settings.notify_link_ttl_hours)
    hours = int(expires.timestamp() // 3600) + 1
    body = _BODY.pack(kind, object_id.bytes, min(recipient_index, 255), hours)
    mac = hmac.new(_key(settings), body, hashlib.sha256).digest()[:MAC_BYTES]
    return base64.urlsafe_b64encode(body + mac).decode().rstrip("=")


def verify(settings: Settings, token: str, *, now: datetime) -> Link | None:
    """The link a token stands for, or None if it is forged, damaged or expired."""
    if len(token) != TOKEN_CHARS:
        return None
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except ValueError:
        return None
    body, mac = raw[: _BODY.size], raw[_BODY.size :]
    good = hmac.new(_key(settings), body, hashlib.sha256).digest()[:MAC_BYTES]
    if len(raw) != _BODY.size + MAC_BYTES or not hmac.compare_digest(mac, good):
        return None
    kind, object_bytes, index, hours = _BODY.unpack(body)
    expires_at = datetime.fromtimestamp(hours * 3600, UTC)
    if kind not in (ESCALATION, INCIDENT) or expires_at <= now:
        return None
    return Link(kind, uuid.UUID(bytes=object_bytes), index, expires_at)


def url_for(settings: Settings, token: str) -> str:
    """The full link as it goes into a text."""
    return f"{settings.notify_public_base_url.rstrip('/')}/l/{token}"


def link_for_recipient(
    settings: Settings, *, payload: dict, recipients: list[str], user_id: str, now: datetime
) -> str | None:
    """The one-tap link of an event for one recipient (None if the event names no incident)."""
    target = payload.get("escalation_id"), ESCALATION
    if not target[0]:
        target = payload.get("incident_id"), INCIDENT
    try:
        object_id = uuid.UUID(str(target[0]))
    except ValueError:
        return None
    ordered = sorted(set(recipients))
    index = ordered.index(user_id) if user_id in ordered else 255
    token = sign(settings, kind=target[1], object_id=object_id, recipient_index=index, now=now)
    return url_for(settings, token)

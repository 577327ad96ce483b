"""Webhook signatures: HMAC-SHA256 over ``<timestamp>.<body>``, sent as
``X-TTQ-Signature: t=<unix seconds>,v1=<hex>``.

Receivers can copy this file (it needs only the standard library) and call `verify`.
"""

import hashlib
import hmac
import time

SIGNATURE_HEADER = "X-TTQ-Signature"
EVENT_ID_HEADER = "X-TTQ-Event-Id"
EVENT_TYPE_HEADER = "X-TTQ-Event-Type"
ATTEMPT_HEADER = "X-TTQ-Delivery-Attempt"
DEFAULT_TOLERANCE_SECONDS = 300


class SignatureError(ValueError):
    """The signature is missing, malformed, wrong, or outside the replay window."""


def _key(secret: str | bytes) -> bytes:
    return secret.encode() if isinstance(secret, str) else secret


def compute(secret: str | bytes, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of ``<timestamp>.<body>``."""
    message = str(timestamp).encode() + b"." + body
    return hmac.new(_key(secret), message, hashlib.sha256).hexdigest()


def sign(secret: str | bytes, body: bytes, *, timestamp: int | None = None) -> str:
    """The value of the signature header for a body sent now (or at ``timestamp``)."""
    t = int(time.time()) if timestamp is None else int(timestamp)
    return f"t={t},v1={compute(secret, t, body)}"


def _parse(header: str) -> tuple[int, list[str]]:
    timestamp: int | None = None
    signatures: list[str] = []
    for part in header.split(","):
        key, sep, value = part.strip().partition("=")
        if not sep:
            continue
        if key == "t":
            try:
                timestamp = int(value)
            except ValueError:
                raise SignatureError("bad timestamp") from None
        elif key == "v1":
            signatures.append(value)
    if timestamp is None or not signatures:
        raise SignatureError("malformed signature header")
    return timestamp, signatures


def verify(
    secret: str | bytes,
    body: bytes,
    header: str | None,
    *,
    tolerance: int = DEFAULT_TOLERANCE_SECONDS,
    now: float | None = None,
) -> int:
    """Check a signature header against the raw body; return its timestamp or raise.

    A request signed more than ``tolerance`` seconds ago (or ahead) is refused, so a captured
    request cannot be replayed later; within the window, de-duplicate on X-TTQ-Event-Id.
    Several ``v1=`` values may be present (secret rotation): one match is enough.
    """
    if not header:
        raise SignatureError("missing signature header")
    timestamp, signatures = _parse(header)
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        raise SignatureError("timestamp outside the tolerance window")
    expected = compute(secret, timestamp, body)
    if not any(hmac.compare_digest(expected, s) for s in signatures):
        raise SignatureError("signature mismatch")
    return timestamp

"""Delivery receipts from SMS providers: the callback URL we hand out, and recording a receipt.

eSMS calls back the ``CallbackUrl`` given with each message (HTTP GET, query parameters);
that URL carries ``sig``, an HMAC of our RequestId, so a receipt cannot be forged for a
message we did not send. SpeedSMS posts JSON reports to one URL set in its dashboard; that
URL carries the shared ``secret``. A receipt only annotates the delivery (``receipt_status``):
the provider accepting the message already made it "delivered" for retry purposes.
"""

import hashlib
import hmac
import json
from datetime import datetime
from urllib.parse import urlencode

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from backend.core.config import Settings
from backend.models.notification import NotificationDelivery
from backend.notifications.channels import names

# eSMS SendStatus: 5 = sent successfully, 4 = rejected; 1, 2, 7 are not final.
ESMS_FINAL = {"5": "delivered", "4": "failed"}


def _key(settings: Settings) -> bytes:
    secret = settings.notify_receipt_secret or ("ttq-receipts:" + settings.secret_key)
    return hashlib.sha256(secret.encode()).digest()


def signature(settings: Settings, provider: str, reference: str) -> str:
    """The signature of one message's callback."""
    mac = hmac.new(_key(settings), f"{provider}:{reference}".encode(), hashlib.sha256)
    return mac.hexdigest()[:32]


def shared_secret(settings: Settings, provider: str) -> str:
    """The secret of a provider's fixed callback URL (what to paste in its dashboard)."""
    return signature(settings, provider, "*")


def callback_url(settings: Settings, provider: str, reference: str) -> str:
    """Where the provider reports on one message."""
    base = settings.notify_public_base_url.rstrip("/")
    query = urlencode({"sig": signature(settings, provider, reference)})
    return f"{base}/api/v1/notifications/receipts/{provider}?{query}"


def valid(settings: Settings, provider: str, *, reference: str | None, sig: str | None) -> bool:
    """A signed per-message callback, or the provider's shared secret."""
    if not sig:
        return False
    if reference and hmac.compare_digest(sig, signature(settings, provider, reference)):
        return True
    return hmac.compare_digest(sig, shared_secret(settings, provider))


def esms_outcome(params: dict[str, str]) -> tuple[str | None, str | None]:
    """(reference, status) of an eSMS callback; status None while not final."""
    status = ESMS_FINAL.get(str(params.get("SendStatus", "")))
    if status == "delivered" and str(params.get("SendFailed", "0")) not in ("", "0"):
        status = "failed"
    return params.get("RequestId") or None, status


def speedsms_outcome(body: dict) -> tuple[str | None, str | None]:
    """(reference, status) of a SpeedSMS report: status 0 is delivered, others failed."""
    if body.get("type") != "report" or body.get("tranId") in (None, ""):
        return None, None
    status = body.get("status")
    if status is None:
        return str(body["tranId"]), None
    return str(body["tranId"]), "delivered" if str(status) == "0" else "failed"


async def record(
    session: AsyncSession, *, channel: str, reference: str, status: str, now: datetime
) -> int:
    """Put the receipt on the delivery (or deliveries) the provider's reference names."""
    result = await session.execute(
        update(NotificationDelivery)
        .where(
            NotificationDelivery.channel == channel,
            NotificationDelivery.provider_ref == reference,
        )
        .values(receipt_status=status, receipt_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def zalo_signature_valid(settings: Settings, *, raw: bytes, header: str | None) -> bool:
    """Zalo OA webhooks: X-ZEvent-Signature is mac=sha256(app_id + body + timestamp + OA key)."""
    if not settings.zalo_oa_secret_key or not header:
        return False
    try:
        body = json.loads(raw)
    except ValueError:
        return False
    if not isinstance(body, dict) or str(body.get("app_id", "")) != (settings.zalo_app_id or ""):
        return False
    signed = (
        str(body.get("app_id", "")).encode()
        + raw
        + str(body.get("timestamp", "")).encode()
        + settings.zalo_oa_secret_key.encode()
    )
    supplied = header.strip().removeprefix("mac=").strip().lower()
    return hmac.compare_digest(supplied, hashlib.sha256(signed).hexdigest())


def zalo_outcome(body: dict) -> tuple[str | None, str | None]:
    """(msg_id, status) of an OA webhook event: only ZNS receipts count."""
    if body.get("event_name") != "user_received_message":
        return None, None
    message = body.get("message") or {}
    msg_id = message.get("msg_id") if isinstance(message, dict) else None
    return (str(msg_id), "delivered") if msg_id else (None, None)


CHANNEL_OF = {"esms": names.SMS, "speedsms": names.SMS, "zalo": names.ZALO}

"""Zalo Notification Service (ZNS): an approved template message to a Zalo-linked phone.

``POST {zalo_api_url}/message/template`` with the OA's ``access_token`` header and
``{phone: "84…", template_id, template_data, tracking_id}``; success is ``error == 0`` with
``data.msg_id``. Template data carry only what the approved template shows: the incident's
short code, its severity, the deadline and the one-tap link; never names or addresses.
"""

import contextlib
import fnmatch
import uuid
from datetime import datetime

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.core.clock import LOCAL_TZ
from backend.core.config import Settings
from backend.models import User, utcnow
from backend.notifications import links
from backend.notifications.channels import names
from backend.notifications.channels.base import (
    EventEnvelope,
    PermanentError,
    RetryableError,
    TargetGone,
)
from backend.notifications.channels.util import active_user_ids
from backend.notifications.contacts import VERIFY_EVENT, reach_phone, verification_phone
from backend.notifications.zalo_tokens import ZaloTokens

# From Zalo's ZNS error table. Target gone: this phone cannot get ZNS (the next fallback step
# takes over). Retryable: Zalo's own trouble, rate or sending-hours limits. Anything else
# negative (bad template, data, app or OA permissions, balance) is permanent.
TARGET_GONE = {
    -108: "phone number invalid",
    -110: "recipient's Zalo version cannot show ZNS",
    -114: "user inactive, refused the message or outdated Zalo",
    -118: "no Zalo account for this phone, or it is disabled",
    -119: "this account cannot receive ZNS",
    -139: "user refused this kind of ZNS",
}
RETRYABLE = {
    -100: "Zalo application error",
    -32: "request rate exceeded",
    -133: "outside the hours ZNS may be sent",
    -144: "OA's daily quota used up",
}
TOKEN_REJECTED = -124


def zns_phone(e164: str) -> str:
    """ZNS wants the country code without '+': 84912345678."""
    return e164.lstrip("+")


def template_for(settings: Settings, event_type: str) -> str | None:
    """The approved template id of an event type (first matching glob)."""
    for pattern, template_id in settings.zalo_template_ids.items():
        if fnmatch.fnmatchcase(event_type, pattern):
            return template_id
    return None


def template_data(event: EventEnvelope, link: str | None) -> dict[str, str]:
    """The template's parameters: coarse facts and the link only."""
    payload = event.payload
    code = str(payload.get("incident_id") or event.id)[:8].upper()
    data = {"ma_vu_viec": code, "muc_do": str(payload.get("severity", ""))}
    deadline = payload.get("deadline_at")
    if isinstance(deadline, str):
        with contextlib.suppress(ValueError):
            data["han_xac_nhan"] = (
                datetime.fromisoformat(deadline).astimezone(LOCAL_TZ).strftime("%H:%M %d/%m")
            )
    if link:
        data["lien_ket"] = link
    return data


class ZnsClient:
    """The ZNS HTTP API with error codes mapped to the dispatcher's outcomes."""

    def __init__(self, settings: Settings, http: httpx.AsyncClient, tokens: ZaloTokens):
        self._settings = settings
        self._http = http
        self.tokens = tokens

    async def send(self, *, phone: str, template_id: str, data: dict, tracking_id: str) -> str:
        """Send one template message; returns Zalo's msg_id."""
        body = {
            "phone": zns_phone(phone),
            "template_id": template_id,
            "template_data": data,
            "tracking_id": tracking_id,
        }
        if self._settings.zalo_development_mode:
            body["mode"] = "development"
        token = await self.tokens.access_token()
        answer = await self._post(body, token)
        if answer.get("error") == TOKEN_REJECTED:  # revoked or expired early: refresh once
            answer = await self._post(body, await self.tokens.after_rejection(token))
        code = answer.get("error")
        if code == 0:
            return str((answer.get("data") or {}).get("msg_id") or "")
        message = f"zns {code}: {answer.get('message', '')}"[:500]
        if code in TARGET_GONE:
            raise TargetGone(message)
        if code in RETRYABLE or code == TOKEN_REJECTED:
            raise RetryableError(message)
        raise PermanentError(message)

    async def _post(self, body: dict, token: str) -> dict:
        url = f"{self._settings.zalo_api_url.rstrip('/')}/message/template"
        try:
            response = await self._http.post(url, json=body, headers={"access_token": token})
        except httpx.HTTPError as exc:
            raise RetryableError(f"zns: {type(exc).__name__}") from None
        if response.status_code >= 500 or response.status_code == 429:
            raise RetryableError(f"zns: HTTP {response.status_code}")
        try:
            answer = response.json()
        except ValueError:
            raise RetryableError(f"zns: HTTP {response.status_code}, not JSON") from None
        if not isinstance(answer, dict):
            raise PermanentError("zns: unexpected answer")
        return answer


class ZaloChannel:
    """One ZNS per recipient user, to their verified Zalo phone (else their sign-in phone)."""

    name = names.ZALO

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        settings: Settings,
        client: ZnsClient,
    ) -> None:
        self._sessions = session_factory
        self._settings = settings
        self.client = client

    async def targets(self, session: AsyncSession, event: EventEnvelope) -> list[str]:
        if template_for(self._settings, event.type) is None:
            return []
        return [str(u) for u in await active_user_ids(session, event.recipient_user_ids)]

    async def deliver(self, event: EventEnvelope, target: str) -> str:
        template_id = template_for(self._settings, event.type)
        if template_id is None:
            raise PermanentError(f"no ZNS template for {event.type}")
        async with self._sessions() as session:
            user = await session.get(User, uuid.UUID(target))
            if user is None or not user.is_active:
                raise TargetGone("user gone or disabled")
            if event.type == VERIFY_EVENT:
                phone = await verification_phone(session, event_payload=event.payload, user=user)
                return await self.client.send(
                    phone=phone,
                    template_id=template_id,
                    data={"otp": str(event.payload.get("code", ""))},
                    tracking_id=f"{event.id.hex}{uuid.UUID(target).hex[:16]}",
                )
            phone = await reach_phone(session, user=user, channel=names.ZALO)
        link = links.link_for_recipient(
            self._settings,
            payload=event.payload,
            recipients=list(event.recipient_user_ids),
            user_id=target,
            now=utcnow(),
        )
        # tracking_id (max 48): the same for every retry of this event to this person.
        tracking = f"{event.id.hex}{uuid.UUID(target).hex[:16]}"
        return await self.client.send(
            phone=phone,
            template_id=template_id,
            data=template_data(event, link),
            tracking_id=tracking,
        )

"""Reaching people outside the app: one-tap links, provider receipts, the caller's numbers."""

import json
from typing import Annotated

from fastapi import Body, Depends, Query, Request, status
from fastapi.responses import RedirectResponse

from backend.audit.service import record
from backend.core.config import Settings
from backend.core.db import SessionDep
from backend.core.errors import Forbidden, Invalid, NotFound
from backend.core.pagination import Page, PageDep, page_of
from backend.core.routing import GuardedRouter
from backend.models import utcnow
from backend.notifications import contacts_service, fallback, links, messages, receipts
from backend.notifications.channels.names import MutableChannel, PhoneChannel
from backend.notifications.schemas_contacts import ContactRead, MuteIn, PhoneIn, VerifyIn
from backend.policy.deps import CurrentSubject

assert messages.CHANNEL_TITLES  # problem titles registered before any route answers
router = GuardedRouter(tags=["notifications"])


def _settings(request: Request) -> Settings:
    return request.app.state.settings


SettingsDep = Annotated[Settings, Depends(_settings)]


@router.get("/l/{token}", include_in_schema=False)
async def open_link(session: SessionDep, settings: SettingsDep, token: str):
    """A one-tap link from a Zalo or SMS text: stop the opener's fallback chain, then show the
    incident in the console (which asks for sign-in itself if needed)."""
    now = utcnow()
    link = links.verify(settings, token, now=now)
    target = await fallback.link_target(session, link) if link is not None else None
    if target is None:
        raise NotFound(code="link_invalid")
    incident_id, escalation_id, user_id = target
    if escalation_id is not None and user_id is not None:
        stopped = await fallback.stop_chain(
            session, key=str(escalation_id), user_id=user_id, now=now, reason="link opened"
        )
        await record(
            session,
            actor=None,
            actor_id=user_id,
            action="notification.link_opened",
            object_type="escalation",
            object_id=escalation_id,
            detail={"steps_stopped": stopped},
        )
    return RedirectResponse(f"/incidents/{incident_id}", status_code=status.HTTP_303_SEE_OTHER)


@router.api_route(
    "/api/v1/notifications/receipts/esms", methods=["GET", "POST"], include_in_schema=False
)
async def esms_receipt(request: Request, session: SessionDep, settings: SettingsDep):
    """eSMS reports a message's final status (query parameters, signed per message)."""
    params = dict(request.query_params)
    reference, outcome = receipts.esms_outcome(params)
    if not receipts.valid(settings, "esms", reference=reference, sig=params.get("sig")):
        raise Forbidden(code="receipt_refused")
    matched = 0
    if reference and outcome:
        matched = await receipts.record(
            session, channel="sms", reference=reference, status=outcome, now=utcnow()
        )
    return {"received": True, "matched": matched}


@router.post("/api/v1/notifications/receipts/speedsms", include_in_schema=False)
async def speedsms_receipt(
    session: SessionDep,
    settings: SettingsDep,
    body: Annotated[dict, Body()],
    secret: Annotated[str | None, Query()] = None,
):
    """SpeedSMS delivery report (JSON), to the URL with the shared secret."""
    if not receipts.valid(settings, "speedsms", reference=None, sig=secret):
        raise Forbidden(code="receipt_refused")
    reference, outcome = receipts.speedsms_outcome(body)
    matched = 0
    if reference and outcome:
        matched = await receipts.record(
            session, channel="sms", reference=reference, status=outcome, now=utcnow()
        )
    return {"received": True, "matched": matched}


@router.post("/api/v1/notifications/receipts/zalo", include_in_schema=False)
async def zalo_receipt(request: Request, session: SessionDep, settings: SettingsDep):
    """The Zalo OA webhook: a ZNS reached the phone (user_received_message), signed by Zalo."""
    raw = await request.body()
    header = request.headers.get("X-ZEvent-Signature")
    if not receipts.zalo_signature_valid(settings, raw=raw, header=header):
        raise Forbidden(code="receipt_refused")
    reference, outcome = receipts.zalo_outcome(json.loads(raw))
    matched = 0
    if reference and outcome:
        matched = await receipts.record(
            session, channel="zalo", reference=reference, status=outcome, now=utcnow()
        )
    return {"received": True, "matched": matched}


@router.get("/api/v1/me/contacts", name="me-contacts-list", response_model=Page[ContactRead])
async def list_contacts(session: SessionDep, subject: CurrentSubject, page: PageDep):
    """The numbers you are reached on outside the app, and what you muted."""
    rows = [
        ContactRead.model_validate(c)
        for c in await contacts_service.contacts_of(session, subject=subject)
    ]
    return page_of(rows, cursor=page.cursor, limit=page.limit, key=lambda c: (c.channel, str(c.id)))


def _available(settings: Settings, channel: str) -> None:
    configured = {
        "zalo": bool(settings.zalo_app_id and settings.zalo_app_secret),
        "sms": settings.notify_sms_provider != "none",
    }
    if not configured.get(channel, False):
        raise Invalid(code="contact_channel_unavailable")


@router.put(
    "/api/v1/me/contacts/{channel}",
    name="me-contacts-set",
    response_model=ContactRead,
    status_code=status.HTTP_202_ACCEPTED,
)
async def set_contact(
    session: SessionDep,
    subject: CurrentSubject,
    settings: SettingsDep,
    channel: PhoneChannel,
    body: PhoneIn,
):
    """Choose the number to be reached on for a channel; a code is sent to it to verify it
    (the number in use changes only once the code comes back)."""
    _available(settings, channel)
    return await contacts_service.request_code(
        session,
        subject=subject,
        channel=channel,
        phone=body.phone,
        settings=settings,
        now=utcnow(),
    )


@router.post(
    "/api/v1/me/contacts/{channel}/verify", name="me-contacts-verify", response_model=ContactRead
)
async def verify_contact(
    session: SessionDep,
    subject: CurrentSubject,
    settings: SettingsDep,
    channel: PhoneChannel,
    body: VerifyIn,
):
    """Send back the code received on the new number to start using it."""
    return await contacts_service.verify_code(
        session, subject=subject, channel=channel, code=body.code, settings=settings, now=utcnow()
    )


@router.put(
    "/api/v1/me/contacts/{channel}/mute", name="me-contacts-mute", response_model=ContactRead
)
async def mute_contact(
    session: SessionDep, subject: CurrentSubject, channel: MutableChannel, body: MuteIn
):
    """Mute a channel for routine events; urgent escalations still come through."""
    return await contacts_service.set_muted(
        session, subject=subject, channel=channel, muted=body.muted, now=utcnow()
    )

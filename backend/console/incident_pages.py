"""The incident page (`/incidents/{id}`) and what can be done from it, through the incidents
services and the policy layer, exactly as the API does (out of scope = the 404 page)."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from backend.console.web import ConsoleRoute, CurrentConsole, render, safe_next
from backend.core.db import SessionDep
from backend.core.errors import Forbidden, Invalid, NotFound
from backend.escalations.service import history
from backend.escalations.targets import path_ids
from backend.incidents import attachments, conversation, timeline, transitions, workflow
from backend.incidents.attachments_router import _withheld
from backend.incidents.sealing import sealer_for
from backend.incidents.storage import storage_for
from backend.incidents.views import render as render_incident
from backend.models import AdminUnit, BoardingHouse, utcnow
from backend.models.incident import Incident, IncidentAttachment, IncidentCategory
from backend.policy import authorize, get_visible
from backend.teams.jurisdictions import liaisons_for

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
ASKERS = ("police_liaison", "union_officer", "city_union_officer")
OUTCOMES = ("handled", "referred", "no_action_needed", "unfounded", "other")


async def _incident(session, console, incident_id: uuid.UUID, *, lock: bool = False) -> Incident:
    incident = await get_visible(session, console.subject, Incident, incident_id)
    if lock:  # two officers acting at once are serialised, as in the API
        await session.refresh(incident, with_for_update=True)
    return incident


async def _hand_on_targets(session, console, incident: Incident) -> dict:
    """Colleagues of the incident's ward and site, and the units up the admin tree."""
    people: dict[uuid.UUID, str] = {}
    places = [{"admin_unit_id": incident.admin_unit_id}]
    if incident.site_id:
        places.append({"site_id": incident.site_id})
    for place in places:
        for user in await liaisons_for(session, **place):
            if user.id != console.user.id:
                people[user.id] = user.full_name
    ward = await session.get(AdminUnit, incident.admin_unit_id)
    ids = path_ids(ward.path) if ward else []
    units = (await session.scalars(select(AdminUnit).where(AdminUnit.id.in_(ids)))).all()
    by_id = {u.id: u.name for u in units}
    return {"people": people, "units": [(i, by_id[i]) for i in reversed(ids) if i in by_id]}


def _uuid_or_none(raw: str | None) -> uuid.UUID | None:
    if not raw or not raw.strip():
        return None
    try:
        return uuid.UUID(raw.strip())
    except ValueError:
        raise Invalid(code="validation_error") from None


async def incident_context(request: Request, session, console, incident: Incident) -> dict:
    """Everything the incident page shows, in the caller's view (persons reads are audited)."""
    settings = request.app.state.settings
    sealer = sealer_for(settings)
    options = await transitions.options_for(
        session, incident=incident, subject=console.subject, sealer=sealer
    )
    view = await render_incident(
        session,
        incident=incident,
        subject=console.subject,
        sealer=sealer,
        allowed_transitions=options,
    )
    category = await session.get(IncidentCategory, incident.category)
    house = await session.get(BoardingHouse, incident.house_id) if incident.house_id else None
    lat, lon = incident.lat, incident.lon
    if lat is None and house is not None:
        lat, lon = house.lat, house.lon
    withheld = await _withheld(session, incident, console.subject, sealer)
    hand_on = (
        await _hand_on_targets(session, console, incident)
        if any(o["action"] == "hand_on" for o in options)
        else None
    )
    photos = await attachments.list_attachments(session, incident)
    return {
        "incident": view,
        "category": category,
        "house": house,
        "lat": lat,
        "lon": lon,
        "photos": photos,
        "photos_withheld": withheld,
        "entries": await timeline.entries(session, incident=incident, after_id=None, limit=500),
        "escalations": await history(session, incident),
        "actions": [
            (o["action"], sorted(workflow.TRANSITIONS[o["action"]].needs)) for o in options
        ],
        "outcomes": OUTCOMES,
        "hand_on": hand_on,
        "can_reveal": incident.protect_reporter
        and console.subject.role in ("police_liaison", "system_admin"),
        "can_ask": console.subject.role
        in ("police_liaison", "union_officer", "city_union_officer"),
    }


@router.get("/incidents/{incident_id}", name="console-incident")
async def incident_page(
    request: Request, session: SessionDep, console: CurrentConsole, incident_id: uuid.UUID
):
    """The full incident in the caller's view: map, photos, persons, timeline, actions."""
    incident = await _incident(session, console, incident_id)
    return render(
        request, "incident.html", await incident_context(request, session, console, incident)
    )


@router.post("/incidents/{incident_id}/act", name="console-incident-act")
async def act(
    request: Request,
    session: SessionDep,
    console: CurrentConsole,
    incident_id: uuid.UUID,
    action: Annotated[str, Form(max_length=32)],
    comment: Annotated[str | None, Form(max_length=4000)] = None,
    outcome: Annotated[str | None, Form(max_length=32)] = None,
    outcome_note: Annotated[str | None, Form(max_length=2000)] = None,
    duplicate_of_id: Annotated[str | None, Form(max_length=64)] = None,
    target_user_id: Annotated[str | None, Form(max_length=64)] = None,
    target_admin_unit_id: Annotated[str | None, Form(max_length=64)] = None,
    next: Annotated[str | None, Form(max_length=2000)] = None,
):
    """One workflow move (acknowledge, start, resolve, close, hand on, reject, duplicate…)."""
    incident = await _incident(session, console, incident_id, lock=True)
    authorize(console.subject, "incident.transition")
    if action not in workflow.TRANSITIONS or (outcome and outcome not in OUTCOMES):
        raise Invalid(code="validation_error")
    settings = request.app.state.settings
    sealer = sealer_for(settings)
    await transitions.apply(
        session,
        incident=incident,
        actor=transitions.actor_for(console.subject, incident, sealer),
        action=action,
        sealer=sealer,
        settings=settings,
        now=utcnow(),
        comment=(comment or "").strip() or None,
        outcome=outcome or None,
        outcome_note=(outcome_note or "").strip() or None,
        duplicate_of_id=_uuid_or_none(duplicate_of_id),
        target_user_id=_uuid_or_none(target_user_id),
        target_admin_unit_id=_uuid_or_none(target_admin_unit_id),
    )
    return RedirectResponse(safe_next(next or f"/incidents/{incident.id}"), status_code=303)


@router.post("/incidents/{incident_id}/comment", name="console-incident-comment")
async def add_comment(
    request: Request,
    session: SessionDep,
    console: CurrentConsole,
    incident_id: uuid.UUID,
    text: Annotated[str, Form(min_length=1, max_length=4000)],
    kind: Annotated[str, Form(max_length=16)] = "comment",
):
    """A comment on the timeline, or a question the reporter's phone receives."""
    incident = await _incident(session, console, incident_id, lock=True)
    sealer = sealer_for(request.app.state.settings)
    actor = transitions.actor_for(console.subject, incident, sealer)
    if kind == "question":
        authorize(console.subject, "incident.ask_reporter")
        await conversation.ask_reporter(
            session, incident=incident, actor=actor, text=text, sealer=sealer, now=utcnow()
        )
    else:
        authorize(console.subject, "incident.comment")
        await conversation.comment(
            session, incident=incident, actor=actor, text=text, reply_to_id=None, now=utcnow()
        )
    return RedirectResponse(f"/incidents/{incident.id}", status_code=303)


@router.post("/incidents/{incident_id}/reveal", name="console-incident-reveal")
async def reveal(
    request: Request,
    session: SessionDep,
    console: CurrentConsole,
    incident_id: uuid.UUID,
    reason: Annotated[str, Form(min_length=5, max_length=1000)],
):
    """Break-glass: the identity is shown on this one answer (never stored in a page or link);
    the reveal is audited and written on the timeline."""
    incident = await _incident(session, console, incident_id, lock=True)
    reporter = await conversation.reveal_reporter(
        session,
        incident=incident,
        subject=console.subject,
        reason=reason.strip(),
        sealer=sealer_for(request.app.state.settings),
        now=utcnow(),
    )
    ctx = await incident_context(request, session, console, incident)
    ctx["revealed"] = reporter
    return render(request, "incident.html", ctx)


@router.get("/incidents/{incident_id}/photos/{attachment_id}", name="console-incident-photo")
async def photo(
    request: Request,
    session: SessionDep,
    console: CurrentConsole,
    incident_id: uuid.UUID,
    attachment_id: uuid.UUID,
):
    """A photo's bytes for the page, with the API's rules: withheld views get 403; audited."""
    incident = await _incident(session, console, incident_id)
    settings = request.app.state.settings
    sealer = sealer_for(settings)
    row = await session.scalar(
        select(IncidentAttachment).where(
            IncidentAttachment.id == attachment_id, IncidentAttachment.incident_id == incident.id
        )
    )
    if row is None:
        raise NotFound()
    if await _withheld(session, incident, console.subject, sealer):
        raise Forbidden()
    await timeline.audit(
        session,
        actor=transitions.actor_for(console.subject, incident, sealer),
        action="incident.attachment.read",
        incident=incident,
        detail={"attachment_id": str(row.id)},
    )
    storage = storage_for(settings)
    url = await storage.download_url(
        row.storage_key, content_type=row.content_type, filename=f"{row.id}"
    )
    if url:  # S3: the bucket is another host, so the page cannot embed it; the link opens it
        return RedirectResponse(url, status_code=307)
    return Response(content=await storage.get(row.storage_key), media_type=row.content_type)

"""Acting on an incident: transitions, timeline, comments, questions, break-glass, escalations."""

from typing import Annotated

from fastapi import APIRouter

from backend.core.db import SessionDep
from backend.core.etag import IfMatchOptional, check_if_match, etag_for
from backend.core.idempotency import Idempotency, idempotent
from backend.core.pagination import Page, PageDep, decode_keys, encode_cursor, page_of, stamp
from backend.escalations.service import history
from backend.incidents import conversation, timeline, transitions
from backend.incidents.deps import LockedIncident, SealerDep, SettingsDep, VisibleIncident
from backend.incidents.router_common import incident_state
from backend.incidents.schemas import (
    CommentIn,
    EscalationRead,
    IncidentState,
    QuestionIn,
    RevealIn,
    RevealOut,
    TimelineEntryRead,
    TransitionIn,
)
from backend.models import utcnow
from backend.notifications import fallback
from backend.policy import Subject
from backend.policy.deps import allowed

router = APIRouter(prefix="/api/v1/incidents/{incident_id}", tags=["incidents"])
Idem = Annotated[Idempotency, idempotent()]
Transitioner = Annotated[Subject, allowed("incident.transition")]
Commenter = Annotated[Subject, allowed("incident.comment")]
Asker = Annotated[Subject, allowed("incident.ask_reporter")]
GlassBreaker = Annotated[Subject, allowed("incident.break_glass")]


def _entry(entry) -> TimelineEntryRead:
    return TimelineEntryRead.model_validate(entry, from_attributes=True)


@router.post("/transitions", name="incidents-transition", response_model=IncidentState)
async def transition(
    session: SessionDep,
    incident: LockedIncident,  # scope first: outsiders get 404, not 403
    subject: Transitioner,
    sealer: SealerDep,
    settings: SettingsDep,
    body: TransitionIn,
    idem: Idem,
    if_match: IfMatchOptional = None,
):
    """Move an incident along its workflow (tiếp nhận, chuyển công an, đóng). An illegal move
    answers 409 `invalid_transition`
    with `allowed_transitions`. If-Match is optional here and checked when sent; a retry with
    the same Idempotency-Key gets the first answer again."""
    if idem.replay:
        return idem.replay
    if if_match:
        check_if_match(if_match, incident.version)
    await transitions.apply(
        session,
        incident=incident,
        actor=transitions.actor_for(subject, incident, sealer),
        sealer=sealer,
        settings=settings,
        now=utcnow(),
        **body.model_dump(),
    )
    state = await incident_state(session, incident, subject, sealer)
    return await idem.respond(session, state, headers={"ETag": etag_for(incident.version)})


@router.get("/timeline", name="incidents-timeline", response_model=Page[TimelineEntryRead])
async def get_timeline(session: SessionDep, incident: VisibleIncident, page: PageDep):
    """Everything that happened to the incident, oldest first."""
    after = decode_keys(page.cursor, int)
    rows = await timeline.entries(
        session, incident=incident, after_id=after[0] if after else None, limit=page.limit + 1
    )
    more = len(rows) > page.limit
    rows = rows[: page.limit]
    return Page(
        items=[TimelineEntryRead.model_validate(r, from_attributes=True) for r in rows],
        next_cursor=encode_cursor([rows[-1].id]) if more else None,
    )


@router.post(
    "/comments", name="incidents-comment", response_model=TimelineEntryRead, status_code=201
)
async def add_comment(
    session: SessionDep,
    incident: LockedIncident,  # scope first: outsiders get 404, not 403
    subject: Commenter,
    sealer: SealerDep,
    body: CommentIn,
    idem: Idem,
):
    """Comment; the reporter answers a question by naming it in `reply_to_id`."""
    if idem.replay:
        return idem.replay
    entry = await conversation.comment(
        session,
        incident=incident,
        actor=transitions.actor_for(subject, incident, sealer),
        text=body.text,
        reply_to_id=body.reply_to_id,
        now=utcnow(),
    )
    return await idem.respond(session, _entry(entry), status_code=201)


@router.post(
    "/questions", name="incidents-ask-reporter", response_model=TimelineEntryRead, status_code=201
)
async def ask_reporter(
    session: SessionDep,
    incident: LockedIncident,  # scope first: outsiders get 404, not 403
    subject: Asker,
    sealer: SealerDep,
    body: QuestionIn,
    idem: Idem,
):
    """Ask the reporter for more; their phone receives it (event `incident.question`)."""
    if idem.replay:
        return idem.replay
    entry = await conversation.ask_reporter(
        session,
        incident=incident,
        actor=transitions.actor_for(subject, incident, sealer),
        text=body.text,
        sealer=sealer,
        now=utcnow(),
    )
    return await idem.respond(session, _entry(entry), status_code=201)


@router.post("/reveal-reporter", name="incidents-reveal-reporter", response_model=RevealOut)
async def reveal_reporter(
    session: SessionDep,
    incident: LockedIncident,  # scope first: outsiders get 404, not 403
    subject: GlassBreaker,
    sealer: SealerDep,
    body: RevealIn,
):
    """Break-glass: reveal a protected reporter's identity (người báo tin), with a written reason
    (audited, and
    shown on the timeline). Deliberately not idempotent: every reveal is its own record, and
    no copy of the identity is kept for replays."""
    now = utcnow()
    reporter = await conversation.reveal_reporter(
        session, incident=incident, subject=subject, reason=body.reason, sealer=sealer, now=now
    )
    return RevealOut(incident_id=incident.id, reporter=reporter, revealed_at=now)


@router.get("/escalations", name="incidents-escalations", response_model=Page[EscalationRead])
async def list_escalations(session: SessionDep, incident: VisibleIncident, page: PageDep):
    """Escalations (chuyển công an / vượt cấp): who was told, when, by which deadline, and what
    became of it; with each recipient's fallback chain (push, Zalo, SMS) and where it stands."""
    escalations = await history(session, incident)
    chains = await fallback.chains_for(session, [str(e.id) for e in escalations])
    rows = [
        EscalationRead(
            **EscalationRead.model_validate(e, from_attributes=True).model_dump(exclude={"chains"}),
            chains=fallback.chain_view(chains.get(str(e.id), {})),
        )
        for e in escalations
    ]
    return page_of(
        rows, cursor=page.cursor, limit=page.limit, key=lambda e: (stamp(e.created_at), str(e.id))
    )

"""Talking about an incident: comments, questions to the reporter and answers, and break-glass."""

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from backend.core.errors import Conflict, Invalid
from backend.incidents.journal import add_entry, audit
from backend.incidents.schemas import ReporterOut
from backend.incidents.sealing import Sealer
from backend.incidents.timeline import Actor, touch
from backend.incidents.views import reporter_user_id
from backend.models.incident import Incident, IncidentTimelineEntry
from backend.notifications.outbox import enqueue
from backend.policy import Subject, authorize


async def comment(
    session: AsyncSession,
    *,
    incident: Incident,
    actor: Actor,
    text: str,
    reply_to_id: int | None,
    now: datetime,
) -> IncidentTimelineEntry:
    """Add a comment, or the reporter's answer to a question (which tells whoever asked)."""
    question = None
    if reply_to_id is not None:
        question = await session.get(IncidentTimelineEntry, reply_to_id)
        if question is None or question.incident_id != incident.id or question.kind != "question":
            raise Invalid(code="unknown_question", reply_to_id=reply_to_id)
        if not actor.is_reporter:
            raise Invalid(code="not_reporter")
    kind = "answer" if question else "comment"
    touch(incident, now)
    entry = await add_entry(
        session,
        incident=incident,
        actor=actor,
        kind=kind,
        now=now,
        comment=text,
        reply_to_id=reply_to_id,
    )
    await audit(
        session,
        actor=actor,
        action=f"incident.{kind}",
        incident=incident,
        detail={"timeline_id": entry.id},
    )
    if question is not None and question.actor_id is not None:
        await enqueue(
            session,
            event_type="incident.answer",
            payload={
                "incident_id": str(incident.id),
                "question_id": question.id,
                "answer_id": entry.id,
                "text": text,
            },
            recipient_user_ids=[question.actor_id],
        )
    return entry


async def ask_reporter(
    session: AsyncSession,
    *,
    incident: Incident,
    actor: Actor,
    text: str,
    sealer: Sealer,
    now: datetime,
) -> IncidentTimelineEntry:
    """Ask the reporter for more; their phone receives the question, their identity stays sealed."""
    authorize(actor.subject, "incident.ask_reporter")
    if incident.status == "draft":
        raise Conflict(code="invalid_transition", current_status=incident.status)
    touch(incident, now)
    entry = await add_entry(
        session, incident=incident, actor=actor, kind="question", now=now, comment=text
    )
    await audit(
        session,
        actor=actor,
        action="incident.question",
        incident=incident,
        detail={"timeline_id": entry.id},
    )
    reporter = reporter_user_id(incident, sealer)
    if reporter is not None:
        await enqueue(
            session,
            event_type="incident.question",
            payload={"incident_id": str(incident.id), "question_id": entry.id, "text": text},
            recipient_user_ids=[reporter],
        )
    return entry


async def reveal_reporter(
    session: AsyncSession,
    *,
    incident: Incident,
    subject: Subject,
    reason: str,
    sealer: Sealer,
    now: datetime,
) -> ReporterOut:
    """Break the glass: open a sealed reporter identity, with a reason; audited, on the timeline."""
    authorize(subject, "incident.break_glass")
    if not incident.protect_reporter:
        raise Conflict(code="reporter_not_protected")
    # Opened first: a seal this deployment has no key for answers 503 key_unavailable and
    # leaves no "revealed" entry on the timeline for an identity nobody saw.
    sealed = sealer.open(incident.reporter_sealed, bound_to=incident.id)
    actor = Actor(subject=subject)
    touch(incident, now)
    await add_entry(
        session, incident=incident, actor=actor, kind="break_glass", now=now, comment=reason
    )
    await audit(
        session,
        actor=actor,
        action="incident.break_glass",
        incident=incident,
        detail={"reason": reason},
    )
    return ReporterOut(**sealed)

"""Applying a workflow transition: check it, change the incident, and do what follows from it.

Each step is explicit and none calls back into another: ``move`` changes the status and notes
the timeline line and audit row; ``route`` (after submit) decides police or union and, for the
police, makes the system's escalate move; ``escalate`` opens an escalation on a ladder;
``tell_reporter`` puts the reporter's notice on the outbox. Everything they note goes to the
request's journal (``backend.incidents.journal``), written in one INSERT per table, in the
caller's transaction.
"""

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from backend.core.config import Settings
from backend.core.errors import Invalid, NotFound
from backend.escalations import rules
from backend.escalations import service as escalations
from backend.incidents import workflow
from backend.incidents.journal import Journal, journal
from backend.incidents.sealing import Sealer
from backend.incidents.timeline import SYSTEM, Actor, incident_snapshot, touch
from backend.incidents.views import is_reporter, reporter_user_id
from backend.models.incident import Escalation, Incident, IncidentCategory
from backend.policy import Subject, get_visible
from backend.policy.incidents import actor_kinds

# No open escalation known yet: look it up.
UNKNOWN = object()


def actor_for(subject: Subject, incident: Incident, sealer: Sealer) -> Actor:
    """The subject acting on this incident (anonymous if they are its protected reporter)."""
    own = is_reporter(incident, subject, sealer)
    return Actor(subject=subject, is_reporter=own, sealed=own and incident.protect_reporter)


async def kinds_for(
    session: AsyncSession, *, incident: Incident, actor: Actor, current=UNKNOWN
) -> frozenset[str]:
    """The capacities the actor has on this incident right now (``current``: its open
    escalation when the caller already knows it, None for none)."""
    if actor.subject is None:
        return frozenset({"system"})
    if current is UNKNOWN:
        current = await escalations.open_escalation_of(session, incident)
    recipients = (
        frozenset(uuid.UUID(u) for u in current.recipient_user_ids) if current else frozenset()
    )
    return actor_kinds(
        actor.subject, incident, is_reporter=actor.is_reporter, recipient_ids=recipients
    )


async def options_for(
    session: AsyncSession,
    *,
    incident: Incident,
    subject: Subject,
    sealer: Sealer,
    current: object = UNKNOWN,
) -> list[dict[str, str]]:
    """The transitions this subject may make now (shown with the incident)."""
    actor = actor_for(subject, incident, sealer)
    kinds = await kinds_for(session, incident=incident, actor=actor, current=current)
    return workflow.options(incident.status, kinds)


async def _original(
    session: AsyncSession, subject: Subject | None, incident: Incident, original_id: uuid.UUID
) -> Incident:
    """The root of a duplicate chain, visible to the actor and not the incident itself."""
    try:
        original = await get_visible(session, subject, Incident, original_id)
    except NotFound:
        raise Invalid(code="invalid_duplicate") from None
    for _ in range(10):
        if original.duplicate_of_id is None:
            break
        original = await session.get(Incident, original.duplicate_of_id)
    if original.id == incident.id or original.status == workflow.DRAFT:
        raise Invalid(code="invalid_duplicate")
    return original


def _require(transition: workflow.Transition, incident: Incident, **given) -> None:
    if "comment" in transition.needs and not given["comment"]:
        raise Invalid(code="comment_required")
    if "outcome" in transition.needs and not (given["outcome"] or incident.outcome):
        raise Invalid(code="outcome_required")
    if "duplicate_of" in transition.needs and not given["duplicate_of_id"]:
        raise Invalid(code="duplicate_of_required")
    if "target" in transition.needs and not (
        given["target_user_id"] or given["target_admin_unit_id"]
    ):
        raise Invalid(code="handoff_target_required")


async def category_row(session: AsyncSession, incident: Incident) -> IncidentCategory:
    """The incident's sub-type row if it has one, else its category (identity-map cached)."""
    if incident.subtype:
        sub = await session.get(IncidentCategory, f"{incident.category}.{incident.subtype}")
        if sub is not None:
            return sub
    return await session.get(IncidentCategory, incident.category)


def move(
    j: Journal,
    *,
    incident: Incident,
    actor: Actor,
    transition: workflow.Transition,
    now: datetime,
    comment: str | None = None,
    outcome: str | None = None,
    outcome_note: str | None = None,
    original: Incident | None = None,
) -> str:
    """Step: change the status (and what goes with it); note the timeline line and audit row.

    Returns the status it came from.
    """
    action = transition.action
    before = incident_snapshot(incident)
    from_status = incident.status
    incident.status = transition.target
    touch(incident, now)
    if outcome:
        incident.outcome, incident.outcome_note = outcome, outcome_note
    if action == "submit":
        incident.submitted_at = now
    elif action in ("close", "reject", "mark_duplicate"):
        incident.closed_at = now
    if original is not None:
        incident.duplicate_of_id = original.id
    if action == "reopen":
        incident.closed_at = incident.outcome = incident.outcome_note = None
        incident.duplicate_of_id = None
    detail = {"outcome": outcome} if outcome else None
    if original is not None:
        detail = {"duplicate_of_id": str(original.id)}
    j.line(
        incident=incident,
        actor=actor,
        kind="transition",
        now=now,
        action=action,
        from_status=from_status,
        to_status=transition.target,
        comment=comment,
        detail=detail,
    )
    j.audit(
        actor=actor,
        action=f"incident.{action}",
        incident=incident,
        before=before,
        after=incident_snapshot(incident),
        detail={"comment": comment} if comment else None,
    )
    return from_status


async def route(
    session, j: Journal, *, incident, sealer, settings, now, fresh=False
) -> Escalation | None:
    """Step after submit: police at once (the system's escalate move), or the covering union,
    or the team's union. Returns the escalation opened, if anyone was found to tell."""
    incident.route = rules.first_route(
        await category_row(session, incident), incident.severity, settings
    )
    if incident.route != rules.POLICE:
        return await escalate(
            session,
            j,
            incident=incident,
            kind="union",
            actor=SYSTEM,
            settings=settings,
            now=now,
            fresh=fresh,
        )
    from_status = move(
        j, incident=incident, actor=SYSTEM, transition=workflow.TRANSITIONS["escalate"], now=now
    )
    opened = await escalate(
        session,
        j,
        incident=incident,
        kind=rules.POLICE,
        actor=SYSTEM,
        settings=settings,
        now=now,
        fresh=fresh,
    )
    tell_reporter(
        j,
        incident=incident,
        actor=SYSTEM,
        sealer=sealer,
        action="escalate",
        from_status=from_status,
    )
    return opened


async def escalate(
    session, j: Journal, *, incident, kind, actor, settings, now, fresh=False
) -> Escalation | None:
    """Step: open an escalation on the next rung of a ladder (or say, loudly, nobody is there)."""
    reason = "routing" if actor.subject is None else "manual"
    opened = await escalations.escalate_along(
        session,
        incident=incident,
        kind=kind,
        reason=reason,
        actor=actor,
        now=now,
        settings=settings,
        fresh=fresh,
    )
    if opened is None:  # nobody is assigned anywhere up the tree: say so, loudly
        incident.handler_kind = "police" if kind == rules.POLICE else "union"
        j.line(
            incident=incident,
            actor=SYSTEM,
            kind="escalation",
            now=now,
            detail={"reason": "no_target", "target_kind": kind},
        )
        return None
    escalation, rung = opened
    j.escalation_opened(incident=incident, escalation=escalation, rung=rung, actor=actor)
    return escalation


async def apply(
    session: AsyncSession,
    *,
    incident: Incident,
    actor: Actor,
    action: str,
    sealer: Sealer,
    settings: Settings,
    now: datetime,
    comment: str | None = None,
    outcome: str | None = None,
    outcome_note: str | None = None,
    duplicate_of_id: uuid.UUID | None = None,
    target_user_id: uuid.UUID | None = None,
    target_admin_unit_id: uuid.UUID | None = None,
) -> Incident:
    """Make one transition (409 if illegal from here, 403 if not the actor's to make)."""
    kinds = await kinds_for(session, incident=incident, actor=actor)
    transition = workflow.check(action, incident.status, kinds)
    _require(
        transition,
        incident,
        comment=comment,
        outcome=outcome,
        duplicate_of_id=duplicate_of_id,
        target_user_id=target_user_id,
        target_admin_unit_id=target_admin_unit_id,
    )
    original = rung = current = None
    if action == "mark_duplicate":
        original = await _original(session, actor.subject, incident, duplicate_of_id)
    if action == "hand_on":
        rung = await escalations.handoff_rung(
            session,
            incident=incident,
            target_user_id=target_user_id,
            target_admin_unit_id=target_admin_unit_id,
        )
        current = await escalations.open_escalation_of(session, incident)
    j = journal(session)
    from_status = move(
        j,
        incident=incident,
        actor=actor,
        transition=transition,
        now=now,
        comment=comment,
        outcome=outcome,
        outcome_note=outcome_note,
        original=original,
    )
    await _after(
        session,
        j,
        action=action,
        incident=incident,
        actor=actor,
        sealer=sealer,
        settings=settings,
        now=now,
        rung=rung,
        current=current,
    )
    tell_reporter(
        j, incident=incident, actor=actor, sealer=sealer, action=action, from_status=from_status
    )
    await j.write(session)
    return incident


async def _after(session, j, *, action, incident, actor, sealer, settings, now, rung, current):
    if action == "submit":
        await route(session, j, incident=incident, sealer=sealer, settings=settings, now=now)
    elif action == "escalate":
        await escalate(
            session,
            j,
            incident=incident,
            kind=rules.POLICE,
            actor=actor,
            settings=settings,
            now=now,
        )
    elif action in ("triage", "acknowledge"):
        await escalations.acknowledge_open(session, incident=incident, actor=actor, now=now)
    elif action == "hand_on":
        escalation = await escalations.open_escalation(
            session,
            incident=incident,
            rung=rung,
            reason="handoff",
            actor=actor,
            now=now,
            settings=settings,
            level=(current.level + 1) if current else 0,
            handler_kind="police",
        )
        j.escalation_opened(incident=incident, escalation=escalation, rung=rung, actor=actor)
    elif action in ("resolve", "close", "reject", "mark_duplicate", "reopen"):
        await escalations.cancel_open(session, incident=incident, now=now)


def tell_reporter(j: Journal, *, incident, actor, sealer, action, from_status) -> None:
    """Step: the reporter's phone hears of every step (the loop is closed)."""
    if actor.is_reporter:
        return
    reporter = reporter_user_id(incident, sealer)
    if reporter is None:
        return
    j.tell(
        event_type="incident.status_changed",
        payload={
            "incident_id": str(incident.id),
            "action": action,
            "from": from_status,
            "to": incident.status,
        },
        recipient_user_ids=[reporter],
    )

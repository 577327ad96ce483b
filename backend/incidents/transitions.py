"""Applying a workflow transition: check it, change the incident, and do what follows from it.

Side effects run in the caller's transaction: the timeline line and the audit row, routing on
submit, opening/acknowledging/cancelling escalations, and telling the reporter (outbox).
"""

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from backend.core.config import Settings
from backend.core.errors import Invalid, NotFound
from backend.escalations import rules
from backend.escalations import service as escalations
from backend.incidents import workflow
from backend.incidents.sealing import Sealer
from backend.incidents.timeline import SYSTEM, Actor, add_entry, audit, incident_snapshot, touch
from backend.incidents.views import is_reporter, reporter_user_id
from backend.models.incident import Incident, IncidentCategory
from backend.notifications.outbox import enqueue
from backend.policy import Subject, get_visible
from backend.policy.incidents import actor_kinds


def actor_for(subject: Subject, incident: Incident, sealer: Sealer) -> Actor:
    """The subject acting on this incident (anonymous if they are its protected reporter)."""
    own = is_reporter(incident, subject, sealer)
    return Actor(subject=subject, is_reporter=own, sealed=own and incident.protect_reporter)


async def kinds_for(session: AsyncSession, *, incident: Incident, actor: Actor) -> frozenset[str]:
    """The capacities the actor has on this incident right now."""
    if actor.subject is None:
        return frozenset({"system"})
    current = await escalations.open_escalation_of(session, incident)
    recipients = (
        frozenset(uuid.UUID(u) for u in current.recipient_user_ids) if current else frozenset()
    )
    return actor_kinds(
        actor.subject, incident, is_reporter=actor.is_reporter, recipient_ids=recipients
    )


async def options_for(
    session: AsyncSession, *, incident: Incident, subject: Subject, sealer: Sealer
) -> list[dict[str, str]]:
    """The transitions this subject may make now (shown with the incident)."""
    actor = actor_for(subject, incident, sealer)
    return workflow.options(
        incident.status, await kinds_for(session, incident=incident, actor=actor)
    )


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


async def _category_row(session: AsyncSession, incident: Incident) -> IncidentCategory:
    if incident.subtype:
        sub = await session.get(IncidentCategory, f"{incident.category}.{incident.subtype}")
        if sub is not None:
            return sub
    return await session.get(IncidentCategory, incident.category)


async def _route(session, *, incident, sealer, settings, now) -> None:
    """On submit: police at once, or the covering union, or the team's union."""
    route = rules.first_route(await _category_row(session, incident), incident.severity, settings)
    incident.route = route
    if route == rules.POLICE:
        await apply(
            session,
            incident=incident,
            actor=SYSTEM,
            action="escalate",
            sealer=sealer,
            settings=settings,
            now=now,
        )
        return
    await _escalate(
        session, incident=incident, kind="union", actor=SYSTEM, settings=settings, now=now
    )


async def _escalate(session, *, incident, kind, actor, settings, now) -> None:
    reason = "routing" if actor.subject is None else "manual"
    opened = await escalations.escalate_along(
        session,
        incident=incident,
        kind=kind,
        reason=reason,
        actor=actor,
        now=now,
        settings=settings,
    )
    if opened is None:  # nobody is assigned anywhere up the tree: say so, loudly
        incident.handler_kind = "police" if kind == rules.POLICE else "union"
        await add_entry(
            session,
            incident=incident,
            actor=SYSTEM,
            kind="escalation",
            now=now,
            detail={"reason": "no_target", "target_kind": kind},
        )


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
    await add_entry(
        session,
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
    await audit(
        session,
        actor=actor,
        action=f"incident.{action}",
        incident=incident,
        before=before,
        after=incident_snapshot(incident),
        detail={"comment": comment} if comment else None,
    )
    await _after(
        session,
        action=action,
        incident=incident,
        actor=actor,
        sealer=sealer,
        settings=settings,
        now=now,
        rung=rung,
        current=current,
    )
    await _tell_reporter(
        session,
        incident=incident,
        actor=actor,
        sealer=sealer,
        action=action,
        from_status=from_status,
    )
    return incident


async def _after(session, *, action, incident, actor, sealer, settings, now, rung, current):
    if action == "submit":
        await _route(session, incident=incident, sealer=sealer, settings=settings, now=now)
    elif action == "escalate":
        await _escalate(
            session, incident=incident, kind=rules.POLICE, actor=actor, settings=settings, now=now
        )
    elif action in ("triage", "acknowledge"):
        await escalations.acknowledge_open(session, incident=incident, actor=actor, now=now)
    elif action == "hand_on":
        await escalations.open_escalation(
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
    elif action in ("resolve", "close", "reject", "mark_duplicate", "reopen"):
        await escalations.cancel_open(session, incident=incident, now=now)


async def _tell_reporter(session, *, incident, actor, sealer, action, from_status) -> None:
    """The reporter's phone hears of every step (the loop is closed)."""
    if actor.is_reporter:
        return
    reporter = reporter_user_id(incident, sealer)
    if reporter is None:
        return
    await enqueue(
        session,
        event_type="incident.status_changed",
        payload={
            "incident_id": str(incident.id),
            "action": action,
            "from": from_status,
            "to": incident.status,
        },
        recipient_user_ids=[reporter],
    )

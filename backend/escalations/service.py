"""Escalations: open one on a rung of the ladder, acknowledge it, hand it on, let it expire.

There is at most one open escalation per incident; opening a new one supersedes the old. This
module decides whom to tell and changes the incident's clock; it writes no history itself:
the caller's journal (``backend.incidents.journal``) writes the escalation row with its
timeline line, audit row and outbox event, in the caller's transaction.
"""

import uuid
from contextlib import aclosing
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.core.config import Settings
from backend.core.errors import Invalid
from backend.escalations import targets
from backend.escalations.rules import ack_window
from backend.escalations.targets import Rung
from backend.incidents.timeline import Actor, touch
from backend.models import AdminUnit, User
from backend.models.base import built
from backend.models.incident import Escalation, Incident
from backend.notifications import fallback
from backend.policy import Role, load_subject, visible
from backend.teams.jurisdictions import liaisons_for

OPEN = "open"


async def open_escalation_of(
    session: AsyncSession, incident: Incident, *, lock: bool = False
) -> Escalation | None:
    """The incident's open escalation, if any (row-locked on PostgreSQL when asked)."""
    stmt = select(Escalation).where(
        Escalation.incident_id == incident.id, Escalation.status == OPEN
    )
    if lock:
        stmt = stmt.with_for_update()
    return (await session.scalars(stmt)).first()


async def history(session: AsyncSession, incident: Incident) -> list[Escalation]:
    """Every escalation of an incident, oldest first."""
    return list(
        (
            await session.scalars(
                select(Escalation)
                .where(Escalation.incident_id == incident.id)
                .order_by(Escalation.created_at, Escalation.level)
            )
        ).all()
    )


async def _close_open(session: AsyncSession, incident: Incident, status: str, now: datetime):
    current = await open_escalation_of(session, incident, lock=True)
    if current is not None:
        current.status = status
        current.closed_at = now
        await session.flush()  # sessions do not autoflush: later queries must see it closed
    return current


async def open_escalation(
    session: AsyncSession,
    *,
    incident: Incident,
    rung: Rung,
    reason: str,
    actor: Actor,
    now: datetime,
    settings: Settings,
    level: int,
    handler_kind: str,
    fresh: bool = False,
) -> Escalation:
    """Tell a rung about the incident, with a deadline to acknowledge; supersede the old one.

    Returns the new escalation unsaved: the caller's journal writes it with its timeline line,
    audit row and outbox event (``Journal.escalation_opened``). ``fresh``: the incident is being
    created in this request, so it has no open escalation to supersede (no query).
    """
    if not fresh:
        await _close_open(session, incident, "superseded", now)
    escalation = built(
        Escalation,
        id=uuid.uuid4(),
        incident_id=incident.id,
        level=level,
        target_kind=rung.target_kind,
        rung_key=rung.key,
        admin_unit_id=rung.admin_unit_id,
        union_unit_id=rung.union_unit_id,
        site_id=rung.site_id,
        recipient_user_ids=[str(u) for u in rung.recipients],
        reason=reason,
        status=OPEN,
        created_at=now,
        created_by=actor.public_id,
        deadline_at=now + ack_window(incident.severity, settings),
    )
    incident.handler_kind = handler_kind
    incident.ack_deadline_at = escalation.deadline_at
    touch(incident, now)
    return escalation


async def told_so_far(session: AsyncSession, incident: Incident) -> tuple[set[str], set[uuid.UUID]]:
    """Rung keys and people already told about an incident."""
    keys: set[str] = set()
    users: set[uuid.UUID] = set()
    for esc in await history(session, incident):
        keys.add(esc.rung_key)
        users |= {uuid.UUID(u) for u in esc.recipient_user_ids}
    return keys, users


async def escalate_along(
    session: AsyncSession,
    *,
    incident: Incident,
    kind: str,
    reason: str,
    actor: Actor,
    now: datetime,
    settings: Settings,
    after_key: str | None = None,
    level: int = 0,
    fresh: bool = False,
) -> tuple[Escalation, Rung] | None:
    """Open an escalation on the next rung of the police or union ladder, if one is left
    (unsaved, with its rung: the caller journals both)."""
    keys: set[str] = set()
    users: set[uuid.UUID] = set()
    if after_key is not None:  # climbing: skip who was told already; a fresh hand-over does not
        keys, users = await told_so_far(session, incident)
    async with aclosing(targets.walk(session, incident, kind)) as rungs:
        rung = await targets.next_rung(rungs, after_key=after_key, told_keys=keys, told_users=users)
    if rung is None:
        return None
    escalation = await open_escalation(
        session,
        incident=incident,
        rung=rung,
        reason=reason,
        actor=actor,
        now=now,
        settings=settings,
        level=level,
        handler_kind=kind,
        fresh=fresh,
    )
    return escalation, rung


async def acknowledge_open(
    session: AsyncSession, *, incident: Incident, actor: Actor, now: datetime
) -> Escalation | None:
    """Stop the clock: the open escalation is acknowledged by the actor."""
    current = await open_escalation_of(session, incident, lock=True)
    if current is not None:
        current.status = "acknowledged"
        current.acknowledged_at = now
        current.acknowledged_by = actor.public_id
        current.closed_at = now
        # Nobody needs chasing on Zalo or SMS any more (see notifications.fallback).
        await fallback.stop_chain(session, key=str(current.id), now=now, reason="acknowledged")
    incident.ack_deadline_at = None
    incident.acknowledged_at = now
    return current


async def cancel_open(session: AsyncSession, *, incident: Incident, now: datetime) -> None:
    """Nobody needs to answer any more (rejected, duplicate, closed)."""
    await _close_open(session, incident, "cancelled", now)
    incident.ack_deadline_at = None


async def handoff_rung(
    session: AsyncSession,
    *,
    incident: Incident,
    target_user_id: uuid.UUID | None,
    target_admin_unit_id: uuid.UUID | None,
) -> Rung:
    """The rung for handing an incident on to a liaison, or to the liaisons of an admin unit."""
    if target_user_id is not None:
        user = await session.get(User, target_user_id)
        if user is None or not user.is_active or user.role != Role.police_liaison.value:
            raise Invalid(code="handoff_target_out_of_scope")
        subject = await load_subject(session, user)
        seen = await session.scalar(
            select(Incident.id).where(Incident.id == incident.id, visible(subject, Incident))
        )
        if seen is None:
            raise Invalid(code="handoff_target_out_of_scope")
        return Rung(
            key=f"handoff:user:{user.id.hex}",
            target_kind=targets.POLICE,
            label=user.full_name,
            recipients=(user.id,),
        )
    if target_admin_unit_id is None:
        raise Invalid(code="handoff_target_required")
    unit = await session.get(AdminUnit, target_admin_unit_id)
    ward_path = await session.scalar(
        select(AdminUnit.path).where(AdminUnit.id == incident.admin_unit_id)
    )
    # Only a unit whose area holds the incident: its liaisons must be able to see it.
    if unit is None or unit.deleted_at is not None or not (ward_path or "").startswith(unit.path):
        raise Invalid(code="handoff_target_out_of_scope")
    people = [u.id for u in await liaisons_for(session, admin_unit_id=unit.id)]
    if not people:
        raise Invalid(code="handoff_target_out_of_scope")
    return Rung(
        key=f"handoff:unit:{unit.id.hex}",
        target_kind=targets.POLICE,
        label=unit.name,
        recipients=tuple(people),
        admin_unit_id=unit.id,
        unit_ids=(unit.id,),
    )

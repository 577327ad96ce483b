"""The incident timeline and its audit twin: every transition, comment and escalation, once each.

A protected reporter acts anonymously: their timeline lines and audit rows name no user, only
``actor_is_reporter`` — otherwise the timeline would undo the seal.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.audit.service import record, snapshot
from backend.models.incident import Incident, IncidentTimelineEntry
from backend.policy import Subject

# Ciphertext and derived columns say nothing useful in an audit diff.
SNAPSHOT_EXCLUDE = {
    "reporter_sealed",
    "persons_sealed",
    "reporter_ref",
    "request_hash",
    "search_text",
}


@dataclass(frozen=True)
class Actor:
    """Who acts on an incident: a subject (None for the system) and whether they reported it."""

    subject: Subject | None
    is_reporter: bool = False
    sealed: bool = False  # the protected reporter of this incident: must stay anonymous

    @property
    def public_id(self):
        if self.subject is None or self.sealed:
            return None
        return self.subject.user_id

    @property
    def role(self) -> str | None:
        if self.subject is None:
            return "system"
        return None if self.sealed else str(self.subject.role)


SYSTEM = Actor(subject=None)


def incident_snapshot(incident: Incident) -> dict[str, Any] | None:
    """The incident's columns for an audit diff, without sealed data."""
    return snapshot(incident, exclude=SNAPSHOT_EXCLUDE)


def touch(incident: Incident, now: datetime) -> None:
    """Mark a change: new ETag, and the `since` feed picks it up."""
    incident.version += 1
    incident.updated_at = now


async def add_entry(
    session: AsyncSession,
    *,
    incident: Incident,
    actor: Actor,
    kind: str,
    now: datetime,
    action: str | None = None,
    from_status: str | None = None,
    to_status: str | None = None,
    comment: str | None = None,
    reply_to_id: int | None = None,
    detail: dict[str, Any] | None = None,
) -> IncidentTimelineEntry:
    """Append one line to the incident's timeline."""
    entry = IncidentTimelineEntry(
        incident_id=incident.id,
        at=now,
        actor_id=actor.public_id,
        actor_role=actor.role,
        actor_is_reporter=actor.is_reporter,
        kind=kind,
        action=action,
        from_status=from_status,
        to_status=to_status,
        comment=comment,
        reply_to_id=reply_to_id,
        detail=detail,
    )
    session.add(entry)
    await session.flush()
    return entry


async def audit(
    session: AsyncSession,
    *,
    actor: Actor,
    action: str,
    incident: Incident,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Write the audit row of an incident change (anonymous for a protected reporter)."""
    if actor.sealed:
        detail = {**(detail or {}), "actor": "protected_reporter"}
    await record(
        session,
        actor=None if actor.sealed else actor.subject,
        action=action,
        object_type="incident",
        object_id=incident.id,
        before=before,
        after=after,
        detail=detail,
    )


async def entries(
    session: AsyncSession, *, incident: Incident, after_id: int | None, limit: int
) -> list[IncidentTimelineEntry]:
    """An incident's timeline, oldest first, keyset by id."""
    stmt = select(IncidentTimelineEntry).where(IncidentTimelineEntry.incident_id == incident.id)
    if after_id is not None:
        stmt = stmt.where(IncidentTimelineEntry.id > after_id)
    stmt = stmt.order_by(IncidentTimelineEntry.id).limit(limit)
    return list((await session.scalars(stmt)).all())

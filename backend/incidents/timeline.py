"""Who acts on an incident, and reading its timeline. Writing it is ``backend.incidents.journal``.

A protected reporter acts anonymously: their timeline lines and audit rows name no user, only
``actor_is_reporter`` — otherwise the timeline would undo the seal.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.audit.service import snapshot
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


async def entries(
    session: AsyncSession, *, incident: Incident, after_id: int | None, limit: int
) -> list[IncidentTimelineEntry]:
    """An incident's timeline, oldest first, keyset by id."""
    stmt = select(IncidentTimelineEntry).where(IncidentTimelineEntry.incident_id == incident.id)
    if after_id is not None:
        stmt = stmt.where(IncidentTimelineEntry.id > after_id)
    stmt = stmt.order_by(IncidentTimelineEntry.id).limit(limit)
    return list((await session.scalars(stmt)).all())

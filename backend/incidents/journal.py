"""The one writer of an incident's history: timeline lines, audit rows and outbox events.

Incidents (creation, workflow steps) and escalations (routing, hand-over, deadlines) both
describe what happened to the request's ``Journal``; it writes everything in one INSERT per
table when ``write`` is called, in the caller's transaction. ``add_entry`` and ``audit`` write
one row at once, for callers that need the new line's id (comments, questions).

A protected reporter acts anonymously: their timeline lines and audit rows name no user, only
``actor_is_reporter``; otherwise the timeline would undo the seal.
"""

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import event, insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from backend.audit.service import record
from backend.core.logging import current_client_ip, current_request_id
from backend.escalations.targets import Rung
from backend.incidents import journal_pg
from backend.incidents.dbutil import insert_once
from backend.incidents.timeline import Actor
from backend.models import AuditEvent, utcnow
from backend.models.incident import Escalation, Incident, IncidentTimelineEntry
from backend.models.notification import OutboxEvent

_KEY = "ttq.incident_journal"


def _line(incident, actor, kind, now, action, from_status, to_status, comment, reply_to, detail):
    return {
        "incident_id": incident.id,
        "at": now,
        "actor_id": actor.public_id,
        "actor_role": actor.role,
        "actor_is_reporter": actor.is_reporter,
        "kind": kind,
        "action": action,
        "from_status": from_status,
        "to_status": to_status,
        "comment": comment,
        "reply_to_id": reply_to,
        "detail": detail,
    }


class Journal:
    """Rows of history waiting to be written together (one statement per table)."""

    def __init__(self) -> None:
        self.lines: list[dict[str, Any]] = []
        self.audits: list[dict[str, Any]] = []
        self.events: list[dict[str, Any]] = []
        self.escalations: list[Escalation] = []

    def line(
        self,
        *,
        incident: Incident,
        actor: Actor,
        kind: str,
        now: datetime,
        action: str | None = None,
        from_status: str | None = None,
        to_status: str | None = None,
        comment: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        """A timeline line."""
        self.lines.append(
            _line(incident, actor, kind, now, action, from_status, to_status, comment, None, detail)
        )

    def audit(
        self,
        *,
        actor: Actor,
        action: str,
        incident: Incident,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        """The audit row of an incident change (anonymous for a protected reporter)."""
        subject = None if actor.sealed else actor.subject
        if actor.sealed:
            detail = {**(detail or {}), "actor": "protected_reporter"}
        self.audits.append(
            {
                "occurred_at": utcnow(),
                "actor_id": subject.user_id if subject else None,
                "actor_role": str(subject.role) if subject else None,
                "action": action,
                "object_type": "incident",
                "object_id": str(incident.id),
                "request_id": current_request_id(),
                "client_ip": current_client_ip(),
                "before": before,
                "after": after,
                "detail": detail,
            }
        )

    def tell(
        self,
        *,
        event_type: str,
        payload: dict[str, Any],
        recipient_user_ids: Iterable[uuid.UUID] = (),
        unit_ids: Iterable[uuid.UUID] = (),
    ) -> None:
        """An outbox event (delivered after the commit; see backend.notifications.outbox)."""
        now = utcnow()
        self.events.append(
            {
                "id": uuid.uuid4(),
                "event_type": event_type,
                "payload": payload,
                "recipient_user_ids": sorted({str(u) for u in recipient_user_ids}),
                "unit_ids": sorted({str(u) for u in unit_ids}),
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": now,
                "last_error": None,
                "created_at": now,
                "delivered_at": None,
                "channels": None,
            }
        )

    def escalation_opened(
        self, *, incident: Incident, escalation: Escalation, rung: Rung, actor: Actor
    ) -> None:
        """An escalation row, its timeline line, its audit row and its outbox event."""
        self.escalations.append(escalation)
        detail = {
            "escalation_id": str(escalation.id),
            "level": escalation.level,
            "reason": escalation.reason,
            "target_kind": escalation.target_kind,
            "target": rung.label,
            "recipients": len(escalation.recipient_user_ids),
            "deadline_at": escalation.deadline_at.isoformat(),
        }
        now = escalation.created_at
        self.line(incident=incident, actor=actor, kind="escalation", now=now, detail=detail)
        self.audit(
            actor=actor,
            action=f"incident.escalation.{escalation.reason}",
            incident=incident,
            detail=detail,
        )
        self.tell(
            event_type="incident.escalated",
            payload={
                "incident_id": str(incident.id),
                "category": incident.category,
                "subtype": incident.subtype,
                "severity": incident.severity,
                "status": incident.status,
                **detail,
            },
            recipient_user_ids=[uuid.UUID(u) for u in escalation.recipient_user_ids],
            unit_ids=rung.unit_ids,
        )

    async def write(self, session: AsyncSession, *, new: Incident | None = None) -> bool:
        """Write what is waiting: escalations, then timeline, audit and outbox, one INSERT each.

        ``new``: an incident to insert first, unless its id is taken (a racing first send of
        the same report); then nothing is written and False is returned. On PostgreSQL all of
        it is one statement (data-modifying CTEs gated on the incident's insert): one round
        trip instead of five, the same transaction, and a fixed statement (see journal_pg).
        """
        await session.flush()  # rows the ORM holds go first: lines may refer to them
        batches = [
            (Escalation.__table__, [e.model_dump() for e in self.escalations]),
            (IncidentTimelineEntry.__table__, self.lines),
            (AuditEvent.__table__, self.audits),
            (OutboxEvent.__table__, self.events),
        ]
        self.__init__()
        if session.get_bind().dialect.name == "postgresql":
            return await journal_pg.write(session, new, [rows for _, rows in batches])
        batches = [(table, rows) for table, rows in batches if rows]
        if new is not None and not await insert_once(session, new):
            return False
        for table, rows in batches:
            await session.execute(insert(table), rows)
        return True

    def discard(self) -> None:
        """Forget what is waiting (the change it described did not happen)."""
        self.__init__()


def journal(session: AsyncSession) -> Journal:
    """The session's journal (one per transaction's worth of changes)."""
    found = session.info.get(_KEY)
    if found is None:
        found = session.info[_KEY] = Journal()
    return found


# Once for every session, not per session: listening on each new session cost 2 % of a report.
@event.listens_for(Session, "after_soft_rollback")
def _forget_on_rollback(session: Session, _previous) -> None:
    # Rows noted for a change that was rolled back must never be written by a later one.
    found = session.info.get(_KEY)
    if found is not None:
        found.discard()


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
    """Append one line to the incident's timeline now (its id is needed at once)."""
    values = _line(
        incident, actor, kind, now, action, from_status, to_status, comment, reply_to_id, detail
    )
    entry = IncidentTimelineEntry(**values)
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
    """Write the audit row of an incident change now (anonymous for a protected reporter)."""
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

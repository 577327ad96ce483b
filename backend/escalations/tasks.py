"""The deadline job: escalations nobody acknowledged in time go one rung up the ladder.

Run periodically by the notification worker (``notify_jobs`` in settings).
Several workers may run it together on PostgreSQL: due rows are claimed with
``FOR UPDATE SKIP LOCKED``, so each expiry is handled once.
"""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.core.config import Settings, get_settings
from backend.escalations.service import escalate_along
from backend.incidents.journal import journal
from backend.incidents.timeline import SYSTEM, touch
from backend.models import utcnow
from backend.models.incident import Escalation, Incident

BATCH = 200


async def check_deadlines(
    session: AsyncSession,
    *,
    now: datetime | None = None,
    settings: Settings | None = None,
    batch: int = BATCH,
) -> list[Escalation]:
    """Escalate every open escalation whose deadline has passed; return the ones opened."""
    now = now or utcnow()
    settings = settings or get_settings()
    due = (
        await session.scalars(
            select(Escalation)
            .where(Escalation.status == "open", Escalation.deadline_at <= now)
            .order_by(Escalation.deadline_at)
            .limit(batch)
            .with_for_update(skip_locked=True)
        )
    ).all()
    opened: list[Escalation] = []
    j = journal(session)
    for expired in due:
        # SKIP LOCKED here too: a request acting on the incident right now (perhaps
        # acknowledging it) holds its row; waiting for it could deadlock. Next tick retries.
        incident = (
            await session.scalars(
                select(Incident)
                .where(Incident.id == expired.incident_id)
                .with_for_update(skip_locked=True)
            )
        ).first()
        if incident is None:
            continue
        expired.status = "expired"
        expired.closed_at = now
        await session.flush()
        new = await escalate_along(
            session,
            incident=incident,
            kind=incident.handler_kind or "police",
            reason="deadline",
            actor=SYSTEM,
            now=now,
            settings=settings,
            after_key=expired.rung_key,
            level=expired.level + 1,
        )
        if new is not None:
            escalation, rung = new
            j.escalation_opened(incident=incident, escalation=escalation, rung=rung, actor=SYSTEM)
            opened.append(escalation)
            continue
        # Nobody above is left to tell: say so, and stop the clock so the job does not spin.
        incident.ack_deadline_at = None
        touch(incident, now)
        detail = {"escalation_id": str(expired.id), "reason": "ladder_exhausted"}
        j.line(incident=incident, actor=SYSTEM, kind="escalation", now=now, detail=detail)
        j.audit(
            actor=SYSTEM, action="incident.escalation.exhausted", incident=incident, detail=detail
        )
    await j.write(session)
    return opened

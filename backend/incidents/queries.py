"""Lists and feeds of incidents, always through the policy layer's scope filter.

- ``list_incidents``: what the caller may see (a team its own, a union officer the subtree,
  police the jurisdiction), filtered, newest first;
- ``queue``: what the caller's side must act on, unacknowledged first, soonest deadline first;
- ``changes``: rows changed after a cursor, oldest first, for phones' offline caches.
"""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, literal, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from backend.core.pagination import after
from backend.core.text import fold
from backend.incidents.workflow import AWAITING_ACK
from backend.models import UnionUnit
from backend.models.base import UTCDateTime
from backend.models.incident import Incident
from backend.policy import Subject, scoped
from backend.policy.incidents import queue_states

FAR_FUTURE = datetime(9999, 12, 31, tzinfo=UTC)


@dataclass(frozen=True)
class Filters:
    category: list[str] | None = None
    severity: list[int] | None = None
    status: list[str] | None = None
    occurred_from: datetime | None = None
    occurred_to: datetime | None = None
    site_id: uuid.UUID | None = None
    house_id: uuid.UUID | None = None
    team_id: uuid.UUID | None = None
    union_unit_id: uuid.UUID | None = None
    q: str | None = None


def _filtered(stmt, f: Filters):
    if f.category:
        stmt = stmt.where(Incident.category.in_(f.category))
    if f.severity:
        stmt = stmt.where(Incident.severity.in_(f.severity))
    if f.status:
        stmt = stmt.where(Incident.status.in_(f.status))
    if f.occurred_from:
        stmt = stmt.where(Incident.occurred_at >= f.occurred_from)
    if f.occurred_to:
        stmt = stmt.where(Incident.occurred_at < f.occurred_to)
    if f.site_id:
        stmt = stmt.where(Incident.site_id == f.site_id)
    if f.house_id:
        stmt = stmt.where(Incident.house_id == f.house_id)
    if f.team_id:
        stmt = stmt.where(Incident.team_id == f.team_id)
    if f.union_unit_id:
        # A union subtree: the teams of the unit and everything below it.
        root = select(UnionUnit.path).where(UnionUnit.id == f.union_unit_id).scalar_subquery()
        units = select(UnionUnit.id).where(UnionUnit.path.startswith(root))
        stmt = stmt.where(
            or_(Incident.union_unit_id.in_(units), Incident.covering_union_unit_id.in_(units))
        )
    if f.q and fold(f.q):
        stmt = stmt.where(Incident.search_text.contains(fold(f.q), autoescape=True))
    return stmt


async def list_incidents(
    session: AsyncSession,
    *,
    subject: Subject,
    filters: Filters,
    after_key: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> list[Incident]:
    """Incidents in scope, newest first."""
    stmt = _filtered(scoped(select(Incident), subject, Incident), filters)
    if after_key:
        stmt = stmt.where(
            after([Incident.created_at, Incident.id], list(after_key), descending=True)
        )
    stmt = stmt.order_by(Incident.created_at.desc(), Incident.id.desc()).limit(limit)
    return list((await session.scalars(stmt)).all())


def _due():
    """The queue's deadline key: an incident with no acknowledgement deadline comes last."""
    return func.coalesce(Incident.ack_deadline_at, literal(FAR_FUTURE, UTCDateTime()))


async def queue(
    session: AsyncSession,
    *,
    subject: Subject,
    filters: Filters,
    after_key: tuple[int, datetime, uuid.UUID] | None,
    limit: int,
) -> list[tuple[Incident, int, datetime]]:
    """What the caller's side has to act on: unacknowledged first (``AWAITING_ACK``, rank 0),
    then soonest deadline first.

    One ordered part per (side, status) of the queue, each the first ``limit`` rows of its
    status in deadline order, then the parts merged in the queue's order. The index on
    (handler side, status, deadline) yields each part already ordered, so a page reads a few
    rows per status; sorting the whole queue by its keys read every open incident first (a
    city's union queue at the documented scale: 230,000 rows sorted, 0.22 s, for 50).
    """
    due = _due()
    k_rank = after_key[0] if after_key else None
    parts = []
    for kind, status in queue_states(subject):
        status_rank = 0 if status in AWAITING_ACK else 1
        if k_rank is not None and status_rank < k_rank:
            continue  # the whole status lies before the cursor
        part = _filtered(
            scoped(
                select(Incident.id, literal(status_rank).label("rank"), due.label("due")),
                subject,
                Incident,
            ),
            filters,
        ).where(Incident.handler_kind == kind, Incident.status == status)
        if status_rank == k_rank:
            _, k_due, k_id = after_key
            part = part.where(after([due, Incident.id], [literal(k_due, UTCDateTime()), k_id]))
        # The deadline with missing ones last is the index's order and the same as ``due``'s.
        part = part.order_by(Incident.ack_deadline_at.asc().nulls_last(), Incident.id)
        # Wrapped: SQLite takes no ORDER BY or LIMIT on a compound's own members.
        parts.append(select(part.limit(limit).subquery()))
    if not parts:
        return []
    top = (union_all(*parts) if len(parts) > 1 else parts[0]).subquery("top")
    stmt = (
        select(Incident, top.c.rank, top.c.due)
        .join(top, top.c.id == Incident.id)
        .order_by(top.c.rank, top.c.due, top.c.id)
        .limit(limit)
    )
    return [tuple(row) for row in (await session.execute(stmt)).all()]


async def changes(
    session: AsyncSession,
    *,
    subject: Subject,
    since: tuple[datetime, uuid.UUID] | None,
    now: datetime,
    settle_seconds: float,
    limit: int,
) -> list[Incident]:
    """Incidents in scope changed after the cursor, oldest change first.

    Rows younger than ``settle_seconds`` wait for the next call: a transaction that stamped an
    earlier time but commits later would otherwise land behind the phone's cursor.
    """
    stmt = scoped(select(Incident), subject, Incident).where(
        Incident.updated_at <= now - timedelta(seconds=settle_seconds)
    )
    if since:
        stmt = stmt.where(after([Incident.updated_at, Incident.id], list(since)))
    stmt = stmt.order_by(Incident.updated_at, Incident.id).limit(limit)
    return list((await session.scalars(stmt)).all())

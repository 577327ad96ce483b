"""Lists and feeds of incidents, always through the policy layer's scope filter.

- ``list_incidents``: what the caller may see (a team its own, a union officer the subtree,
  police the jurisdiction), filtered, newest first;
- ``queue``: what the caller's side must act on, unacknowledged first, soonest deadline first;
- ``changes``: rows changed after a cursor, oldest first, for phones' offline caches.
"""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, and_, case, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.core.text import fold
from backend.incidents.workflow import AWAITING_ACK
from backend.models import UnionUnit
from backend.models.base import UTCDateTime
from backend.models.incident import Incident
from backend.policy import Subject, scoped
from backend.policy.incidents import queue_rule

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


def after(columns: list, values: list, *, descending: bool = False) -> ColumnElement[bool]:
    """Keyset condition: rows strictly after ``values`` in (column…) order."""
    clauses = []
    for i, column in enumerate(columns):
        equal = [columns[j] == values[j] for j in range(i)]
        step = column < values[i] if descending else column > values[i]
        clauses.append(and_(*equal, step))
    return or_(*clauses)


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


def queue_keys():
    """Sort keys of the queue: waiting for acknowledgement first, then by deadline."""
    rank = case((Incident.status.in_(AWAITING_ACK), 0), else_=1)
    due = func.coalesce(Incident.ack_deadline_at, literal(FAR_FUTURE, UTCDateTime()))
    return rank, due


async def queue(
    session: AsyncSession,
    *,
    subject: Subject,
    filters: Filters,
    after_key: tuple[int, datetime, uuid.UUID] | None,
    limit: int,
) -> list[tuple[Incident, int, datetime]]:
    """What the caller's side has to act on: unacknowledged first, soonest deadline first."""
    rank, due = queue_keys()
    stmt = _filtered(scoped(select(Incident, rank, due), subject, Incident), filters)
    stmt = stmt.where(queue_rule(subject))
    if after_key:
        k_rank, k_due, k_id = after_key
        stmt = stmt.where(
            after([rank, due, Incident.id], [k_rank, literal(k_due, UTCDateTime()), k_id])
        )
    stmt = stmt.order_by(rank, due, Incident.id).limit(limit)
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

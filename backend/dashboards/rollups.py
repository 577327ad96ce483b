"""Keeping the rollups up to date (a frequent job) and rebuilding them (``ttq rollups rebuild``).

No hooks in anyone's ingest code: the job reads, per raw source, the rows whose insert-ordered
column (``updated_at``; ``evaluated_at`` for plan results) moved past a stored watermark,
turns them into the keys they touch (day × house, day × team, day × cell), and recomputes
exactly those keys from the raw tables (``backend.dashboards.recompute``). Each run re-reads
``OVERLAP`` before the watermark and stops ``SETTLE`` short of now: a transaction that commits
up to ``OVERLAP`` late with an older timestamp is still seen, and re-reading is harmless
(recomputing is idempotent). One run at a time: a PostgreSQL advisory lock (SQLite has one
writer anyway).
"""

import uuid
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import delete, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from backend.dashboards import recompute as rc
from backend.dashboards import recompute_month as rm
from backend.dashboards.sqlfuncs import local_date, local_day
from backend.models import utcnow
from backend.models.incident import Incident
from backend.models.patrol import CheckpointScan, Patrol, PlanWindowResult
from backend.models.rollup import (
    RollupCell,
    RollupHouseDay,
    RollupHouseLast,
    RollupHouseMonth,
    RollupHouseYear,
    RollupIncidentDay,
    RollupIncidentFact,
    RollupIncidentMonth,
    RollupIncidentTime,
    RollupIncidentTimeMonth,
    RollupTeamDay,
    RollupTeamMonth,
    RollupTeamWeek,
    RollupWatermark,
)

OVERLAP = timedelta(minutes=2)
SETTLE = timedelta(seconds=2)
BATCH = 500  # keys per statement: keeps IN lists and parameters well under the limits
LOCK_KEY = 0x7171_0008  # pg_advisory_xact_lock id of the rollup writer
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
SOURCES = {
    "scan": CheckpointScan.updated_at,
    "patrol": Patrol.updated_at,
    "plan": PlanWindowResult.evaluated_at,
    "incident": Incident.updated_at,
}
ROLLUP_TABLES = (
    RollupIncidentMonth,
    RollupIncidentTimeMonth,
    RollupTeamMonth,
    RollupTeamWeek,
    RollupHouseLast,
    RollupHouseYear,
    RollupHouseMonth,
    RollupHouseDay,
    RollupTeamDay,
    RollupIncidentTime,
    RollupIncidentDay,
    RollupIncidentFact,
    RollupCell,
)


@dataclass
class RefreshStats:
    rows: dict[str, int] = field(default_factory=dict)
    house_days: int = 0
    team_days: int = 0
    cell_days: int = 0

    def as_dict(self) -> dict:
        return {
            "rows": self.rows,
            "house_days": self.house_days,
            "team_days": self.team_days,
            "cell_days": self.cell_days,
        }


def _batches(items: Iterable, size: int = BATCH):
    """Keys in batches that share their day (or month): the box a batch spans (its days ×
    its houses, teams or cells) is then exactly its keys, so no more is recomputed."""
    groups: dict = {}
    for key in items:
        day = (
            next((p for p in key if isinstance(p, date)), None) if isinstance(key, tuple) else None
        )
        groups.setdefault(day, []).append(key)
    for _, keys in sorted(groups.items(), key=lambda kv: str(kv[0])):
        keys.sort(key=str)
        for start in range(0, len(keys), size):
            yield keys[start : start + size]


def _month(day: date) -> date:
    return day.replace(day=1)


async def lock(session: AsyncSession) -> None:
    """Serialize rollup writers for the rest of the transaction."""
    if session.bind.dialect.name == "postgresql":
        await session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": LOCK_KEY})


async def _watermarks(session: AsyncSession) -> dict[str, datetime]:
    rows = await session.execute(select(RollupWatermark.source, RollupWatermark.value))
    return dict(rows.all())


async def _save_watermarks(session: AsyncSession, value: datetime, counts: dict) -> None:
    await session.execute(delete(RollupWatermark))
    for source in SOURCES:
        session.add(RollupWatermark(source=source, value=value, rows_seen=counts.get(source, 0)))
    await session.flush()


async def apply_keys(
    session: AsyncSession,
    *,
    house_days: set,
    team_days: set,
    incident_ids: set,
    stats: RefreshStats,
) -> None:
    """Recompute everything the given raw changes touch, in dependency order."""
    cell_days: set = set()
    for ids in _batches(incident_ids):
        cells, teams = await rc.incident_facts(session, ids=ids)
        cell_days |= cells
        team_days |= teams
    for keys in _batches(house_days):
        await rc.house_days(session, keys=keys)
    for keys in _batches(team_days):
        await rc.team_days(session, keys=keys)
    for keys in _batches(cell_days):
        await rc.incident_days(session, keys=keys)
    for keys in _batches({(_month(d), c) for d, c in cell_days}):
        await rm.incident_months(session, keys=keys)
        await rm.incident_time_months(session, keys=keys)
    for keys in _batches({(t, _month(d)) for t, d in team_days}):
        await rm.team_months(session, keys=keys)
    for keys in _batches({(t, rm.week_start(d)) for t, d in team_days}):
        await rm.team_weeks(session, keys=keys)
    months = {(h, _month(d)) for h, d in house_days}
    for keys in _batches(months):
        await rc.house_months(session, keys=keys)
    for keys in _batches({(h, m.year) for h, m in months if h != rc.NIL}):
        await rc.house_years(session, keys=keys)
    for houses in _batches({h for h, _ in months if h != rc.NIL}):
        await rc.house_last(session, houses=set(houses))
    stats.house_days += len(house_days)
    stats.team_days += len(team_days)
    stats.cell_days += len(cell_days)


async def refresh(session: AsyncSession, *, now: datetime | None = None) -> RefreshStats:
    """Bring the rollups up to date with raw rows changed since the watermarks."""
    await lock(session)
    hi = (now or utcnow()) - SETTLE
    marks = await _watermarks(session)
    stats = RefreshStats()
    house_days: set = set()
    team_days: set = set()
    incident_ids: set = set()
    for source, column in SOURCES.items():
        lo = marks.get(source, EPOCH) - OVERLAP
        window = [column > lo, column <= hi]
        if source == "scan":
            s = CheckpointScan
            q = select(rc.nil(s.house_id), local_day(s.scanned_at), s.team_id).where(*window)
            rows = (await session.execute(q.distinct())).all()
            house_days |= {(h, d) for h, d, _ in rows}
            team_days |= {(t, d) for _, d, t in rows}
        elif source == "patrol":
            q = select(Patrol.team_id, local_day(Patrol.started_at)).where(*window)
            rows = (await session.execute(q.distinct())).all()
            team_days |= {(t, d) for t, d in rows}
        elif source == "plan":
            w = PlanWindowResult
            rows = (await session.execute(select(w.team_id, w.local_date).where(*window))).all()
            team_days |= {(t, d) for t, d in rows}
        else:
            rows = (await session.scalars(select(Incident.id).where(*window))).all()
            incident_ids |= set(rows)
        stats.rows[source] = len(rows)
    await apply_keys(
        session,
        house_days=house_days,
        team_days=team_days,
        incident_ids=incident_ids,
        stats=stats,
    )
    await _save_watermarks(session, hi, stats.rows)
    return stats


async def _raw_days(session: AsyncSession) -> list[date]:
    """Every local day any raw source has a row for (from their min and max)."""
    bounds = []
    for column in (CheckpointScan.scanned_at, Patrol.started_at, Incident.occurred_at):
        lo, hi = (await session.execute(select(func.min(column), func.max(column)))).one()
        if lo is not None:
            bounds += [local_date(lo), local_date(hi)]
    lo, hi = (
        await session.execute(
            select(func.min(PlanWindowResult.local_date), func.max(PlanWindowResult.local_date))
        )
    ).one()
    if lo is not None:
        bounds += [lo, hi]
    if not bounds:
        return []
    first, last = min(bounds), max(bounds)
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


async def rebuild(
    session: AsyncSession, *, now: datetime | None = None, chunk_days: int = 31
) -> AsyncIterator[tuple[str, int, int]]:
    """Recompute every rollup from scratch; yields (step, done, total) as it goes.

    Runs in the caller's transaction: readers keep the old rollups until it commits.
    """
    await lock(session)
    hi = (now or utcnow()) - SETTLE
    for table in ROLLUP_TABLES:
        await session.execute(delete(table))
    days = await _raw_days(session)
    chunks = [days[i : i + chunk_days] for i in range(0, len(days), chunk_days)]
    total = 1 + 3 * len(chunks) + 1
    yield ("incident facts", 0, total)
    await rc.incident_facts(session, ids=None)
    done = 1
    for step, fn in (
        ("scans by house and day", rc.house_days),
        ("team activity by day", rc.team_days),
        ("incidents by day", rc.incident_days),
    ):
        for chunk in chunks:
            await fn(session, days=chunk)
            done += 1
            yield (step, done, total)
    if days:
        months = sorted({_month(d) for d in days})
        await rc.house_months(session, months=months)
        await rc.house_years(session, years=sorted({m.year for m in months}))
        await rm.incident_months(session, months=months)
        await rm.incident_time_months(session, months=months)
        await rm.team_months(session, months=months)
        await rm.team_weeks(session, weeks=sorted({rm.week_start(d) for d in days}))
    await rc.house_last(session, houses=None)
    await _save_watermarks(session, hi, {})
    yield ("houses by month", total, total)


async def rebuild_all(session: AsyncSession, *, now: datetime | None = None) -> None:
    """Rebuild without progress reporting."""
    async for _ in rebuild(session, now=now):
        pass


def nil_or(value: uuid.UUID | None) -> uuid.UUID:
    return value if value is not None else rc.NIL

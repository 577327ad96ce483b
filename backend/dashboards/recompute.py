"""Set-based recomputation of rollup rows from the raw tables, for a set of keys or a range.

Every function deletes the rollup rows it owns for the keys (or the day range) and inserts
them again with one INSERT … SELECT over the raw rows: running it twice gives the same rows,
so the refresh job may re-read a window it already read (late commits) without harm.
"""

import uuid
from collections.abc import Sequence
from datetime import date, timedelta

from sqlalchemy import and_, case, delete, func, insert, literal, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from backend.dashboards.buckets import bucket_sql
from backend.dashboards.sqlfuncs import (
    day_bit,
    day_start_utc,
    local_day,
    month_bit,
    month_of,
    seconds_between,
    year_of,
)
from backend.models.incident import Incident
from backend.models.patrol import CheckpointScan, Patrol, PlanWindowResult
from backend.models.rollup import (
    NIL,
    RollupCell,
    RollupHouseDay,
    RollupHouseLast,
    RollupHouseMonth,
    RollupHouseYear,
    RollupIncidentDay,
    RollupIncidentFact,
    RollupIncidentTime,
    RollupTeamDay,
)

# A completed patrol whose end reached the server within this long was reported on time.
ON_TIME_SECONDS = 24 * 3600
DayKeys = Sequence[tuple[uuid.UUID, date]]  # (house or team, day)


def _span(days: Sequence[date]):
    """UTC bounds covering these local days."""
    return day_start_utc(min(days)), day_start_utc(max(days) + timedelta(days=1))


def box(columns, keys) -> list:
    """Conditions selecting the box spanned by the keys: every combination of their values.

    Recomputing the whole box is as correct as recomputing the keys (the box's rows are all
    deleted and rebuilt from the raw rows) and far cheaper than a row-value IN list, which
    PostgreSQL turns into one OR per key; batches are sorted by day, so boxes stay small.
    """
    return [col.in_({k[i] for k in keys}) for i, col in enumerate(columns)]


def nil(column):
    return func.coalesce(column, literal(NIL, column.type))


# --- scans → house × day ------------------------------------------------------------------


async def house_days(session: AsyncSession, *, keys: DayKeys | None = None, days=None) -> None:
    """Recompute scans per house × day × team, for (house, day) keys or a day range."""
    s = CheckpointScan
    day = local_day(s.scanned_at)
    house = nil(s.house_id)
    where, target = [], RollupHouseDay
    if keys is not None:
        houses = {h for h, _ in keys}
        lo, hi = _span([d for _, d in keys])
        by_house = [s.house_id.in_(houses - {NIL})]
        if NIL in houses:
            by_house.append(s.house_id.is_(None))
        where = [or_(*by_house), s.scanned_at >= lo, s.scanned_at < hi]
        await session.execute(delete(target).where(*box((target.house_id, target.day), keys)))
    else:
        lo, hi = _span(days)
        where = [s.scanned_at >= lo, s.scanned_at < hi]
        await session.execute(delete(target).where(target.day.between(min(days), max(days))))
    # Grouped in an outer query: PostgreSQL would not match the bound NIL in a GROUP BY.
    raw = (
        select(
            house.label("house_id"),
            day.label("day"),
            s.team_id.label("team_id"),
            case((s.flags != 0, 1), else_=0).label("flag"),
            s.scanned_at.label("at"),
        )
        .where(*where)
        .subquery()
    )
    agg = (
        select(
            raw.c.house_id,
            raw.c.day,
            raw.c.team_id,
            func.count().label("scans"),
            func.sum(raw.c.flag).label("flagged"),
            func.min(raw.c.at).label("first_scan_at"),
            func.max(raw.c.at).label("last_scan_at"),
        )
        .group_by(raw.c.house_id, raw.c.day, raw.c.team_id)
        .subquery()
    )
    rows = select(agg)
    if keys is not None:
        rows = rows.where(*box((agg.c.house_id, agg.c.day), keys))
    cols = ["house_id", "day", "team_id", "scans", "flagged", "first_scan_at", "last_scan_at"]
    await session.execute(insert(target).from_select(cols, rows))


async def house_months(session: AsyncSession, *, keys=None, months=None) -> None:
    """Recompute house × month from the day rollup, for (house, month) keys or a month range."""
    d, t = RollupHouseDay, RollupHouseMonth
    month = month_of(d.day)
    if keys is not None:
        keys = [(h, m) for h, m in keys if h != NIL]
        if not keys:
            return
        first = min(m for _, m in keys)
        last = _next_month(max(m for _, m in keys))
        where = [d.house_id.in_({h for h, _ in keys})]
        # coalesce(day, day): the same day, but not the day index: for a few hundred houses
        # the primary key (house, day) reads a few rows each, the day index a whole month.
        day = func.coalesce(d.day, d.day)
        await session.execute(delete(t).where(*box((t.house_id, t.month), keys)))
    else:
        first, last = min(months), _next_month(max(months))
        where, day = [d.house_id != NIL], d.day
        await session.execute(delete(t).where(t.month >= first, t.month < last))
    agg = (
        select(
            d.house_id.label("house_id"),
            month.label("month"),
            func.sum(d.scans).label("scans"),
            func.count(func.distinct(d.day)).label("patrol_days"),
            # distinct: a day a house was scanned by two teams has two rows, and one bit
            func.sum(func.distinct(day_bit(d.day))).label("days"),
            func.max(d.last_scan_at).label("last_scan_at"),
        )
        .where(*where, day >= first, day < last)
        .group_by(d.house_id, month)
        .subquery()
    )
    rows = select(agg)
    if keys is not None:
        rows = rows.where(*box((agg.c.house_id, agg.c.month), keys))
    cols = ["house_id", "month", "scans", "patrol_days", "days", "last_scan_at"]
    await session.execute(insert(t).from_select(cols, rows))


async def house_years(session: AsyncSession, *, keys=None, years=None) -> None:
    """Recompute house × year (its months as bits) from the month rollup, for (house, year)
    keys or whole years."""
    m, t = RollupHouseMonth, RollupHouseYear
    if keys is not None:
        keys = list(keys)
        if not keys:
            return
        years = [y for _, y in keys]
        where = [m.house_id.in_({h for h, _ in keys})]
        # coalesce(month, month): as in house_months, the primary key (house, month) reads
        # a few rows per house; the month index (a generic plan's pick after a few runs:
        # 3 s per batch of 500 houses at 40,000 houses) would read whole months.
        month = func.coalesce(m.month, m.month)
        await session.execute(delete(t).where(*box((t.house_id, t.year), keys)))
    else:
        where, month = [], m.month
        await session.execute(delete(t).where(t.year.between(min(years), max(years))))
    first, last = date(min(years), 1, 1), date(max(years) + 1, 1, 1)
    year = year_of(m.month)
    agg = (
        select(
            year.label("year"),
            m.house_id.label("house_id"),
            # one row per house and month, so the sum of the months' bits is their OR
            func.sum(month_bit(m.month)).label("months"),
        )
        .where(*where, month >= first, month < last)
        .group_by(m.house_id, year)
        .subquery()
    )
    rows = select(agg)
    if keys is not None:
        rows = rows.where(*box((agg.c.house_id, agg.c.year), keys))
    await session.execute(insert(t).from_select(["year", "house_id", "months"], rows))


async def house_last(session: AsyncSession, *, houses: set[uuid.UUID] | None = None) -> None:
    """Recompute each house's last scan from the month rollup (all houses when None)."""
    m, t = RollupHouseMonth, RollupHouseLast
    where = [m.house_id.in_(houses)] if houses is not None else []
    await session.execute(delete(t).where(t.house_id.in_(houses)) if houses else delete(t))
    rows = select(m.house_id, func.max(m.last_scan_at)).where(*where).group_by(m.house_id)
    await session.execute(insert(t).from_select(["house_id", "last_scan_at"], rows))


def _next_month(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


# --- team × day ---------------------------------------------------------------------------

_TEAM_VALUES = (
    "patrols",
    "patrols_completed",
    "patrols_on_time",
    "windows_planned",
    "windows_done",
    "windows_partial",
    "windows_missed",
    "scans",
    "flagged",
    "houses_scanned",
    "incidents",
)


def _part(team, day, group: bool = True, **values):
    """One source's contribution to team × day, with zeros for the other values."""
    cols = [team.label("team_id"), day.label("day")]
    cols += [values.get(name, literal(0)).label(name) for name in _TEAM_VALUES]
    return cols


async def team_days(session: AsyncSession, *, keys: DayKeys | None = None, days=None) -> None:
    """Recompute team × day from house_day, patrols, plan results and incident facts."""
    p, w, hd, f = Patrol, PlanWindowResult, RollupHouseDay, RollupIncidentFact
    t = RollupTeamDay
    if keys is not None:
        teams = {k for k, _ in keys}
        dlist = [d for _, d in keys]
        await session.execute(delete(t).where(*box((t.team_id, t.day), keys)))
    else:
        teams, dlist = None, list(days)
        await session.execute(delete(t).where(t.day.between(min(dlist), max(dlist))))
    first, last = min(dlist), max(dlist)
    lo, hi = _span(dlist)

    def by_team(column):
        return [column.in_(teams)] if teams is not None else []

    pday = local_day(p.started_at)
    completed = and_(p.status == "completed", p.ended_at.is_not(None))
    on_time = and_(
        completed,
        p.ended_received_at.is_not(None),
        seconds_between(p.ended_received_at, p.ended_at) <= ON_TIME_SECONDS,
    )
    patrols = (
        select(
            *_part(
                p.team_id,
                pday,
                patrols=func.count(),
                patrols_completed=func.sum(case((completed, 1), else_=0)),
                patrols_on_time=func.sum(case((on_time, 1), else_=0)),
            )
        )
        .where(*by_team(p.team_id), p.started_at >= lo, p.started_at < hi, p.status != "abandoned")
        .group_by(p.team_id, pday)
    )
    windows = (
        select(
            *_part(
                w.team_id,
                w.local_date,
                windows_planned=func.count(),
                windows_done=func.sum(case((w.status == "done", 1), else_=0)),
                windows_partial=func.sum(case((w.status == "partial", 1), else_=0)),
                windows_missed=func.sum(case((w.status == "missed", 1), else_=0)),
            )
        )
        .where(*by_team(w.team_id), w.local_date.between(first, last))
        .group_by(w.team_id, w.local_date)
    )
    scans = (
        select(
            *_part(
                hd.team_id,
                hd.day,
                scans=func.sum(hd.scans),
                flagged=func.sum(hd.flagged),
                houses_scanned=func.sum(case((hd.house_id != NIL, 1), else_=0)),
            )
        )
        .where(*by_team(hd.team_id), hd.day.between(first, last))
        .group_by(hd.team_id, hd.day)
    )
    reports = (
        select(*_part(f.team_id, f.day, incidents=func.count()))
        .where(*by_team(f.team_id), f.day.between(first, last))
        .group_by(f.team_id, f.day)
    )
    u = union_all(patrols, windows, scans, reports).subquery()
    rows = select(u.c.team_id, u.c.day, *[func.sum(u.c[n]).label(n) for n in _TEAM_VALUES])
    if keys is not None:
        rows = rows.where(*box((u.c.team_id, u.c.day), keys))
    rows = rows.group_by(u.c.team_id, u.c.day)
    await session.execute(insert(t).from_select(["team_id", "day", *_TEAM_VALUES], rows))


# --- incidents ----------------------------------------------------------------------------


def _incident_cell_columns():
    i = Incident
    return (i.admin_unit_id, i.union_unit_id, nil(i.covering_union_unit_id), nil(i.site_id))


async def ensure_cells(session: AsyncSession, *, ids: Sequence[uuid.UUID] | None) -> None:
    """Create the cells the given (or all) submitted incidents need."""
    i, c = Incident, RollupCell
    cols = _incident_cell_columns()
    where = [i.status != "draft"] + ([i.id.in_(ids)] if ids is not None else [])
    missing = (
        select(*cols)
        .where(*where)
        .where(
            ~select(c.id)
            .where(
                c.admin_unit_id == cols[0],
                c.union_unit_id == cols[1],
                c.covering_union_unit_id == cols[2],
                c.site_id == cols[3],
            )
            .exists()
        )
        .distinct()
    )
    names = ["admin_unit_id", "union_unit_id", "covering_union_unit_id", "site_id"]
    await session.execute(insert(c).from_select(names, missing))


async def incident_facts(
    session: AsyncSession, *, ids: Sequence[uuid.UUID] | None
) -> tuple[set, set]:
    """Re-file where the given (or all) incidents count; returns the (day, cell) and
    (team, day) keys they left or joined."""
    i, c, f = Incident, RollupCell, RollupIncidentFact
    day_cells: set = set()
    team_days_: set = set()
    if ids is not None:
        old = await session.execute(
            select(f.day, f.cell_id, f.team_id).where(f.incident_id.in_(ids))
        )
        for day, cell, team in old:
            day_cells.add((day, cell))
            team_days_.add((team, day))
        await session.execute(delete(f).where(f.incident_id.in_(ids)))
    else:
        await session.execute(delete(f))
    await ensure_cells(session, ids=ids)
    cols = _incident_cell_columns()
    day = local_day(i.occurred_at)
    rows = (
        select(i.id, day, c.id, i.team_id, nil(i.house_id))
        .join(
            c,
            and_(
                c.admin_unit_id == cols[0],
                c.union_unit_id == cols[1],
                c.covering_union_unit_id == cols[2],
                c.site_id == cols[3],
            ),
        )
        .where(i.status != "draft", *([i.id.in_(ids)] if ids is not None else []))
    )
    names = ["incident_id", "day", "cell_id", "team_id", "house_id"]
    await session.execute(insert(f).from_select(names, rows))
    if ids is not None:
        new = await session.execute(
            select(f.day, f.cell_id, f.team_id).where(f.incident_id.in_(ids))
        )
        for day_, cell, team in new:
            day_cells.add((day_, cell))
            team_days_.add((team, day_))
    return day_cells, team_days_


async def incident_days(session: AsyncSession, *, keys=None, days=None) -> None:
    """Recompute counts and duration histograms for (day, cell) keys or a day range."""
    f, i = RollupIncidentFact, Incident
    counts, times = RollupIncidentDay, RollupIncidentTime
    if keys is not None:
        keys = list(keys)
        pick = and_(*box((f.day, f.cell_id), keys))
        for t in (counts, times):
            await session.execute(delete(t).where(*box((t.day, t.cell_id), keys)))
    else:
        pick = f.day.between(min(days), max(days))
        for t in (counts, times):
            await session.execute(delete(t).where(t.day.between(min(days), max(days))))
    base = select().select_from(f).join(i, i.id == f.incident_id).where(pick)
    count_rows = base.add_columns(
        f.day,
        f.cell_id,
        i.category,
        i.severity,
        i.status,
        func.count(),
        func.sum(case((i.protect_reporter, 1), else_=0)),
    ).group_by(f.day, f.cell_id, i.category, i.severity, i.status)
    names = ["day", "cell_id", "category", "severity", "status", "n", "protected"]
    await session.execute(insert(counts).from_select(names, count_rows))
    for kind, end, extra in (
        ("ack", i.acknowledged_at, []),
        ("resolve", i.closed_at, [i.status == "closed"]),
    ):
        raw = (
            base.add_columns(
                f.day.label("day"),
                f.cell_id.label("cell_id"),
                i.severity.label("severity"),
                bucket_sql(seconds_between(end, i.submitted_at)).label("bucket_s"),
            )
            .where(end.is_not(None), i.submitted_at.is_not(None), *extra)
            .subquery()
        )
        rows = select(
            raw.c.day, raw.c.cell_id, raw.c.severity, literal(kind), raw.c.bucket_s, func.count()
        ).group_by(raw.c.day, raw.c.cell_id, raw.c.severity, raw.c.bucket_s)
        names = ["day", "cell_id", "severity", "kind", "bucket_s", "n"]
        await session.execute(insert(times).from_select(names, rows))

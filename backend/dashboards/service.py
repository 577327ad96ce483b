"""The dashboard summary of a scope and period, read from rollups and small live tables only.

Raw scans and incidents are never aggregated here: incident figures come from the day × cell
rollups, team figures from team × day, coverage from house × year (the day bits of house ×
month for the partial months at the edges of a period); only open escalations are read live
(a small set).
"""

import asyncio
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, func, or_, select, union, union_all
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import aliased

from backend.core.db import plan_for_parameters
from backend.core.errors import Invalid
from backend.core.params import in_calendar
from backend.dashboards.buckets import percentile
from backend.dashboards.sqlfuncs import month_of
from backend.models import BoardingHouse
from backend.models.incident import Escalation, Incident, IncidentCategory
from backend.models.rollup import (
    RollupHouseMonth,
    RollupHouseYear,
    RollupIncidentDay,
    RollupIncidentMonth,
    RollupIncidentTime,
    RollupIncidentTimeMonth,
    RollupTeamDay,
    RollupTeamMonth,
    RollupTeamWeek,
)
from backend.policy import Subject, visible
from backend.policy.dashboards import Scope, cells_in, houses_where, incident_scope, teams_in

MAX_PERIOD_DAYS = 3 * 366
OVERDUE_ITEMS = 20


@dataclass(frozen=True)
class Period:
    first: date
    last: date  # inclusive

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


def make_period(first: date | None, last: date | None, *, today: date) -> Period:
    """The asked period, by default the current month so far; refused when inverted or huge."""
    first = first or today.replace(day=1)
    last = last or max(first, today)
    if last < first or not (in_calendar(first) and in_calendar(last)):
        raise Invalid(code="period_invalid")
    if (last - first).days + 1 > MAX_PERIOD_DAYS:
        raise Invalid(code="period_too_long", max_days=MAX_PERIOD_DAYS)
    return Period(first, last)


def trend_starts(period: Period, trend: str) -> list[date]:
    """Every week (Monday) or month start the period touches, so empty ones show as zero."""
    if trend == "week":
        start = period.first - timedelta(days=period.first.weekday())
        step = lambda d: d + timedelta(days=7)  # noqa: E731
    else:
        start = period.first.replace(day=1)
        step = lambda d: (d.replace(day=28) + timedelta(days=4)).replace(day=1)  # noqa: E731
    out = []
    while start <= period.last:
        out.append(start)
        start = step(start)
    return out


def _as_date(value) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value


async def incident_figures(
    session: AsyncSession, subject: Subject, scope: Scope, period: Period, trend: str, lang: str
) -> tuple[dict, dict[date, int]]:
    """Incidents by category, severity, status (and per trend bucket), and response times.

    Whole months are read from the month margins, the days at a period's edges from the day
    rollup; both are a few rows per cell."""
    cells = cells_in(subject, scope)
    months, edges = whole_months(period)
    by: dict[str, dict] = {d: defaultdict(int) for d in ("category", "severity", "status", "day")}
    protected = 0
    times: dict[str, list] = {"ack": [], "resolve": []}
    if months:
        m, tm = RollupIncidentMonth, RollupIncidentTimeMonth
        rows = await session.execute(
            select(m.dim, m.value, func.sum(m.n), func.sum(m.protected))
            .where(m.month.in_(months), m.cell_id.in_(cells))
            .group_by(m.dim, m.value)
        )
        for dim, value, n, prot in rows:
            by[dim][int(value) if dim == "severity" else value] += int(n)
            if dim == "status":
                protected += int(prot or 0)
        hist = await session.execute(
            select(tm.kind, tm.bucket_s, func.sum(tm.n))
            .where(tm.month.in_(months), tm.cell_id.in_(cells))
            .group_by(tm.kind, tm.bucket_s)
        )
        for kind, bucket, n in hist:
            times[kind].append((int(bucket), int(n)))
    if edges:
        r, t = RollupIncidentDay, RollupIncidentTime
        spans = or_(*[r.day.between(a, b) for a, b in edges])
        rows = await session.execute(
            select(r.day, r.category, r.severity, r.status, func.sum(r.n), func.sum(r.protected))
            .where(spans, r.cell_id.in_(cells))
            .group_by(r.day, r.category, r.severity, r.status)
        )
        for day, category, severity, status, n, prot in rows:
            n = int(n)
            by["category"][category] += n
            by["severity"][severity] += n
            by["status"][status] += n
            by["day"][str(_as_date(day))] += n
            protected += int(prot or 0)
        hist = await session.execute(
            select(t.kind, t.bucket_s, func.sum(t.n))
            .where(or_(*[t.day.between(a, b) for a, b in edges]), t.cell_id.in_(cells))
            .group_by(t.kind, t.bucket_s)
        )
        for kind, bucket, n in hist:
            times[kind].append((int(bucket), int(n)))
    per_bucket: dict[date, int] = defaultdict(int)
    for day, n in by["day"].items():
        day = _as_date(day)
        if period.first <= day <= period.last:
            per_bucket[_bucket_start(day, trend)] += n
    names = dict(
        (
            await session.execute(
                select(
                    IncidentCategory.code,
                    IncidentCategory.name_en if lang == "en" else IncidentCategory.name_vi,
                ).where(IncidentCategory.parent_code.is_(None))
            )
        ).all()
    )
    figures = {
        "total": sum(by["status"].values()),
        "protected_reporter": protected,
        "by_category": [
            {"category": c, "name": names.get(c, c), "count": n}
            for c, n in sorted(by["category"].items(), key=lambda kv: (-kv[1], kv[0]))
        ],
        "by_severity": [{"severity": s, "count": by["severity"].get(s, 0)} for s in (1, 2, 3, 4)],
        "by_status": [{"status": s, "count": n} for s, n in sorted(by["status"].items())],
        "time_to_acknowledge": _times(times["ack"]),
        "time_to_resolve": _times(times["resolve"]),
    }
    return figures, per_bucket


def _bucket_start(day: date, trend: str) -> date:
    return day - timedelta(days=day.weekday()) if trend == "week" else day.replace(day=1)


def _times(hist: list[tuple[int, int]]) -> dict:
    return {
        "count": sum(n for _, n in hist),
        "median_seconds": percentile(hist, 50),
        "p90_seconds": percentile(hist, 90),
    }


TEAM_COUNTS = (
    *("patrols", "patrols_completed", "windows_planned", "windows_done", "windows_partial"),
    *("windows_missed", "scans", "flagged", "incidents"),
)


async def team_week_series(
    session: AsyncSession, subject: Subject, scope: Scope, period: Period
) -> dict[date, dict]:
    """Team activity per week (Monday first): whole weeks from team × week, the days of the
    partial weeks at the period's edges from team × day, in one round trip."""
    d, w = RollupTeamDay, RollupTeamWeek
    teams = teams_in(subject, scope)
    weeks, edges = _whole_weeks(period)
    parts = []
    if weeks:
        parts.append(
            select(w.week.label("b"), *[func.sum(getattr(w, c)).label(c) for c in TEAM_COUNTS])
            .where(w.week.in_(weeks), w.team_id.in_(teams))
            .group_by(w.week)
        )
    # One range per edge: OR'ed ranges turn the covering index's index-only scan into a
    # bitmap scan that visits the heap row by row (60 ms instead of 5).
    parts.extend(
        select(d.day.label("b"), *[func.sum(getattr(d, c)).label(c) for c in TEAM_COUNTS])
        .where(d.day.between(a, b), d.team_id.in_(teams))
        .group_by(d.day)
        for a, b in edges
    )
    found: dict[date, dict] = {}
    for b, *values in await session.execute(union_all(*parts) if len(parts) > 1 else parts[0]):
        week = found.setdefault(_bucket_start(_as_date(b), "week"), dict.fromkeys(TEAM_COUNTS, 0))
        for c, v in zip(TEAM_COUNTS, values, strict=True):
            week[c] += int(v or 0)
    return found


def _whole_weeks(period: Period) -> tuple[list[date], list[tuple[date, date]]]:
    """Mondays of the weeks wholly inside the period, and the day spans left at its edges."""
    weeks, edges = [], []
    cursor = period.first
    while cursor <= period.last:
        monday = cursor - timedelta(days=cursor.weekday())
        sunday = monday + timedelta(days=6)
        end = min(sunday, period.last)
        if cursor == monday and end == sunday:
            weeks.append(monday)
        else:
            edges.append((cursor, end))
        cursor = sunday + timedelta(days=1)
    return weeks, edges


async def team_figures(
    session: AsyncSession, subject: Subject, scope: Scope, period: Period
) -> tuple[dict, dict[date, dict]]:
    """Patrols done against planned, team activity totals, and their monthly trend.

    Totals come from team × month for whole months (team × day at the edges); the weekly
    trend is ``team_week_series``."""
    teams = teams_in(subject, scope)
    months, edges = whole_months(period)
    cols = TEAM_COUNTS
    d, m = RollupTeamDay, RollupTeamMonth
    parts = []
    if months:
        parts.append(
            select(m.month.label("b"), m.team_id, *[getattr(m, c) for c in cols]).where(
                m.month.in_(months), m.team_id.in_(teams)
            )
        )
    if edges:
        parts.append(
            select(month_of(d.day).label("b"), d.team_id, *[getattr(d, c) for c in cols]).where(
                or_(*[d.day.between(a, b) for a, b in edges]), d.team_id.in_(teams)
            )
        )
    inner = union_all(*parts).subquery() if len(parts) > 1 else parts[0].subquery()
    sums = [func.sum(inner.c[c]) for c in cols]
    totals = dict.fromkeys(cols, 0)
    per_bucket: dict[date, dict] = {}
    for b, *values in await session.execute(select(inner.c.b, *sums).group_by(inner.c.b)):
        values = [int(v or 0) for v in values]
        per_bucket[_as_date(b)] = dict(zip(cols, values, strict=True))
        for c, v in zip(cols, values, strict=True):
            totals[c] += v
    active, in_scope = (
        await session.execute(
            select(  # one round trip for both counts
                select(func.count(func.distinct(inner.c.team_id)))
                .where(inner.c.patrols > 0)
                .scalar_subquery(),
                select(func.count()).select_from(teams.subquery()).scalar_subquery(),
            )
        )
    ).one()
    planned = totals["windows_planned"]
    return (
        {
            "teams": int(in_scope or 0),
            "teams_active": int(active or 0),
            "patrols": totals["patrols"],
            "patrols_completed": totals["patrols_completed"],
            "windows_planned": planned,
            "windows_done": totals["windows_done"],
            "windows_partial": totals["windows_partial"],
            "windows_missed": totals["windows_missed"],
            "done_rate": round(totals["windows_done"] / planned, 4) if planned else None,
            "scans": totals["scans"],
            "flagged_scans": totals["flagged"],
            "reports": totals["incidents"],
        },
        per_bucket,
    )


def whole_months(period: Period) -> tuple[list[date], list[tuple[date, date]]]:
    """Months wholly inside the period, and the (first, last) day spans left at its edges."""
    months, edges = [], []
    cursor = period.first
    while cursor <= period.last:
        nxt = (cursor.replace(day=28) + timedelta(days=4)).replace(day=1)
        end = min(nxt - timedelta(days=1), period.last)
        if cursor.day == 1 and end == nxt - timedelta(days=1):
            months.append(cursor)
        else:
            edges.append((cursor, end))
        cursor = nxt
    return months, edges


def coverage_masks(period: Period) -> tuple[dict[int, int], list[tuple[date, int]]]:
    """The period as the rollups' bit masks: per year, its whole months (bit m-1 for month m);
    per partial month at an edge, its days (bit d-1 for day d)."""
    months, edges = whole_months(period)
    years: dict[int, int] = defaultdict(int)
    for month in months:
        years[month.year] |= 1 << (month.month - 1)
    # An edge span lies within one month (see whole_months): days a..b are bits a-1..b-1.
    days = [(a.replace(day=1), (1 << b.day) - (1 << (a.day - 1))) for a, b in edges]
    return dict(years), days


def scanned_houses(period: Period):
    """SELECT of the distinct houses scanned at least once in the period (any scope)."""
    y, m = RollupHouseYear, RollupHouseMonth
    years, edges = coverage_masks(period)
    parts = [
        select(y.house_id).where(y.year == year, y.months.bitwise_and(mask) != 0)
        for year, mask in years.items()
    ]
    parts += [
        select(m.house_id).where(m.month == month, m.days.bitwise_and(mask) != 0)
        for month, mask in edges
    ]
    return union(*parts) if len(parts) > 1 else parts[0]


async def house_figures(
    session: AsyncSession, subject: Subject, scope: Scope, period: Period
) -> dict:
    """Houses of the scope, and how many were patrolled in the period (one pass)."""
    h = BoardingHouse
    years, edges = coverage_masks(period)
    # Each house joined to at most one row per year the period touches (its months as bits)
    # and one per partial month at an edge (its days as bits): a three-month period reads
    # one row per house, not three (120,000 rows for a 40,000-house city), and an edge reads
    # one row per house, not one per house and day.
    base, seen = select(func.count()).select_from(h), []
    for year, mask in years.items():
        y = aliased(RollupHouseYear)
        base = base.outerjoin(y, and_(y.year == year, y.house_id == h.id))
        seen.append(y.months.bitwise_and(mask) != 0)
    for month, mask in edges:
        m = aliased(RollupHouseMonth)
        base = base.outerjoin(m, and_(m.month == month, m.house_id == h.id))
        seen.append(m.days.bitwise_and(mask) != 0)
    base = base.add_columns(func.count().filter(or_(*seen)))
    total, covered = (await session.execute(base.where(houses_where(subject, scope)))).one()
    total, covered = int(total or 0), int(covered or 0)
    return {
        "total": total,
        "covered": covered,
        "uncovered": max(total - covered, 0),
        "coverage_rate": round(covered / total, 4) if total else None,
    }


async def overdue_escalations(
    session: AsyncSession, subject: Subject, scope: Scope, now: datetime
) -> dict:
    """Open escalations past their deadline now, in scope (a live read of a small set)."""
    e, i = Escalation, Incident
    where = [
        e.status == "open",
        e.deadline_at < now,
        visible(subject, Incident),
        incident_scope(scope, Incident),
    ]
    base = select(e, i.category, i.severity).join(i, i.id == e.incident_id).where(*where)
    count = await session.scalar(select(func.count()).select_from(base.subquery()))
    rows = await session.execute(base.order_by(e.deadline_at).limit(OVERDUE_ITEMS))
    items = [
        {
            "escalation_id": esc.id,
            "incident_id": esc.incident_id,
            "category": category,
            "severity": severity,
            "target_kind": esc.target_kind,
            "level": esc.level,
            "deadline_at": esc.deadline_at,
            "overdue_seconds": int((now - esc.deadline_at).total_seconds()),
        }
        for esc, category, severity in rows
    ]
    return {"count": int(count or 0), "items": items}


async def summary(
    session: AsyncSession,
    *,
    subject: Subject,
    scope: Scope,
    period: Period,
    trend: str,
    now: datetime,
    lang: str = "vi",
    sessions: async_sessionmaker[AsyncSession] | None = None,
) -> dict:
    """Every headline figure of the dashboard for a scope and period.

    Given a session factory on PostgreSQL, the independent groups of figures are read
    at the same time on connections of their own (read-only), so the answer takes about as
    long as the slowest group instead of their sum.
    """
    jobs = [
        lambda s: incident_figures(s, subject, scope, period, trend, lang),
        lambda s: team_figures(s, subject, scope, period),
        lambda s: house_figures(s, subject, scope, period),
        lambda s: overdue_escalations(s, subject, scope, now),
    ]
    if trend == "week":  # the costliest read of a weekly dashboard: on a connection of its own
        jobs.append(lambda s: team_week_series(s, subject, scope, period))
    if sessions is not None and session.bind.dialect.name == "postgresql":

        async def apart(job):
            async with sessions() as own:
                await plan_for_parameters(own)
                return await job(own)

        results = await asyncio.gather(*(apart(job) for job in jobs))
    else:
        results = [await job(session) for job in jobs]
    (incidents, inc_trend), (teams, team_trend), houses, overdue = results[:4]
    if trend == "week":
        team_trend = results[4]
    series = []
    for start in trend_starts(period, trend):
        t = team_trend.get(start, {})
        series.append(
            {
                "start": start,
                "incidents": inc_trend.get(start, 0),
                "patrols": t.get("patrols", 0),
                "scans": t.get("scans", 0),
                "flagged_scans": t.get("flagged", 0),
                "windows_planned": t.get("windows_planned", 0),
                "windows_done": t.get("windows_done", 0),
            }
        )
    return {
        "scope": {"kind": scope.kind, "id": scope.id, "name": scope.name},
        "period": {"from": period.first, "to": period.last},
        "generated_at": now,
        "incidents": incidents,
        "escalations_overdue": overdue,
        "patrols": teams,
        "houses": houses,
        "trend": {"by": trend, "series": series},
    }

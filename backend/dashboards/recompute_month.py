"""Month and week rollups, recomputed from the day rollups for (month, cell), (team, month) or
(team, week) keys, or for whole months and weeks. Same contract as ``recompute``: delete what
the keys own, insert it again."""

from datetime import date, timedelta

from sqlalchemy import String, cast, delete, func, insert, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from backend.dashboards.recompute import box
from backend.dashboards.sqlfuncs import month_of, week_of
from backend.models.rollup import (
    RollupIncidentDay,
    RollupIncidentMonth,
    RollupIncidentTime,
    RollupIncidentTimeMonth,
    RollupTeamDay,
    RollupTeamMonth,
    RollupTeamWeek,
)

TEAM_VALUES = (
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


def week_start(day: date) -> date:
    """The Monday of a day's week."""
    return day - timedelta(days=day.weekday())


def next_month(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


async def _replace(session, target, key_cols, keys, months, source_day, names, rows_fn):
    """Delete the target rows of the keys (or months), insert the recomputed ones."""
    if keys is not None:
        keys = list(keys)
        if not keys:
            return
        month_values = [k[key_cols.index("month")] for k in keys]
        first, last = min(month_values), next_month(max(month_values))
        target_cols = [getattr(target, c) for c in key_cols]
        await session.execute(delete(target).where(*box(target_cols, keys)))
    else:
        first, last = min(months), next_month(max(months))
        await session.execute(delete(target).where(target.month >= first, target.month < last))
    agg = rows_fn(source_day >= first, source_day < last).subquery()
    rows = select(agg)
    if keys is not None:
        rows = rows.where(*box([agg.c[c] for c in key_cols], keys))
    await session.execute(insert(target).from_select(names, rows))


async def incident_months(session: AsyncSession, *, keys=None, months=None) -> None:
    """Margins per (month, cell): by category, severity, status and day."""
    d = RollupIncidentDay
    month = month_of(d.day)

    def rows(*when):
        parts = []
        for dim, column in (
            ("category", d.category),
            ("severity", cast(d.severity, String)),
            ("status", d.status),
            ("day", cast(d.day, String)),
        ):
            parts.append(
                select(
                    month.label("month"),
                    d.cell_id.label("cell_id"),
                    literal(dim).label("dim"),
                    column.label("value"),
                    func.sum(d.n).label("n"),
                    func.sum(d.protected).label("protected"),
                )
                .where(*when, *_cells(d, keys))
                .group_by(month, d.cell_id, column)
            )
        return union_all(*parts)

    names = ["month", "cell_id", "dim", "value", "n", "protected"]
    await _replace(
        session, RollupIncidentMonth, ("month", "cell_id"), keys, months, d.day, names, rows
    )


def _cells(model, keys):
    return [model.cell_id.in_({c for _, c in keys})] if keys is not None else []


async def incident_time_months(session: AsyncSession, *, keys=None, months=None) -> None:
    """Duration histograms per (month, cell)."""
    t = RollupIncidentTime
    month = month_of(t.day)

    def rows(*when):
        return (
            select(
                month.label("month"),
                t.cell_id.label("cell_id"),
                t.kind.label("kind"),
                t.bucket_s.label("bucket_s"),
                func.sum(t.n).label("n"),
            )
            .where(*when, *_cells(t, keys))
            .group_by(month, t.cell_id, t.kind, t.bucket_s)
        )

    names = ["month", "cell_id", "kind", "bucket_s", "n"]
    await _replace(
        session, RollupIncidentTimeMonth, ("month", "cell_id"), keys, months, t.day, names, rows
    )


async def team_months(session: AsyncSession, *, keys=None, months=None) -> None:
    """A team's month: the sums of its days."""
    d = RollupTeamDay
    month = month_of(d.day)

    def rows(*when):
        teams = [d.team_id.in_({t for t, _ in keys})] if keys is not None else []
        return (
            select(
                d.team_id.label("team_id"),
                month.label("month"),
                *[func.sum(getattr(d, c)).label(c) for c in TEAM_VALUES],
            )
            .where(*when, *teams)
            .group_by(d.team_id, month)
        )

    names = ["team_id", "month", *TEAM_VALUES]
    await _replace(session, RollupTeamMonth, ("team_id", "month"), keys, months, d.day, names, rows)


async def team_weeks(session: AsyncSession, *, keys=None, weeks=None) -> None:
    """A team's week: the sums of its days, for (team, Monday) keys or whole weeks."""
    d, w = RollupTeamDay, RollupTeamWeek
    if keys is not None:
        keys = list(keys)
        if not keys:
            return
        starts = [k[1] for k in keys]
        await session.execute(delete(w).where(*box([w.team_id, w.week], keys)))
    else:
        starts = list(weeks)
        await session.execute(delete(w).where(w.week >= min(starts), w.week <= max(starts)))
    week = week_of(d.day)
    teams = [d.team_id.in_({t for t, _ in keys})] if keys is not None else []
    agg = (
        select(
            d.team_id.label("team_id"),
            week.label("week"),
            *[func.sum(getattr(d, c)).label(c) for c in TEAM_VALUES],
        )
        .where(d.day >= min(starts), d.day < max(starts) + timedelta(days=7), *teams)
        .group_by(d.team_id, week)
        .subquery()
    )
    rows = select(agg)
    if keys is not None:
        rows = rows.where(*box([agg.c.team_id, agg.c.week], keys))
    await session.execute(insert(w).from_select(["team_id", "week", *TEAM_VALUES], rows))

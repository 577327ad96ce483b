"""Dashboard tables: team ranking, patrol coverage against incidents, uncovered houses,
and reporting completeness per union unit. All scoped like the summary."""

from datetime import datetime, timedelta

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.dashboards.service import Period, scanned_houses
from backend.dashboards.sqlfuncs import seconds_before
from backend.models import BoardingHouse, Team, UnionUnit
from backend.models.incident import Incident
from backend.models.patrol import CheckpointScan
from backend.models.rollup import NIL, RollupHouseLast, RollupIncidentFact, RollupTeamDay
from backend.policy import Subject
from backend.policy.dashboards import Scope, cells_in, houses_where, teams_in
from backend.policy.scopes import under

LOOKBACK = timedelta(days=30)


def _sums(r=RollupTeamDay):
    return [
        func.coalesce(func.sum(getattr(r, c)), 0).label(c)
        for c in (
            "patrols",
            "patrols_completed",
            "patrols_on_time",
            "windows_planned",
            "windows_done",
            "scans",
            "flagged",
            "incidents",
        )
    ]


async def team_ranking(
    session: AsyncSession, *, subject: Subject, scope: Scope, period: Period, limit: int
) -> list[dict]:
    """Teams ranked by completed patrols, then scans, then reports (fewest flags breaks ties)."""
    r = RollupTeamDay
    agg = (
        select(r.team_id, *_sums())
        .where(r.day.between(period.first, period.last), r.team_id.in_(teams_in(subject, scope)))
        .group_by(r.team_id)
        .subquery()
    )
    rows = await session.execute(
        select(Team.id, Team.code, Team.name, agg)
        .join(agg, agg.c.team_id == Team.id, isouter=True)
        .where(Team.id.in_(teams_in(subject, scope)))
    )
    out = []
    for row in rows:
        m = row._mapping
        out.append(
            {
                "team_id": m["id"],
                "code": m["code"],
                "name": m["name"],
                "patrols": int(m["patrols"] or 0),
                "patrols_completed": int(m["patrols_completed"] or 0),
                "scans": int(m["scans"] or 0),
                "reports": int(m["incidents"] or 0),
                "flagged_scans": int(m["flagged"] or 0),
            }
        )
    out.sort(
        key=lambda t: (
            -t["patrols_completed"],
            -t["scans"],
            -t["reports"],
            t["flagged_scans"],
            t["code"],
        )
    )
    for rank, team in enumerate(out, start=1):
        team["rank"] = rank
    return out[:limit]


async def _houses_from(session: AsyncSession, cells, start, period: Period) -> int:
    """Houses with an incident in the scope's cells from ``start`` to the period's end (read
    from the (cell, day) index: the houses' own scope is left to the page's statement)."""
    f = RollupIncidentFact
    stmt = select(func.count(func.distinct(f.house_id))).where(
        f.cell_id.in_(cells), f.house_id != NIL, f.day.between(start, period.last)
    )
    return await session.scalar(stmt)


async def coverage_against_incidents(
    session: AsyncSession, *, subject: Subject, scope: Scope, period: Period, limit: int
) -> list[dict]:
    """Houses with incidents in the period: when each was last patrolled before its latest
    incident, and how many patrols visited it in the 30 days before."""
    # The `limit` houses whose latest incident is newest all have one in the newest days of
    # the period, so only those days are grouped by house (grouping the whole period's facts
    # cost 0.3 s for a city's three months): the window widens from one day until it holds
    # `limit` houses (counted cheaply, then checked by the page's own statement, which also
    # applies the houses' scope), or is the whole period.
    cells, days = cells_in(subject, scope), (period.last - period.first).days + 1
    span = 1
    while True:
        start = max(period.first, period.last - timedelta(days=span - 1))
        found = await _houses_from(session, cells, start, period) if start > period.first else 0
        if start == period.first or found >= limit:
            rows = await _coverage_since(session, subject, scope, period, start, limit)
            if len(rows) >= limit or start == period.first:
                return rows
        # Twice as far (a year is nine doublings); straight to the whole period when even
        # twice the first day's houses on every day would not fill the page (a district's file).
        span = days if span == 1 and found * days * 2 < limit else min(days, 2 * span)


async def _coverage_since(session, subject, scope, period: Period, start, limit: int) -> list:
    f, i, h, s = RollupIncidentFact, Incident, BoardingHouse, CheckpointScan
    facts = (
        select(f.house_id, f.day, f.incident_id)
        .where(
            f.day.between(start, period.last),
            f.cell_id.in_(cells_in(subject, scope)),
            f.house_id != NIL,
            f.house_id.in_(select(h.id).where(houses_where(subject, scope))),
        )
        .cte("facts")
    )
    per = (
        select(facts.c.house_id, func.max(facts.c.day).label("last_day"))
        .group_by(facts.c.house_id)
        .cte("per")
    )
    # Among those, the `limit` newest are among the houses whose latest local day is one of
    # the `limit` newest (its time only orders houses within a day), so only their incidents
    # of that day are read for the time.
    top_days = select(per.c.last_day).order_by(per.c.last_day.desc()).limit(limit).subquery()
    cutoff = select(func.min(top_days.c.last_day)).scalar_subquery()
    top = (
        select(per.c.house_id, func.max(i.occurred_at).label("latest"))
        .join(facts, and_(facts.c.house_id == per.c.house_id, facts.c.day == per.c.last_day))
        .join(i, i.id == facts.c.incident_id)
        .where(per.c.last_day >= cutoff)
        .group_by(per.c.house_id)
        .order_by(func.max(i.occurred_at).desc(), per.c.house_id)
        .limit(limit)
        .cte("top")
    )
    # The chosen houses' incidents over the whole period, by (house, day).
    counts = (
        select(f.house_id, func.count().label("incidents"))
        .where(
            f.house_id.in_(select(top.c.house_id)),
            f.day.between(period.first, period.last),
            f.cell_id.in_(cells_in(subject, scope)),
        )
        .group_by(f.house_id)
        .subquery()
    )
    # Bounded index probes on (house_id, scanned_at) for at most `limit` houses, in the one
    # statement (a round trip per house cost 0.5 s for a page of 500 at a city's scale).
    last_before = (
        select(func.max(s.scanned_at))
        .where(s.house_id == top.c.house_id, s.scanned_at < top.c.latest)
        .scalar_subquery()
    )
    patrols_before = (
        select(func.count(func.distinct(s.patrol_id)))
        .where(
            s.house_id == top.c.house_id,
            s.scanned_at >= seconds_before(top.c.latest, int(LOOKBACK.total_seconds())),
            s.scanned_at < top.c.latest,
        )
        .scalar_subquery()
    )
    rows = await session.execute(
        select(
            h.id,
            h.code,
            h.name,
            counts.c.incidents,
            top.c.latest,
            last_before,
            patrols_before,
        )
        .join(top, top.c.house_id == h.id)
        .join(counts, counts.c.house_id == h.id)
        .order_by(top.c.latest.desc(), h.id)
    )
    out = []
    for house_id, code, name, incidents, latest, last, patrols in rows.all():
        latest, last = _utc(latest), _utc(last)
        out.append(
            {
                "house_id": house_id,
                "code": code,
                "name": name,
                "incidents": int(incidents),
                "latest_incident_at": latest,
                "last_patrolled_before": last,
                "days_since_patrol": (latest - last).days if last else None,
                "patrols_30_days_before": int(patrols or 0),
            }
        )
    return out


def _utc(value):
    from datetime import UTC

    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


async def uncovered_houses(
    session: AsyncSession, *, subject: Subject, scope: Scope, period: Period, limit: int
) -> list[dict]:
    """Houses of the scope nobody scanned in the period, longest unpatrolled first."""
    h, last = BoardingHouse, RollupHouseLast
    rows = await session.execute(
        select(h.id, h.code, h.name, h.address, last.last_scan_at)
        .join(last, last.house_id == h.id, isouter=True)
        .where(houses_where(subject, scope), h.id.not_in(scanned_houses(period)))
        .order_by(last.last_scan_at.is_not(None), last.last_scan_at, h.code)
        .limit(limit)
    )
    return [
        {
            "house_id": hid,
            "code": code,
            "name": name,
            "address": address,
            "last_patrolled_at": _utc(at),
        }
        for hid, code, name, address, at in rows
    ]


async def completeness(
    session: AsyncSession, *, subject: Subject, scope: Scope, period: Period, threshold: float
) -> dict:
    """Completeness (plan windows done / planned) and timeliness (completed patrols reported
    within a day / completed) per union unit under the scope, with the lagging teams."""
    r = RollupTeamDay
    agg = (
        select(r.team_id, *_sums())
        .where(r.day.between(period.first, period.last))
        .group_by(r.team_id)
        .subquery()
    )
    rows = await session.execute(
        select(Team.id, Team.code, Team.name, UnionUnit.path, agg)
        .join(UnionUnit, UnionUnit.id == Team.union_unit_id)
        .join(agg, agg.c.team_id == Team.id, isouter=True)
        .where(Team.id.in_(teams_in(subject, scope)))
    )
    groups = await _groups(session, scope)
    units: dict = {}
    laggards = []
    for row in rows:
        m = row._mapping
        planned, done = int(m["windows_planned"] or 0), int(m["windows_done"] or 0)
        completed, on_time = int(m["patrols_completed"] or 0), int(m["patrols_on_time"] or 0)
        unit = next((g for g in groups if m["path"].startswith(g["path"])), None)
        key = unit["id"] if unit else None
        u = units.setdefault(
            key,
            {
                "union_unit_id": key,
                "name": unit["name"] if unit else None,
                "teams": 0,
                "windows_planned": 0,
                "windows_done": 0,
                "patrols_completed": 0,
                "patrols_on_time": 0,
                "laggards": 0,
            },
        )
        team_completeness = done / planned if planned else None
        team_timeliness = on_time / completed if completed else None
        late = (team_completeness is not None and team_completeness < threshold) or (
            team_timeliness is not None and team_timeliness < threshold
        )
        u["teams"] += 1
        u["windows_planned"] += planned
        u["windows_done"] += done
        u["patrols_completed"] += completed
        u["patrols_on_time"] += on_time
        if late:
            u["laggards"] += 1
            laggards.append(
                {
                    "team_id": m["id"],
                    "code": m["code"],
                    "name": m["name"],
                    "union_unit_id": key,
                    "windows_planned": planned,
                    "windows_done": done,
                    "completeness": _rate(done, planned),
                    "patrols_completed": completed,
                    "patrols_on_time": on_time,
                    "timeliness": _rate(on_time, completed),
                }
            )
    for u in units.values():
        u["completeness"] = _rate(u["windows_done"], u["windows_planned"])
        u["timeliness"] = _rate(u["patrols_on_time"], u["patrols_completed"])
    laggards.sort(
        key=lambda t: (t["completeness"] if t["completeness"] is not None else 2, t["code"])
    )
    return {
        "threshold": threshold,
        "units": sorted(units.values(), key=lambda u: u["name"] or ""),
        "laggards": laggards,
    }


def _rate(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


async def _groups(session: AsyncSession, scope: Scope) -> list[dict]:
    """The union units teams are grouped by: the scope's children (or itself when a leaf);
    for an admin or site scope, each team's own grassroots union."""
    if scope.kind == "union":
        children = (
            await session.execute(
                select(UnionUnit.id, UnionUnit.name, UnionUnit.path).where(
                    UnionUnit.parent_id == scope.id, UnionUnit.deleted_at.is_(None)
                )
            )
        ).all()
        if children:
            return [{"id": c.id, "name": c.name, "path": c.path} for c in children]
        return [{"id": scope.id, "name": scope.name, "path": scope.path}]
    rows = (
        await session.execute(
            select(UnionUnit.id, UnionUnit.name, UnionUnit.path).where(
                UnionUnit.id.in_(select(Team.union_unit_id)), under(UnionUnit.path, ["/"])
            )
        )
    ).all()
    # Longest path first, so a team is grouped under its own unit, not an ancestor.
    return sorted(
        ({"id": c.id, "name": c.name, "path": c.path} for c in rows),
        key=lambda g: -len(g["path"]),
    )

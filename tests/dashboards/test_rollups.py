"""Rollups equal the raw truth (computed here in Python from the raw rows) after rounds of
random inserts and updates folded in by the refresh job, and again after a full rebuild."""

import random
from collections import defaultdict
from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import select

from backend.dashboards.buckets import bucket_of, percentile
from backend.dashboards.rollups import rebuild_all, refresh
from backend.models import utcnow
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
    RollupIncidentMonth,
    RollupIncidentTime,
    RollupIncidentTimeMonth,
    RollupTeamDay,
    RollupTeamMonth,
    RollupTeamWeek,
)
from tests.dashboards.world import incident, make_patrol, make_scan, make_world

ICT = timezone(timedelta(hours=7))
CATEGORIES = ["theft", "drugs", "fire_safety", "trafficking", "public_order"]
STATUSES = ["submitted", "escalated", "acknowledged", "closed", "rejected", "draft"]


def local(at: datetime):
    return at.astimezone(ICT).date()


def secs(a: datetime, b: datetime) -> int:
    return int(a.replace(microsecond=0).timestamp()) - int(b.replace(microsecond=0).timestamp())


async def truth(session) -> dict:
    """Every rollup as it must be, from the raw rows."""
    scans = (await session.scalars(select(CheckpointScan))).all()
    patrols = (await session.scalars(select(Patrol))).all()
    windows = (await session.scalars(select(PlanWindowResult))).all()
    incidents = (await session.scalars(select(Incident).where(Incident.status != "draft"))).all()
    house_day = {}
    for s in scans:
        key = (s.house_id or NIL, local(s.scanned_at), s.team_id)
        row = house_day.setdefault(key, [0, 0, s.scanned_at, s.scanned_at])
        row[0] += 1
        row[1] += s.flags != 0
        row[2], row[3] = min(row[2], s.scanned_at), max(row[3], s.scanned_at)
    team = defaultdict(lambda: defaultdict(int))
    for (house, day, t), (n, flagged, _, _) in house_day.items():
        team[(t, day)]["scans"] += n
        team[(t, day)]["flagged"] += flagged
        team[(t, day)]["houses_scanned"] += house != NIL
    for p in patrols:
        if p.status == "abandoned":
            continue
        row = team[(p.team_id, local(p.started_at))]
        row["patrols"] += 1
        done = p.status == "completed" and p.ended_at is not None
        row["patrols_completed"] += done
        row["patrols_on_time"] += bool(
            done and p.ended_received_at and secs(p.ended_received_at, p.ended_at) <= 86400
        )
    for w in windows:
        row = team[(w.team_id, w.local_date)]
        row["windows_planned"] += 1
        row[f"windows_{w.status}"] += 1
    counts, times = defaultdict(lambda: [0, 0]), defaultdict(int)
    for i in incidents:
        day = local(i.occurred_at)
        team[(i.team_id, day)]["incidents"] += 1
        cell = (i.admin_unit_id, i.union_unit_id, i.covering_union_unit_id or NIL, i.site_id or NIL)
        counts[(day, cell, i.category, i.severity, i.status)][0] += 1
        counts[(day, cell, i.category, i.severity, i.status)][1] += i.protect_reporter
        if i.acknowledged_at and i.submitted_at:
            times[
                (day, cell, i.severity, "ack", bucket_of(secs(i.acknowledged_at, i.submitted_at)))
            ] += 1
        if i.status == "closed" and i.closed_at and i.submitted_at:
            times[
                (day, cell, i.severity, "resolve", bucket_of(secs(i.closed_at, i.submitted_at)))
            ] += 1
    month = defaultdict(lambda: [0, set(), None])
    for (house, day, _), (n, _, _, last) in house_day.items():
        if house == NIL:
            continue
        row = month[(house, day.replace(day=1))]
        row[0] += n
        row[1].add(day)
        row[2] = last if row[2] is None else max(row[2], last)
    last_scan, year = {}, defaultdict(int)
    for (house, first_day), (_, _, last) in month.items():
        last_scan[house] = max(last_scan.get(house, last), last)
        year[(first_day.year, house)] |= 1 << (first_day.month - 1)
    inc_month, time_month = defaultdict(lambda: [0, 0]), defaultdict(int)
    for (day, cell, category, severity, status), (n, prot) in counts.items():
        for dim, value in (
            ("category", category),
            ("severity", str(severity)),
            ("status", status),
            ("day", day.isoformat()),
        ):
            inc_month[(day.replace(day=1), cell, dim, value)][0] += n
            inc_month[(day.replace(day=1), cell, dim, value)][1] += prot
    for (day, cell, _, kind, bucket), n in times.items():
        time_month[(day.replace(day=1), cell, kind, bucket)] += n
    team_month = defaultdict(lambda: defaultdict(int))
    team_week = defaultdict(lambda: defaultdict(int))
    for (t, day), row in team.items():
        for c, v in row.items():
            team_month[(t, day.replace(day=1))][c] += v
            team_week[(t, day - timedelta(days=day.weekday()))][c] += v
    return {
        "incident_month": {k: tuple(v) for k, v in inc_month.items()},
        "incident_time_month": dict(time_month),
        "team_month": {k: {c: v for c, v in row.items() if v} for k, row in team_month.items()},
        "team_week": {k: {c: v for c, v in row.items() if v} for k, row in team_week.items()},
        "house_day": {k: tuple(v) for k, v in house_day.items()},
        "team_day": {k: {c: v for c, v in row.items() if v} for k, row in team.items()},
        "incident_day": {k: tuple(v) for k, v in counts.items()},
        "incident_time": dict(times),
        "house_month": {
            k: (v[0], len(v[1]), sum(1 << (d.day - 1) for d in v[1]), v[2])
            for k, v in month.items()
        },
        "house_year": dict(year),
        "house_last": last_scan,
    }


async def stored(session) -> dict:
    cells = {
        c.id: (c.admin_unit_id, c.union_unit_id, c.covering_union_unit_id, c.site_id)
        for c in (await session.scalars(select(RollupCell))).all()
    }
    team_cols = (
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

    async def rows(model):
        return (await session.scalars(select(model))).all()

    return {
        "incident_month": {
            (r.month, cells[r.cell_id], r.dim, r.value): (r.n, r.protected)
            for r in await rows(RollupIncidentMonth)
        },
        "incident_time_month": {
            (r.month, cells[r.cell_id], r.kind, r.bucket_s): r.n
            for r in await rows(RollupIncidentTimeMonth)
        },
        "team_month": {
            (r.team_id, r.month): {c: getattr(r, c) for c in team_cols if getattr(r, c)}
            for r in await rows(RollupTeamMonth)
        },
        "team_week": {
            (r.team_id, r.week): {c: getattr(r, c) for c in team_cols if getattr(r, c)}
            for r in await rows(RollupTeamWeek)
        },
        "house_day": {
            (r.house_id, r.day, r.team_id): (r.scans, r.flagged, r.first_scan_at, r.last_scan_at)
            for r in await rows(RollupHouseDay)
        },
        "team_day": {
            (r.team_id, r.day): {c: getattr(r, c) for c in team_cols if getattr(r, c)}
            for r in await rows(RollupTeamDay)
        },
        "incident_day": {
            (r.day, cells[r.cell_id], r.category, r.severity, r.status): (r.n, r.protected)
            for r in await rows(RollupIncidentDay)
        },
        "incident_time": {
            (r.day, cells[r.cell_id], r.severity, r.kind, r.bucket_s): r.n
            for r in await rows(RollupIncidentTime)
        },
        "house_month": {
            (r.house_id, r.month): (r.scans, r.patrol_days, r.days, r.last_scan_at)
            for r in await rows(RollupHouseMonth)
        },
        "house_year": {(r.year, r.house_id): r.months for r in await rows(RollupHouseYear)},
        "house_last": {r.house_id: r.last_scan_at for r in await rows(RollupHouseLast)},
    }


def moment(rnd: random.Random) -> datetime:
    """A random instant from September 2026 to January 2027 (two years, so two house × year
    rows), often right around local midnight (17:00Z)."""
    day = datetime(2026, 9, 1, tzinfo=UTC) + timedelta(days=rnd.randrange(150))
    if rnd.random() < 0.4:
        return day.replace(hour=17) + timedelta(seconds=rnd.randrange(-90, 90))
    return day + timedelta(seconds=rnd.randrange(86400), microseconds=rnd.randrange(10**6))


async def random_round(session, w, rnd: random.Random) -> None:
    teams, houses = [w.t1, w.t2, w.t3], [*w.houses.values(), None]
    wards = {w.t1.id: w.w1, w.t2.id: w.w1, w.t3.id: w.w2}
    for _ in range(rnd.randrange(3, 8)):
        team = rnd.choice(teams)
        start = moment(rnd)
        status = rnd.choice(["completed", "completed", "in_progress", "abandoned"])
        end = start + timedelta(minutes=rnd.randrange(10, 200)) if status == "completed" else None
        p = await make_patrol(
            session, team, w.leader_t1, start, end=end, status=status, late=rnd.random() < 0.3
        )
        for _ in range(rnd.randrange(0, 6)):
            at = start + timedelta(minutes=rnd.randrange(0, 120))
            await make_scan(
                session, p, rnd.choice(houses), at, user=w.leader_t1, flags=rnd.choice([0, 0, 1, 4])
            )
    for _ in range(rnd.randrange(2, 6)):
        team = rnd.choice(teams)
        at = moment(rnd)
        status = rnd.choice(STATUSES)
        sub = at + timedelta(minutes=rnd.randrange(0, 30))
        house = rnd.choice(houses)
        session.add(
            incident(
                team,
                wards[team.id],
                category=rnd.choice(CATEGORIES),
                severity=rnd.randrange(1, 5),
                status=status,
                occurred_at=at,
                house_id=house.id if house else None,
                site_id=w.site.id if house is w.houses["H3"] else None,
                covering_union_unit_id=w.d1.id if house is w.houses["H3"] else None,
                protect_reporter=rnd.random() < 0.3,
                submitted_at=None if status == "draft" else sub,
                acknowledged_at=sub + timedelta(seconds=rnd.randrange(0, 9000))
                if status in ("acknowledged", "closed")
                else None,
                closed_at=sub + timedelta(seconds=rnd.randrange(0, 400000))
                if status in ("closed", "rejected")
                else None,
            )
        )
    await session.flush()
    # Changes to what is there: workflow moves, a move to another team / day, scan reviews.
    for inc in (await session.scalars(select(Incident))).all():
        roll = rnd.random()
        if roll < 0.15:
            inc.status = rnd.choice(STATUSES[:-1])
            inc.submitted_at = inc.submitted_at or inc.occurred_at
            inc.updated_at = utcnow()
        elif roll < 0.22:
            team = rnd.choice(teams)
            inc.team_id, inc.union_unit_id = team.id, team.union_unit_id
            inc.admin_unit_id = wards[team.id].id
            inc.occurred_at = moment(rnd)
            inc.updated_at = utcnow()
    for p in (await session.scalars(select(Patrol).where(Patrol.status == "in_progress"))).all():
        if rnd.random() < 0.5:
            p.status, p.ended_at, p.ended_received_at = "completed", p.started_at, p.started_at
            p.updated_at = utcnow()
    await session.flush()


async def test_rollups_equal_raw_truth_after_random_changes_and_rebuild(session):
    w = await make_world(session)
    await session.commit()
    rnd = random.Random(20261122)
    for _ in range(4):
        await random_round(session, w, rnd)
        await session.commit()
        await refresh(session, now=utcnow() + timedelta(seconds=10))
        await session.commit()
        expected, actual = await truth(session), await stored(session)
        for name in expected:
            assert actual[name] == expected[name], name
    await rebuild_all(session, now=utcnow() + timedelta(seconds=10))
    await session.commit()
    assert await stored(session) == await truth(session)
    # And the job after a rebuild has nothing to change.
    await refresh(session, now=utcnow() + timedelta(seconds=10))
    await session.commit()
    assert await stored(session) == await truth(session)


def test_buckets_and_percentiles_by_hand():
    cases = {
        -5: 0,
        0: 0,
        59: 0,
        60: 60,
        299: 180,
        1199: 900,
        1200: 1200,
        3599: 2700,
        3600: 3600,
        7200: 7200,
        86399: 57600,
        90000: 86400,
        40 * 86400: 30 * 86400,
    }
    assert {s: bucket_of(s) for s in cases} == cases
    # 10, 20, 30, 40 minutes: nearest rank median is the 2nd, p90 the 4th.
    hist = [(600, 1), (1200, 1), (1800, 1), (2400, 1)]
    assert (percentile(hist, 50), percentile(hist, 90)) == (1200, 2400)
    assert percentile([], 50) is None
    assert percentile([(60, 9), (7200, 1)], 90) == 60

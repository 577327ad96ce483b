"""House coverage of any period equals the raw truth: the distinct houses of the scope with a
scan on a local day of the period. Whole months, several months, partial months at the edges,
single days and periods across a new year; per scope; after each round of scans folded in by
the refresh job and after a rebuild; through the summary's count and the uncovered list.

The truth is computed here in Python from the raw scans; the scopes' houses are listed by hand
(world.py plus the extra houses made below).
"""

import random
from datetime import UTC, date, datetime, timedelta, timezone

from sqlalchemy import select

from backend.dashboards.rollups import rebuild_all, refresh
from backend.dashboards.service import Period, house_figures
from backend.dashboards.tables import uncovered_houses
from backend.models import utcnow
from backend.models.patrol import CheckpointScan
from backend.policy.dashboards import resolve_scope
from backend.policy.subject import load_subject
from tests.dashboards.conftest import get
from tests.dashboards.world import make_patrol, make_scan, make_world
from tests.factories_teams import cover, make_house

ICT = timezone(timedelta(hours=7))
FIRST, LAST = date(2026, 8, 1), date(2027, 2, 28)  # the scans below fall in these local days
PERIODS = [
    (date(2026, 10, 1), date(2026, 10, 31)),  # one month
    (date(2026, 9, 1), date(2026, 11, 30)),  # three months
    (date(2026, 8, 1), date(2026, 11, 30)),  # four months (the bench's "three months")
    (date(2026, 9, 28), date(2026, 11, 3)),  # a month and edge days on both sides
    (date(2026, 9, 15), date(2026, 12, 16)),  # two months and half months at both edges
    (date(2026, 10, 6), date(2026, 10, 20)),  # inside one month
    (date(2026, 10, 31), date(2026, 10, 31)),  # one day: the 31st, the top bit
    (date(2026, 11, 1), date(2026, 11, 1)),  # one day: the 1st, the lowest bit
    (date(2026, 11, 1), date(2027, 2, 28)),  # whole months across a new year
    (date(2026, 12, 15), date(2027, 1, 10)),  # edges only, across a new year
    (date(2026, 12, 31), date(2027, 1, 1)),  # two days, two years
    (FIRST, LAST),  # everything: two years, seven months
]


def local(at: datetime) -> date:
    return at.astimezone(ICT).date()


def moment(rnd: random.Random) -> datetime:
    """A random instant of the local days FIRST..LAST, often right around local midnight."""
    day = datetime.combine(FIRST, datetime.min.time(), ICT).astimezone(UTC)
    day += timedelta(days=rnd.randrange((LAST - FIRST).days + 1))
    if rnd.random() < 0.4:  # 17:00Z is midnight in Vietnam: a scan minutes later is tomorrow
        return day.replace(hour=17) + timedelta(seconds=rnd.randrange(-600, 60))
    return day + timedelta(seconds=rnd.randrange(86400))


async def _extra_houses(session, w) -> None:
    """Three more houses for T2 (W1, union D1) and for T3 (W2, union D2)."""
    for team, ward, names in ((w.t2, w.w1, ("X1", "X2", "X3")), (w.t3, w.w2, ("X4", "X5", "X6"))):
        for name in names:
            w.houses[name] = await make_house(session, admin_unit=ward, name=f"Nhà trọ {name}")
            await cover(session, team, w.houses[name])


async def _scan_round(session, w, rnd: random.Random) -> None:
    """Patrols at random instants, each scanning a few random houses (or an unknown token)."""
    teams = [w.t1, w.t2, w.t3]
    houses = [*w.houses.values(), None]
    for _ in range(20):
        start = moment(rnd)
        p = await make_patrol(session, rnd.choice(teams), w.leader_t1, start)
        for _ in range(rnd.randrange(1, 4)):
            at = start + timedelta(minutes=rnd.randrange(0, 30))
            await make_scan(session, p, rnd.choice(houses), at, user=w.leader_t1)


async def _check(session, w, subjects) -> None:
    """Every period and scope: the count and the uncovered list against the raw scans."""
    scans = (await session.scalars(select(CheckpointScan))).all()
    h = {name: house.id for name, house in w.houses.items()}
    scopes = [  # (subject, kind, scope id, its houses by hand)
        ("city", "union", w.fed.id, set(h.values())),
        ("d1", "union", w.d1.id, {h[n] for n in ("H1", "H2", "H3", "H4", "X1", "X2", "X3")}),
        ("city", "union", w.d2.id, {h[n] for n in ("H5", "H6", "X4", "X5", "X6")}),
        ("police", "admin", w.w1.id, {h[n] for n in ("H1", "H2", "H3", "H4", "X1", "X2", "X3")}),
        ("d1", "site", w.site.id, {h["H3"]}),
    ]
    checked = 0
    for first, last in PERIODS:
        scanned = {s.house_id for s in scans if s.house_id and first <= local(s.scanned_at) <= last}
        for who, kind, scope_id, houses in scopes:
            subject = subjects[who]
            scope = await resolve_scope(session, subject, kind, scope_id)
            period = Period(first, last)
            figures = await house_figures(session, subject, scope, period)
            expected = len(houses & scanned)
            assert (figures["total"], figures["covered"]) == (len(houses), expected), (
                first,
                last,
                kind,
                who,
            )
            rows = await uncovered_houses(
                session, subject=subject, scope=scope, period=period, limit=100
            )
            assert {r["house_id"] for r in rows} == houses - scanned, (first, last, kind, who)
            checked += 0 < expected < len(houses)
    assert checked > len(PERIODS)  # most cases are partly covered: nothing trivially 0 or all


async def test_coverage_equals_raw_truth_for_every_period_and_scope(session):
    w = await make_world(session)
    await _extra_houses(session, w)
    await session.commit()
    subjects = {
        "city": await load_subject(session, w.city_officer),
        "d1": await load_subject(session, w.officer_d1),
        "police": await load_subject(session, w.police_w1),
    }
    rnd = random.Random(20261203)
    for _ in range(3):  # the refresh job folds each round in, as the app does
        await _scan_round(session, w, rnd)
        await session.commit()
        await refresh(session, now=utcnow() + timedelta(seconds=10))
        await session.commit()
        await _check(session, w, subjects)
    await rebuild_all(session, now=utcnow() + timedelta(seconds=10))
    await session.commit()
    await _check(session, w, subjects)


async def test_three_month_summary_counts_houses_once(client, app, session):
    """Three months across a new year: a house scanned in each month counts once, one scanned
    minutes into the day after the period (local time) only when that day is added."""
    w = await make_world(session)  # its scans: H1-H5 in October, H6 on 28 Sep and 1 Nov
    u, h = w.leader_t1, w.houses
    for at in ("2026-11-03 13:00", "2026-12-10 13:00", "2027-01-31 13:00"):
        start = datetime.fromisoformat(at).replace(tzinfo=UTC)
        p = await make_patrol(session, w.t1, u, start)
        await make_scan(session, p, h["H1"], start + timedelta(minutes=5), user=u)
    # 31 Jan 17:10Z is 1 Feb in Vietnam.
    p = await make_patrol(session, w.t2, u, datetime(2027, 1, 31, 17, 5, tzinfo=UTC))
    await make_scan(session, p, h["H4"], datetime(2027, 1, 31, 17, 10, tzinfo=UTC), user=u)
    await session.commit()
    await refresh(session, now=utcnow() + timedelta(seconds=10))
    await session.commit()
    quarter = {"from": "2026-11-01", "to": "2027-01-31", "trend": "week"}
    body = await get(client, app, w.city_officer, "summary", f"union:{w.fed.id}", **quarter)
    assert body["houses"] == {"total": 6, "covered": 2, "uncovered": 4, "coverage_rate": 0.3333}
    quarter["to"] = "2027-02-01"  # three months and an edge day
    body = await get(client, app, w.city_officer, "summary", f"union:{w.fed.id}", **quarter)
    assert body["houses"]["covered"] == 3

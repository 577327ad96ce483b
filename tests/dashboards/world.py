"""A small hand-built city for the dashboard tests; the expected figures are worked out by
hand in the tests (see the table in test_summary.py), not computed by the code under test.

Times: Vietnam is UTC+7. October 2026 (local) is the period under test.

Union tree: F (city federation) → D1 → G1 ; F → D2 → G2.  Admin tree: C → W1, W2.
Site S1 (covering union D1) in W1.  Teams: T1 (G1, W1), T2 (G1, W1), T3 (G2, W2).
Houses: H1, H2, H3 (in S1) covered by T1; H4 by T2 (all W1); H5, H6 by T3 (W2).
"""

import hashlib
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from backend.models import AdminUnit, BoardingHouse, Site, Team, UnionUnit, User
from backend.models.incident import Escalation, Incident
from backend.models.patrol import CheckpointScan, Patrol, PatrolPlan, PlanWindowResult
from tests.factories import make_unit, make_user
from tests.factories_teams import add_member, cover, make_house, make_liaison, make_site, make_team
from tests.incidents.world import ensure_taxonomy

HASH = hashlib.sha256(b"x").digest()[:16]


def z(text: str) -> datetime:
    """A UTC instant from '2026-10-05 13:00'."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@dataclass
class World:
    city: AdminUnit
    w1: AdminUnit
    w2: AdminUnit
    fed: UnionUnit
    d1: UnionUnit
    d2: UnionUnit
    g1: UnionUnit
    g2: UnionUnit
    site: Site
    t1: Team
    t2: Team
    t3: Team
    houses: dict[str, BoardingHouse]
    admin: User
    city_officer: User
    officer_d1: User
    officer_d2: User
    police_w1: User
    leader_t1: User
    incidents: dict[str, Incident]


async def make_patrol(session, team, user, start, *, end=None, late=False, status="completed"):
    received_end = None if end is None else end + (timedelta(days=3) if late else timedelta(0))
    p = Patrol(
        id=uuid.uuid4(),
        team_id=team.id,
        status=status,
        started_at=start,
        ended_at=end,
        received_at=start,
        ended_received_at=received_end,
        created_by=user.id,
        body_hash=HASH,
    )
    session.add(p)
    await session.flush()
    return p


async def make_scan(session, patrol, house, at, *, user, flags=0, token="tok"):
    s = CheckpointScan(
        id=uuid.uuid4(),
        patrol_id=patrol.id,
        team_id=patrol.team_id,
        house_id=house.id if house else None,
        token=token,
        scanned_at=at,
        received_at=at,
        flags=flags,
        review_status="pending" if flags else "none",
        uploaded_by=user.id,
        body_hash=HASH,
    )
    session.add(s)
    await session.flush()
    return s


async def make_window(session, plan, day: date, status: str):
    start = datetime.combine(day, time(13, 0), UTC)
    session.add(
        PlanWindowResult(
            plan_id=plan.id,
            team_id=plan.team_id,
            local_date=day,
            window_start=start,
            window_end=start.replace(hour=15),
            status=status,
        )
    )
    await session.flush()


def incident(team: Team, ward: AdminUnit, **fields) -> Incident:
    base = {
        "id": uuid.uuid4(),
        "team_id": team.id,
        "admin_unit_id": ward.id,
        "union_unit_id": team.union_unit_id,
        "summary": "Mất xe máy trong nhà trọ",
        "search_text": "mat xe may",
        "request_hash": "0" * 64,
        "route": "team_union",
        "handler_kind": "union",
    }
    base.update(fields)
    return Incident(**base)


async def make_world(session) -> World:
    await ensure_taxonomy(session)
    tag = uuid.uuid4().hex[:4]
    city = await make_unit(session, AdminUnit, f"Thành phố {tag}", level="Thành phố")
    w1 = await make_unit(session, AdminUnit, "Phường Tân Thuận", parent=city, level="Phường")
    w2 = await make_unit(session, AdminUnit, "Phường Linh Xuân", parent=city, level="Phường")
    fed = await make_unit(session, UnionUnit, f"LĐLĐ Thành phố {tag}")
    d1 = await make_unit(session, UnionUnit, "Công đoàn KCX Tân Thuận", parent=fed)
    d2 = await make_unit(session, UnionUnit, "LĐLĐ Thủ Đức", parent=fed)
    g1 = await make_unit(session, UnionUnit, "CĐCS Nidec", parent=d1)
    g2 = await make_unit(session, UnionUnit, "CĐCS Freetrend", parent=d2)
    site = await make_site(session, union_unit=d1, admin_units=[w1], lon=106.72, lat=10.76)
    t1 = await make_team(session, union_unit=g1, admin_unit=w1, name="Tổ tự quản số 1", code="T1")
    t2 = await make_team(session, union_unit=g1, admin_unit=w1, name="Tổ tự quản số 2", code="T2")
    t3 = await make_team(session, union_unit=g2, admin_unit=w2, name="Tổ tự quản số 3", code="T3")
    houses = {}
    spots = {
        "H1": (w1, None, 106.700, 10.750),
        "H2": (w1, None, 106.701, 10.751),
        "H3": (w1, site, 106.720, 10.760),
        "H4": (w1, None, 106.702, 10.752),
        "H5": (w2, None, 106.800, 10.850),
        "H6": (w2, None, 106.801, 10.851),
    }
    for name, (ward, where, lon, lat) in spots.items():
        houses[name] = await make_house(
            session, admin_unit=ward, site=where, name=f"Nhà trọ {name}", lon=lon, lat=lat
        )
    await session.flush()
    for team, names in ((t1, ("H1", "H2", "H3")), (t2, ("H4",)), (t3, ("H5", "H6"))):
        for name in names:
            await cover(session, team, houses[name])
    leader = await make_user(session, role="team_leader")
    await add_member(session, t1, user=leader, role="leader")
    w = World(
        city=city,
        w1=w1,
        w2=w2,
        fed=fed,
        d1=d1,
        d2=d2,
        g1=g1,
        g2=g2,
        site=site,
        t1=t1,
        t2=t2,
        t3=t3,
        houses=houses,
        admin=await make_user(session, role="system_admin"),
        city_officer=await make_user(session, role="city_union_officer"),
        officer_d1=await make_user(session, role="union_officer", units=[d1]),
        officer_d2=await make_user(session, role="union_officer", units=[d2]),
        police_w1=await make_liaison(session, admin_units=[w1]),
        leader_t1=leader,
        incidents={},
    )
    await _activity(session, w)
    return w


async def _activity(session, w: World) -> None:
    h, u = w.houses, w.leader_t1
    # Patrols (local 20:00 = 13:00Z). P2's end reached the server three days late.
    p1 = await make_patrol(session, w.t1, u, z("2026-10-05 13:00"), end=z("2026-10-05 14:00"))
    p2 = await make_patrol(
        session, w.t1, u, z("2026-10-12 13:00"), end=z("2026-10-12 14:00"), late=True
    )
    p3 = await make_patrol(session, w.t2, u, z("2026-10-07 13:00"), end=z("2026-10-07 14:00"))
    p4 = await make_patrol(session, w.t3, u, z("2026-10-20 13:00"), end=z("2026-10-20 14:00"))
    p5 = await make_patrol(session, w.t3, u, z("2026-09-28 13:00"), end=z("2026-09-28 14:00"))
    # Starts 23:00 local on 31 Oct; its second scan is 00:30 local on 1 Nov (November).
    p6 = await make_patrol(session, w.t1, u, z("2026-10-31 16:00"), end=z("2026-10-31 17:40"))
    await make_patrol(session, w.t2, u, z("2026-10-09 13:00"), status="abandoned")
    await make_scan(session, p1, h["H1"], z("2026-10-05 13:10"), user=u)
    await make_scan(session, p1, h["H2"], z("2026-10-05 13:20"), user=u, flags=1)
    await make_scan(session, p1, h["H3"], z("2026-10-05 13:30"), user=u)
    await make_scan(session, p2, h["H1"], z("2026-10-12 13:10"), user=u)
    await make_scan(session, p3, h["H4"], z("2026-10-07 13:10"), user=u)
    await make_scan(session, p4, h["H5"], z("2026-10-20 13:10"), user=u)
    await make_scan(session, p4, None, z("2026-10-20 13:20"), user=u, token="unknown")
    await make_scan(session, p5, h["H6"], z("2026-09-28 13:10"), user=u)
    await make_scan(session, p6, h["H2"], z("2026-10-31 16:30"), user=u)
    await make_scan(session, p6, h["H6"], z("2026-10-31 17:30"), user=u)
    # Plan windows: T1 planned 4 (2 done, 1 partial, 1 missed); T3 planned 1 (done).
    for team, windows in (
        (w.t1, [(5, "done"), (12, "done"), (19, "missed"), (26, "partial")]),
        (w.t3, [(20, "done")]),
    ):
        plan = PatrolPlan(
            team_id=team.id,
            name="Tuần tra tối",
            days_of_week=1,
            start_time=time(20),
            end_time=time(22),
        )
        session.add(plan)
        await session.flush()
        for day, status in windows:
            await make_window(session, plan, date(2026, 10, day), status)
    inc = w.incidents
    inc["I1"] = incident(
        w.t1,
        w.w1,
        house_id=h["H1"].id,
        category="theft",
        severity=3,
        status="closed",
        occurred_at=z("2026-10-10 03:00"),
        submitted_at=z("2026-10-10 03:05"),
        acknowledged_at=z("2026-10-10 03:15"),
        closed_at=z("2026-10-11 03:05"),
    )
    inc["I2"] = incident(
        w.t1,
        w.w1,
        house_id=h["H3"].id,
        site_id=w.site.id,
        covering_union_unit_id=w.d1.id,
        category="trafficking",
        subtype="job_offer",
        severity=1,
        status="escalated",
        protect_reporter=True,
        summary="Có người rủ đi làm việc nhẹ lương cao ở nước ngoài",
        occurred_at=z("2026-10-15 11:50"),
        submitted_at=z("2026-10-15 12:00"),
        lat=10.7601,
        lon=106.7201,
        route="police",
        handler_kind="police",
    )
    inc["I3"] = incident(
        w.t3,
        w.w2,
        house_id=h["H5"].id,
        category="fire_safety",
        severity=2,
        status="acknowledged",
        occurred_at=z("2026-10-21 00:50"),
        submitted_at=z("2026-10-21 01:00"),
        acknowledged_at=z("2026-10-21 01:30"),
    )
    inc["I4"] = incident(
        w.t2,
        w.w1,
        category="drugs",
        severity=2,
        status="closed",
        occurred_at=z("2026-10-07 23:50"),
        submitted_at=z("2026-10-08 00:00"),
        acknowledged_at=z("2026-10-08 00:20"),
        closed_at=z("2026-10-08 02:00"),
    )
    inc["I5"] = incident(
        w.t1,
        w.w1,
        house_id=h["H2"].id,
        category="theft",
        severity=3,
        status="draft",
        occurred_at=z("2026-10-16 03:00"),
    )
    inc["I6"] = incident(
        w.t3,
        w.w2,
        category="theft",
        severity=4,
        status="submitted",
        occurred_at=z("2026-09-20 03:00"),
        submitted_at=z("2026-09-20 03:10"),
    )
    inc["I7"] = incident(
        w.t1,
        w.w1,
        house_id=h["H1"].id,
        category="theft",
        severity=4,
        status="submitted",
        occurred_at=z("2026-10-31 16:30"),
        submitted_at=z("2026-10-31 16:40"),
    )
    for item in inc.values():
        session.add(item)
    await session.flush()
    session.add(
        Escalation(
            incident_id=inc["I2"].id,
            target_kind="police",
            rung_key="police:w1:primary",
            admin_unit_id=w.w1.id,
            reason="routing",
            deadline_at=z("2026-10-15 12:15"),
        )
    )
    await session.flush()

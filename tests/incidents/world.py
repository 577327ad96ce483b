"""A small city for incident tests, plus helpers to report and act through the API.

Admin tree (3 tiers): city → district 1 → ward A (liaisons A1, A2), ward Q (nobody);
district 1 has liaison D; city → district 2 → ward B (liaison B). Site S lies in ward A and has
its own liaison. Union tree: federation → KCN union X (officer X) → grassroots X (officer GX,
team A's union); federation → union Y (officer Y) → grassroots Y (team B's union).
"""

import importlib.util
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event, func, select

from backend.models import AdminUnit, Enterprise, Site, Team, UnionUnit, User
from backend.models.incident import (
    Escalation,
    Incident,
    IncidentCategory,
    IncidentTimelineEntry,
)
from backend.models.notification import OutboxEvent
from tests.factories import auth, make_unit, make_user
from tests.factories_teams import add_member, cover, make_house, make_liaison, make_site, make_team

OCCURRED = "2026-11-20T21:30:00+07:00"


@dataclass
class City:
    city: AdminUnit
    district1: AdminUnit
    district2: AdminUnit
    ward_a: AdminUnit
    ward_q: AdminUnit
    ward_b: AdminUnit
    fed: UnionUnit
    union_x: UnionUnit
    grassroots_x: UnionUnit
    union_y: UnionUnit
    grassroots_y: UnionUnit
    site: Site
    enterprise: Enterprise
    team_a: Team
    team_b: Team
    house_a: Any  # ward A, in the site
    house_q: Any  # ward Q (no liaison there), covered by team A
    house_b: Any
    admin: User
    city_officer: User
    officer_x: User
    officer_gx: User
    officer_y: User
    police_a1: User
    police_a2: User
    police_d: User
    police_b: User
    police_site: User
    leader_a: User
    member_a: User
    member_a2: User
    leader_b: User


def _seed_rows() -> list[dict]:
    """The taxonomy rows migration 0005 seeds (loaded from the migration file itself)."""
    path = Path(__file__).parents[2] / "migrations/versions/2026_11_22_0005_incidents.py"
    spec = importlib.util.spec_from_file_location("migration_0005", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module._taxonomy_rows()


async def ensure_taxonomy(session) -> None:
    """Put the seeded taxonomy back where the PostgreSQL harness truncated every table."""
    if await session.scalar(select(func.count()).select_from(IncidentCategory)):
        return
    rows = _seed_rows()
    for row in sorted(rows, key=lambda r: r["parent_code"] is not None):
        session.add(IncidentCategory(**row))
    await session.flush()


async def _named(session, user: User, name: str) -> User:
    user.full_name = name
    await session.flush()
    return user


async def make_city(session) -> City:
    await ensure_taxonomy(session)
    tag = uuid.uuid4().hex[:4]
    city = await make_unit(session, AdminUnit, f"Thành phố {tag}", level="Thành phố")
    d1 = await make_unit(session, AdminUnit, "Quận 7", parent=city, level="Quận")
    d2 = await make_unit(session, AdminUnit, "Quận Thủ Đức", parent=city, level="Quận")
    ward_a = await make_unit(session, AdminUnit, "Phường Tân Thuận", parent=d1, level="Phường")
    ward_q = await make_unit(session, AdminUnit, "Phường Phú Mỹ", parent=d1, level="Phường")
    ward_b = await make_unit(session, AdminUnit, "Phường Linh Xuân", parent=d2, level="Phường")
    fed = await make_unit(session, UnionUnit, f"LĐLĐ Thành phố {tag}")
    union_x = await make_unit(session, UnionUnit, "Công đoàn KCX", parent=fed)
    grassroots_x = await make_unit(session, UnionUnit, "CĐCS Nidec", parent=union_x)
    union_y = await make_unit(session, UnionUnit, "LĐLĐ Thủ Đức", parent=fed)
    grassroots_y = await make_unit(session, UnionUnit, "CĐCS Freetrend", parent=union_y)
    site = await make_site(session, union_unit=union_x, admin_units=[ward_a])
    enterprise = Enterprise(site_id=site.id, name="Công ty Nidec", name_search="cong ty nidec")
    session.add(enterprise)
    team_a = await make_team(session, union_unit=grassroots_x, admin_unit=ward_a)
    team_b = await make_team(session, union_unit=grassroots_y, admin_unit=ward_b)
    house_a = await make_house(session, admin_unit=ward_a, site=site, name="Nhà trọ Hòa Bình")
    house_q = await make_house(session, admin_unit=ward_q, name="Nhà trọ Đức Thành")
    house_b = await make_house(session, admin_unit=ward_b, name="Nhà trọ Linh Trung")
    await session.flush()
    for team, house in ((team_a, house_a), (team_a, house_q), (team_b, house_b)):
        await cover(session, team, house)
    leader_a = await make_user(session, role="team_leader")
    member_a = await make_user(session, role="team_member")
    member_a2 = await make_user(session, role="team_member")
    leader_b = await make_user(session, role="team_leader")
    await add_member(session, team_a, user=leader_a, role="leader")
    await add_member(session, team_a, user=member_a)
    await add_member(session, team_a, user=member_a2)
    await add_member(session, team_b, user=leader_b, role="leader")
    police_a1 = await make_liaison(session, admin_units=[ward_a])
    police_a2 = await make_liaison(session, admin_units=[ward_a])
    officer_gx = await make_user(session, role="union_officer", units=[grassroots_x])
    return City(
        city=city,
        district1=d1,
        district2=d2,
        ward_a=ward_a,
        ward_q=ward_q,
        ward_b=ward_b,
        fed=fed,
        union_x=union_x,
        grassroots_x=grassroots_x,
        union_y=union_y,
        grassroots_y=grassroots_y,
        site=site,
        enterprise=enterprise,
        team_a=team_a,
        team_b=team_b,
        house_a=house_a,
        house_q=house_q,
        house_b=house_b,
        admin=await make_user(session, role="system_admin"),
        city_officer=await make_user(session, role="city_union_officer"),
        officer_x=await make_user(session, role="union_officer", units=[union_x]),
        officer_gx=await _named(session, officer_gx, "Cán bộ CĐCS"),
        officer_y=await make_user(session, role="union_officer", units=[union_y]),
        police_a1=await _named(session, police_a1, "Công an A1"),
        police_a2=await _named(session, police_a2, "Công an A2"),
        police_d=await make_liaison(session, admin_units=[d1]),
        police_b=await make_liaison(session, admin_units=[ward_b]),
        police_site=await make_liaison(session, sites=[site]),
        leader_a=leader_a,
        member_a=member_a,
        member_a2=member_a2,
        leader_b=leader_b,
    )


def body(**overrides) -> dict[str, Any]:
    """A valid report body (theft at no particular place), overridable field by field."""
    data = {
        "category": "theft",
        "severity": 3,
        "occurred_at": OCCURRED,
        "summary": "Mất xe máy trước cửa phòng 12",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


async def report(client, app, user: User, incident_id: uuid.UUID | None = None, **overrides):
    """PUT a report as ``user``; returns the response (its id is in the URL and body)."""
    incident_id = incident_id or uuid.uuid4()
    return await client.put(
        f"/api/v1/incidents/{incident_id}", json=body(**overrides), headers=auth(app, user)
    )


async def act(client, app, user: User, incident_id, action: str, **fields):
    """POST a transition as ``user``."""
    return await client.post(
        f"/api/v1/incidents/{incident_id}/transitions",
        json={"action": action, **fields},
        headers=auth(app, user),
    )


async def open_escalation(session, incident_id) -> Escalation | None:
    return (
        await session.scalars(
            select(Escalation)
            .where(
                Escalation.incident_id == uuid.UUID(str(incident_id)), Escalation.status == "open"
            )
            .execution_options(populate_existing=True)
        )
    ).first()


async def escalations(session, incident_id) -> list[Escalation]:
    return list(
        (
            await session.scalars(
                select(Escalation)
                .where(Escalation.incident_id == uuid.UUID(str(incident_id)))
                .order_by(Escalation.created_at, Escalation.level)
                .execution_options(populate_existing=True)
            )
        ).all()
    )


async def timeline(session, incident_id) -> list[IncidentTimelineEntry]:
    return list(
        (
            await session.scalars(
                select(IncidentTimelineEntry)
                .where(IncidentTimelineEntry.incident_id == uuid.UUID(str(incident_id)))
                .order_by(IncidentTimelineEntry.id)
                .execution_options(populate_existing=True)
            )
        ).all()
    )


async def outbox(session, event_type: str) -> list[OutboxEvent]:
    return list(
        (
            await session.scalars(
                select(OutboxEvent)
                .where(OutboxEvent.event_type == event_type)
                .order_by(OutboxEvent.created_at)
                .execution_options(populate_existing=True)
            )
        ).all()
    )


async def stored(session, incident_id) -> Incident:
    return await session.get(Incident, uuid.UUID(str(incident_id)), populate_existing=True)


def frozen(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


@contextmanager
def statements_sent(app) -> Iterator[list[str]]:
    """The SQL the app's engine sends inside the block, one line each (SQLAlchemy's statements;
    the caller's raw asyncpg read on PostgreSQL is not among them)."""
    seen: list[str] = []

    def note(_conn, _cursor, statement, *_args):
        seen.append(" ".join(statement.split()))

    event.listen(app.state.engine.sync_engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(app.state.engine.sync_engine, "before_cursor_execute", note)

"""Exports of the registry lists (boarding houses, teams) through the generic exporter.

They live under ``/api/v1/exports/…`` rather than ``/houses/export`` because the registry's
``/houses/{house_id}`` route is registered first and would read "export" as an id. Houses reuse
the registry's own list query (same filters, same scope); checkpoint tokens are never exported.
"""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import Select, func, select

from backend.core.db import SessionDep
from backend.core.text import fold
from backend.models import AdminUnit, BoardingHouse, Site, Team, TeamHouse, TeamMember, UnionUnit
from backend.monitoring.export_routes import add_export_route
from backend.monitoring.exports import Column, labels
from backend.policy import Subject, under
from backend.policy.deps import CurrentSubject
from backend.policy.registry import current_period, sees_landlord_contact_in_bulk
from backend.registry import queries

router = APIRouter(prefix="/api/v1/exports", tags=["monitoring"])

HOUSE_STATUS = {"active": ("Đang hoạt động", "Active"), "closed": ("Đã đóng", "Closed")}
TEAM_STATUS = {
    "active": ("Đang hoạt động", "Active"),
    "inactive": ("Tạm ngừng", "Inactive"),
    "dissolved": ("Đã giải thể", "Dissolved"),
}


async def houses_query(
    session: SessionDep,
    subject: CurrentSubject,
    q: Annotated[str | None, Query(max_length=100)] = None,
    admin_unit_id: uuid.UUID | None = None,
    union_unit_id: uuid.UUID | None = None,
    site_id: uuid.UUID | None = None,
    team_id: uuid.UUID | None = None,
    status: Annotated[str | None, Query(max_length=16)] = None,
) -> Select:
    """The registry's house list query, with ward and site names joined on."""
    filters = queries.Filters(
        q=q,
        admin_unit_id=admin_unit_id,
        union_unit_id=union_unit_id,
        site_id=site_id,
        team_id=team_id,
        status=status,
    )
    stmt = await queries.house_query(session, subject=subject, filters=filters)
    return (
        stmt.add_columns(
            AdminUnit.name.label("ward"),
            Site.name.label("site_name"),
            # The entity's own column is named landlord_phone_sealed (opened by its type).
            BoardingHouse.landlord_phone.label("landlord_phone"),
        )
        .outerjoin(AdminUnit, AdminUnit.id == BoardingHouse.admin_unit_id)
        .outerjoin(Site, Site.id == BoardingHouse.site_id)
        .order_by(BoardingHouse.name_search, BoardingHouse.id)
    )


HOUSE_COLUMNS = [
    Column("code", "Mã nhà trọ", "Code", width=14),
    Column("name", "Tên nhà trọ", "Name", width=30),
    Column("address", "Địa chỉ", "Address", width=40),
    Column("ward", "Phường/xã", "Ward", width=20),
    Column("site_name", "Khu công nghiệp", "Industrial zone", width=24),
    Column("landlord_name", "Chủ nhà trọ", "Landlord", width=22),
    Column("landlord_phone", "Điện thoại chủ nhà", "Landlord phone", width=16),
    Column("rooms", "Số phòng", "Rooms", width=8),
    Column("capacity", "Sức chứa", "Capacity", width=8),
    Column("tenant_count", "Số người thuê", "Tenants", width=8),
    Column("lat", "Vĩ độ", "Latitude", width=10),
    Column("lon", "Kinh độ", "Longitude", width=10),
    Column("status", "Trạng thái", "Status", format=labels(HOUSE_STATUS), width=14),
    Column("updated_at", "Cập nhật lúc", "Updated at", width=17),
    Column("id", "Mã bản ghi", "Record id", width=36),
]


async def _house_columns(_session, subject: Subject) -> list[Column]:
    # As on the map's bulk feed: a union officer's houses file carries no landlord's name or
    # number (data minimisation; see sees_landlord_contact_in_bulk), police and admins' do.
    if sees_landlord_contact_in_bulk(subject):
        return HOUSE_COLUMNS
    return [c for c in HOUSE_COLUMNS if c.key not in ("landlord_name", "landlord_phone")]


async def teams_query(
    session: SessionDep,
    q: Annotated[str | None, Query(max_length=100)] = None,
    status: Annotated[str | None, Query(max_length=16)] = None,
    union_unit_id: Annotated[uuid.UUID | None, Query(description="its subtree")] = None,
    admin_unit_id: Annotated[uuid.UUID | None, Query(description="its subtree")] = None,
) -> Select:
    """Teams with their union unit, ward, and current member and house counts."""
    members = (
        select(func.count())
        .where(
            TeamMember.team_id == Team.id,
            TeamMember.deleted_at.is_(None),
            current_period(TeamMember),
        )
        .scalar_subquery()
    )
    houses = (
        select(func.count())
        .where(TeamHouse.team_id == Team.id, current_period(TeamHouse))
        .scalar_subquery()
    )
    stmt = (
        select(
            Team.code,
            Team.name,
            UnionUnit.name.label("union_unit"),
            AdminUnit.name.label("ward"),
            Team.founded_on,
            Team.status,
            members.label("members"),
            houses.label("houses"),
            Team.updated_at,
            Team.id,
        )
        .join(UnionUnit, UnionUnit.id == Team.union_unit_id)
        .join(AdminUnit, AdminUnit.id == Team.admin_unit_id)
        .where(Team.deleted_at.is_(None))
        .order_by(Team.name_search, Team.id)
    )
    if q:
        stmt = stmt.where(Team.name_search.contains(fold(q), autoescape=True))
    if status:
        stmt = stmt.where(Team.status == status)
    for model, unit_id in ((UnionUnit, union_unit_id), (AdminUnit, admin_unit_id)):
        if unit_id:
            path = await session.scalar(select(model.path).where(model.id == unit_id))
            stmt = stmt.where(under(model.path, [path] if path else []))
    return stmt


TEAM_COLUMNS = [
    Column("code", "Mã tổ", "Code", width=14),
    Column("name", "Tên tổ tự quản", "Team", width=30),
    Column("union_unit", "Công đoàn cơ sở", "Grassroots union", width=28),
    Column("ward", "Phường/xã", "Ward", width=20),
    Column("founded_on", "Ngày thành lập", "Founded", width=12),
    Column("status", "Trạng thái", "Status", format=labels(TEAM_STATUS), width=14),
    Column("members", "Số thành viên", "Members", width=10),
    Column("houses", "Số nhà trọ phụ trách", "Houses covered", width=10),
    Column("updated_at", "Cập nhật lúc", "Updated at", width=17),
    Column("id", "Mã bản ghi", "Record id", width=36),
]

add_export_route(
    router,
    path="/houses",
    name="houses-export",
    model=BoardingHouse,
    object_type="boarding_house",
    filename="nha-tro",
    columns=_house_columns,
    query=houses_query,
    sheet_name="Nhà trọ",
    summary="Export boarding houses",
)
add_export_route(
    router,
    path="/teams",
    name="teams-export",
    model=Team,
    object_type="team",
    filename="to-tu-quan",
    columns=TEAM_COLUMNS,
    query=teams_query,
    sheet_name="Tổ tự quản",
    summary="Export teams",
)

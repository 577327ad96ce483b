"""Importing boarding houses (khu nhà trọ), with the teams that cover them.

The optional ``team_codes`` column puts a house on one or more teams' lists (coverage from
today). That is how a union officer onboards houses outside their sites, exactly as the single
create does; a re-import only adds coverage, it never ends any.
"""

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.core.errors import Conflict
from backend.imports.columns import Column, as_text, read_choice, read_list, read_number
from backend.imports.engine import Handler, Row
from backend.imports.lookups import chunks, fresh, ids_by_code, rows_by_code, visible_ids
from backend.models import AdminUnit, BoardingHouse, Enterprise, Team, TeamHouse
from backend.policy import Subject
from backend.policy.registry import current_period, team_manage_rule
from backend.registry import houses_service
from backend.registry.geo import check_location
from backend.registry.validation import (
    Problems,
    clean_coordinate,
    clean_count,
    clean_phone,
    clean_tax_code,
    clean_text,
)
from backend.teams import coverage

STATUS = {"active": ("đang hoạt động", "hoạt động"), "closed": ("đã đóng", "đóng cửa", "ngừng")}

COLUMNS = (
    Column(
        "code",
        "Mã nhà trọ",
        "House code",
        "Mã riêng, không trùng; nhập lại tệp sẽ cập nhật theo mã này",
        example="NT-0001",
        required=True,
        aliases=("ma", "ma khu nha tro"),
    ),
    Column(
        "name",
        "Tên nhà trọ",
        "Name",
        "Tên thường gọi",
        example="Nhà trọ Hòa Bình",
        required=True,
        aliases=("ten", "ten khu nha tro", "house name"),
    ),
    Column("address", "Địa chỉ", "Address", "Số nhà, đường, khu phố", "12 đường Độc Lập", True),
    Column(
        "admin_unit_code",
        "Mã phường/xã",
        "Ward code",
        "Mã đơn vị hành chính cấp phường/xã trong hệ thống",
        example="P-TDH",
        required=True,
        aliases=("ma phuong", "ma xa", "ma don vi hanh chinh", "admin unit code", "ward"),
    ),
    Column("lat", "Vĩ độ", "Latitude", "Số thập phân, ví dụ 10.9012", 10.9012, True, text=False),
    Column(
        "lon",
        "Kinh độ",
        "Longitude",
        "Số thập phân, ví dụ 106.7534",
        example=106.7534,
        required=True,
        aliases=("lng", "long"),
        text=False,
    ),
    Column(
        "landlord_name",
        "Chủ nhà trọ",
        "Landlord name",
        "Họ tên chủ nhà trọ",
        example="Nguyễn Văn An",
        aliases=("ten chu nha tro", "chu tro", "landlord"),
    ),
    Column(
        "landlord_phone",
        "SĐT chủ nhà trọ",
        "Landlord phone",
        "Số điện thoại Việt Nam",
        example="0912345678",
        aliases=("so dien thoai chu nha tro", "sdt chu tro", "dien thoai chu tro"),
    ),
    Column("rooms", "Số phòng", "Rooms", "Số nguyên", 20, text=False),
    Column("capacity", "Sức chứa", "Capacity", "Số người ở tối đa", 60, text=False),
    Column(
        "tenant_count",
        "Số người thuê",
        "Tenants",
        "Số công nhân đang thuê",
        example=45,
        aliases=("so nguoi o", "so cong nhan", "tenant count"),
        text=False,
    ),
    Column(
        "status",
        "Trạng thái",
        "Status",
        "đang hoạt động / đã đóng (trống: đang hoạt động khi tạo mới, giữ nguyên khi cập nhật)",
        example="đang hoạt động",
        choices=STATUS,
    ),
    Column("notes", "Ghi chú", "Notes", "Tùy ý"),
    Column(
        "employer_tax_codes",
        "MST doanh nghiệp",
        "Employer tax codes",
        "Mã số thuế các doanh nghiệp có công nhân thuê trọ, cách nhau bởi dấu phẩy",
        aliases=("ma so thue doanh nghiep", "employers"),
    ),
    Column(
        "team_codes",
        "Mã tổ tự quản",
        "Team codes",
        "Tổ phụ trách (một hoặc nhiều, cách nhau bởi dấu phẩy); chỉ thêm, không bỏ tổ đang"
        " phụ trách",
        aliases=("ma to", "to tu quan", "team code", "team"),
    ),
)

_TEXT = {"code": 64, "name": 255, "address": 500, "landlord_name": 255, "notes": 2000}
_REQUIRED = {"code", "name", "address"}
_SIMPLE = (
    "name",
    "address",
    "admin_unit_id",
    "lat",
    "lon",
    "landlord_name",
    "landlord_phone",
    "rooms",
    "capacity",
    "tenant_count",
    "status",
    "notes",
)


class HouseImport(Handler):
    kind = "houses"
    permission = "house.write"
    columns = COLUMNS
    field_columns = {
        "admin_unit_id": "admin_unit_code",
        "employer_ids": "employer_tax_codes",
        "team_id": "team_codes",
        "house_id": "team_codes",
    }

    def clean(self, p: Problems, raw: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, max_length in _TEXT.items():
            if name in raw:
                value = as_text(raw[name]) if name == "code" else raw[name]
                out[name] = clean_text(
                    p, name, value, max_length=max_length, required=name in _REQUIRED
                )
        out["admin_unit_code"] = clean_text(
            p, "admin_unit_code", as_text(raw.get("admin_unit_code")), max_length=64, required=True
        )
        out["lat"] = clean_coordinate(p, "lat", read_number(raw.get("lat")), 180)
        out["lon"] = clean_coordinate(p, "lon", read_number(raw.get("lon")), 180)
        check_location(p, out["lon"], out["lat"])
        if "landlord_phone" in raw:
            out["landlord_phone"] = clean_phone(p, "landlord_phone", as_text(raw["landlord_phone"]))
        for name in ("rooms", "capacity", "tenant_count"):
            if name in raw:
                out[name] = clean_count(p, name, raw[name])
        if "status" in raw:
            out["status"] = read_choice(p, "status", raw["status"], STATUS)
        if "employer_tax_codes" in raw:
            codes = read_list(raw["employer_tax_codes"])
            codes = [clean_tax_code(p, "employer_tax_codes", c) for c in codes]
            out["employer_tax_codes"] = [c for c in codes if c]
        if "team_codes" in raw:
            out["team_codes"] = read_list(raw["team_codes"])
        return out

    async def prepare(self, session: AsyncSession, actor: Subject | None, rows: list[Row]) -> None:
        values = [r.values for r in rows]
        admin = await ids_by_code(session, AdminUnit, (v["admin_unit_code"] for v in values))
        team_codes = [c for v in values for c in v.get("team_codes", [])]
        self.teams = await rows_by_code(session, Team, team_codes)
        self.team_by_id = {t.id: t for t in self.teams.values()}
        live = [t.id for t in self.teams.values() if t.deleted_at is None]
        seen = await visible_ids(session, actor, Team, live)
        managed = seen
        if actor is not None:
            managed = await visible_ids(session, actor, Team, seen, team_manage_rule(actor))
        tax_codes = [c for v in values for c in v.get("employer_tax_codes", [])]
        employers = await _enterprises(session, actor, tax_codes)
        self.existing = await rows_by_code(session, BoardingHouse, (v["code"] for v in values))
        live_ids = [h.id for h in self.existing.values() if h.deleted_at is None]
        self.visible = await visible_ids(session, actor, BoardingHouse, live_ids)
        self.employers = await houses_service.employer_ids_of(session, house_ids=live_ids)
        self.covering = await _covering(session, live_ids)
        for row in rows:
            v = row.values
            if v["admin_unit_code"] is not None:
                v["admin_unit_id"] = admin.get(v["admin_unit_code"])
                if v["admin_unit_id"] is None:
                    row.add("admin_unit_code", "unknown_unit", v["admin_unit_code"])
            if "employer_tax_codes" in v:
                missing = [c for c in v["employer_tax_codes"] if c not in employers]
                if missing:
                    row.add("employer_tax_codes", "unknown_enterprise", ", ".join(missing))
                v["employer_ids"] = [
                    employers[c] for c in v["employer_tax_codes"] if c not in missing
                ]
            v["team_ids"] = []
            for code in v.get("team_codes", []):
                team = self.teams.get(code)
                if team is None or team.id not in seen:
                    row.add("team_codes", "unknown_team", code)
                elif team.id not in managed:
                    row.add("team_codes", "not_team_manager", code)
                else:
                    v["team_ids"].append(team.id)

    async def apply(self, session: AsyncSession, actor: Subject | None, row: Row) -> str:
        v = row.values
        house = self.existing.get(v["code"])
        if house is None:
            return await self._create(session, actor, v)
        if house.deleted_at is not None or house.id not in self.visible:
            # What the single create answers for a code in use, seen or not.
            raise Conflict(code="code_taken", errors=[{"field": "code", "code": "code_taken"}])
        await fresh(session, house)
        changes = {
            f: v[f]
            for f in _SIMPLE
            if f in v and not (f == "status" and v[f] is None) and getattr(house, f) != v[f]
        }
        if "employer_ids" in v and set(v["employer_ids"]) != set(self.employers[house.id]):
            changes["employer_ids"] = v["employer_ids"]
        new_teams = [t for t in v["team_ids"] if t not in self.covering.get(house.id, set())]
        if not changes and not new_teams:
            return "unchanged"
        if changes:
            await houses_service.update_house(session, actor=actor, house=house, **changes)
        for team_id in new_teams:
            team = await fresh(session, self.team_by_id[team_id])
            await coverage.add_house(session, actor=actor, team=team, house_id=house.id)
        return "updated"

    async def _create(self, session: AsyncSession, actor: Subject | None, v: dict) -> str:
        fields = {f: v[f] for f in ("code", *_SIMPLE, "employer_ids") if v.get(f) is not None}
        teams = v["team_ids"]
        house = await houses_service.create_house(
            session, actor=actor, team_id=teams[0] if teams else None, **fields
        )
        for team_id in teams[1:]:
            team = await fresh(session, self.team_by_id[team_id])
            await coverage.add_house(session, actor=actor, team=team, house_id=house.id)
        return "created"


async def _enterprises(session: AsyncSession, actor: Subject | None, tax_codes: list[str]):
    """``tax code -> id`` of the live enterprises the actor may see."""
    out = {}
    for chunk in chunks(tax_codes):
        stmt = select(Enterprise.tax_code, Enterprise.id).where(
            Enterprise.tax_code.in_(chunk), Enterprise.deleted_at.is_(None)
        )
        rows = (await session.execute(stmt)).all()
        allowed = await visible_ids(session, actor, Enterprise, (i for _, i in rows))
        out.update((code, i) for code, i in rows if i in allowed)
    return out


async def _covering(session: AsyncSession, house_ids: list) -> dict[Any, set]:
    """The teams covering each house today."""
    out: dict[Any, set] = {}
    for chunk in chunks(house_ids):
        stmt = select(TeamHouse.house_id, TeamHouse.team_id).where(
            TeamHouse.house_id.in_(chunk), current_period(TeamHouse)
        )
        for house_id, team_id in (await session.execute(stmt)).all():
            out.setdefault(house_id, set()).add(team_id)
    return out

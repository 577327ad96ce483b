"""Importing self-management teams (Tổ tự quản).

Houses join teams through the houses import (its ``team_codes`` column); members through the
members import. A team's code is required here (the single create can make one up, but a
re-import needs it to find the team again).
"""

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from backend.core import clock
from backend.core.errors import Conflict
from backend.imports.columns import (
    Column,
    as_text,
    read_bool,
    read_choice,
    read_date,
)
from backend.imports.engine import Handler, Row
from backend.imports.lookups import fresh, ids_by_code, rows_by_code, visible_ids
from backend.models import AdminUnit, Team, UnionUnit
from backend.policy import Subject
from backend.policy.registry import team_manage_rule
from backend.registry.validation import Problems, clean_text
from backend.teams import service as teams_service

STATUS = {
    "active": ("hoạt động", "đang hoạt động"),
    "inactive": ("tạm ngừng", "ngừng hoạt động"),
    "dissolved": ("giải thể", "đã giải thể"),
}

COLUMNS = (
    Column(
        "code",
        "Mã tổ",
        "Team code",
        "Mã riêng, không trùng; nhập lại tệp sẽ cập nhật theo mã này",
        example="TTQ-TDH-01",
        required=True,
        aliases=("ma to tu quan", "ma", "code"),
    ),
    Column(
        "name",
        "Tên tổ",
        "Name",
        "Tên tổ tự quản",
        example="Tổ tự quản khu phố Đông Tác",
        required=True,
        aliases=("ten to tu quan", "ten", "team name"),
    ),
    Column(
        "union_unit_code",
        "Mã công đoàn cơ sở",
        "Union unit code",
        "Mã công đoàn cơ sở quản lý tổ",
        example="CDCS-NIDEC",
        required=True,
        aliases=("ma cong doan", "ma cdcs", "union code", "union"),
    ),
    Column(
        "admin_unit_code",
        "Mã phường/xã",
        "Ward code",
        "Mã đơn vị hành chính nơi tổ hoạt động",
        example="P-TDH",
        required=True,
        aliases=("ma phuong", "ma xa", "ma don vi hanh chinh", "admin unit code", "ward"),
    ),
    Column(
        "founded_on",
        "Ngày thành lập",
        "Founded on",
        "dd/mm/yyyy",
        example="15/03/2024",
        aliases=("founded",),
        text=False,
    ),
    Column(
        "status",
        "Trạng thái",
        "Status",
        "hoạt động / tạm ngừng / giải thể (trống: hoạt động khi tạo mới, giữ nguyên khi cập nhật)",
        example="hoạt động",
        choices=STATUS,
    ),
    Column(
        "gps_tracking",
        "Ghi vết GPS",
        "GPS tracking",
        "có / không: ghi lộ trình tuần tra (trống: không khi tạo mới, giữ nguyên khi cập nhật)",
        example="không",
        aliases=("ghi vet", "gps"),
    ),
)
_OPTIONAL = ("founded_on", "status", "gps_tracking")


class TeamImport(Handler):
    kind = "teams"
    permission = "team.write"
    columns = COLUMNS
    field_columns = {"union_unit_id": "union_unit_code", "admin_unit_id": "admin_unit_code"}

    def clean(self, p: Problems, raw: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {
            "code": clean_text(p, "code", as_text(raw.get("code")), max_length=64, required=True),
            "name": clean_text(p, "name", raw.get("name"), max_length=255, required=True),
        }
        if out["name"]:
            out["name"] = " ".join(out["name"].split())  # as the teams service stores it
        for name in ("union_unit_code", "admin_unit_code"):
            out[name] = clean_text(p, name, as_text(raw.get(name)), max_length=64, required=True)
        if "founded_on" in raw:
            out["founded_on"] = read_date(p, "founded_on", raw["founded_on"])
            if out["founded_on"] and out["founded_on"] > clock.today():
                p.add("founded_on", "date_in_future")
        if "status" in raw:
            out["status"] = read_choice(p, "status", raw["status"], STATUS)
        if "gps_tracking" in raw:
            out["gps_tracking"] = read_bool(p, "gps_tracking", raw["gps_tracking"])
        return out

    async def prepare(self, session: AsyncSession, actor: Subject | None, rows: list[Row]) -> None:
        values = [r.values for r in rows]
        union = await ids_by_code(session, UnionUnit, (v["union_unit_code"] for v in values))
        admin = await ids_by_code(session, AdminUnit, (v["admin_unit_code"] for v in values))
        self.existing = await rows_by_code(session, Team, (v["code"] for v in values))
        live = [t.id for t in self.existing.values() if t.deleted_at is None]
        self.managed = set(live)
        if actor is not None:
            seen = await visible_ids(session, actor, Team, live)
            self.managed = await visible_ids(session, actor, Team, seen, team_manage_rule(actor))
        for row in rows:
            v = row.values
            for name, found, target in (
                ("union_unit_code", union, "union_unit_id"),
                ("admin_unit_code", admin, "admin_unit_id"),
            ):
                if v[name] is not None:
                    v[target] = found.get(v[name])
                    if v[target] is None:
                        row.add(name, "unknown_unit", v[name])

    async def apply(self, session: AsyncSession, actor: Subject | None, row: Row) -> str:
        v = row.values
        fields = {f: v[f] for f in ("name", "union_unit_id", "admin_unit_id")}
        team = self.existing.get(v["code"])
        if team is None:
            optional = {f: v[f] for f in _OPTIONAL if v.get(f) is not None}
            await teams_service.create_team(
                session, actor=actor, code=v["code"], **fields, **optional
            )
            return "created"
        if team.deleted_at is not None or team.id not in self.managed:
            raise Conflict(code="code_taken", errors=[{"field": "code", "code": "code_taken"}])
        await fresh(session, team)
        # A blank founding date clears it; a blank status or GPS choice leaves it as it is.
        fields |= {f: v[f] for f in _OPTIONAL if f in v and (f == "founded_on" or v[f] is not None)}
        changes = {f: value for f, value in fields.items() if getattr(team, f) != value}
        if not changes:
            return "unchanged"
        await teams_service.update_team(session, actor=actor, team=team, **changes)
        return "updated"

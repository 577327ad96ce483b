"""Importing industrial-zone sites (KCN, KCX, …) with their boundaries.

The boundary cell holds GeoJSON (a Polygon, a MultiPolygon or a Feature around one) or WKT
(``POLYGON ((lon lat, …))``, as QGIS copies it), in WGS84 with longitude first. A spreadsheet
cell holds at most 32,767 characters: a boundary longer than that goes through the API.
"""

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from backend.core.config import get_settings
from backend.core.errors import Conflict
from backend.imports.columns import Column, as_text, is_blank, read_choice, read_list
from backend.imports.engine import Handler, Row
from backend.imports.lookups import fresh, ids_by_code, rows_by_code, visible_ids
from backend.models import AdminUnit, Site, UnionUnit
from backend.policy import Subject
from backend.registry import sites_service
from backend.registry.geo import parse_boundary
from backend.registry.validation import Problems, clean_email, clean_phone, clean_text

KINDS = {
    "industrial_zone": ("KCN", "khu công nghiệp"),
    "export_processing_zone": ("KCX", "khu chế xuất"),
    "economic_zone": ("KKT", "khu kinh tế"),
    "high_tech_zone": ("KCNC", "khu công nghệ cao"),
    "industrial_cluster": ("CCN", "cụm công nghiệp"),
}
_EXAMPLE_BOUNDARY = (
    '{"type":"Polygon","coordinates":[[[106.745,10.895],[106.755,10.895],'
    "[106.755,10.905],[106.745,10.905],[106.745,10.895]]]}"
)

COLUMNS = (
    Column(
        "code",
        "Mã khu",
        "Site code",
        "Mã riêng, không trùng; nhập lại tệp sẽ cập nhật theo mã này",
        example="KCN-ST",
        required=True,
        aliases=("ma", "ma khu cong nghiep", "ma kcn"),
    ),
    Column(
        "name",
        "Tên khu",
        "Name",
        "Tên đầy đủ",
        example="Khu công nghiệp Sóng Thần",
        required=True,
        aliases=("ten", "ten khu cong nghiep", "ten kcn", "site name"),
    ),
    Column(
        "kind",
        "Loại khu",
        "Kind",
        "KCN / KCX / KKT / KCNC / CCN",
        example="KCN",
        required=True,
        aliases=("loai", "type"),
        choices=KINDS,
    ),
    Column(
        "boundary",
        "Ranh giới",
        "Boundary",
        "GeoJSON Polygon/MultiPolygon hoặc WKT, tọa độ [kinh độ, vĩ độ] (WGS84)",
        example=_EXAMPLE_BOUNDARY,
        required=True,
        aliases=("ranh gioi geojson", "geojson", "polygon", "wkt"),
    ),
    Column(
        "admin_unit_codes",
        "Mã phường/xã",
        "Admin unit codes",
        "Mã các đơn vị hành chính khu nằm trên, cách nhau bởi dấu phẩy",
        example="P-TDH",
        aliases=("ma don vi hanh chinh", "ward codes", "admin units"),
    ),
    Column(
        "union_unit_code",
        "Mã công đoàn",
        "Union unit code",
        "Mã công đoàn phụ trách khu (ví dụ Công đoàn KCN)",
        example="CD-KCN-ST",
        aliases=("ma cong doan phu trach", "union code", "union"),
    ),
    Column(
        "board_name",
        "Ban quản lý",
        "Board name",
        "Tên ban quản lý / người liên hệ",
        example="Ban quản lý KCN Sóng Thần",
        aliases=("ten ban quan ly", "management board"),
    ),
    Column(
        "board_phone",
        "SĐT ban quản lý",
        "Board phone",
        "Số điện thoại Việt Nam",
        example="02743123456",
        aliases=("so dien thoai ban quan ly", "dien thoai ban quan ly"),
    ),
    Column(
        "board_email",
        "Email ban quản lý",
        "Board email",
        "",
        example="bql@example.vn",
        aliases=("email",),
    ),
)


def _geojson(p: Problems, value: Any) -> Any:
    """WKT turned into GeoJSON; anything else is left for the boundary validator."""
    text = str(value).strip()
    if text[:12].upper().startswith(("POLYGON", "MULTIPOLYGON")):
        import shapely  # lazily: ~15 MB with numpy, for site imports only
        from shapely.geometry import mapping

        try:
            return mapping(shapely.from_wkt(text))
        except shapely.errors.ShapelyError as exc:
            p.add("boundary", "invalid_geometry", str(exc)[:200])
            return None
    return text


class SiteImport(Handler):
    kind = "sites"
    permission = "site.write"
    columns = COLUMNS
    field_columns = {"admin_unit_ids": "admin_unit_codes", "union_unit_id": "union_unit_code"}

    def clean(self, p: Problems, raw: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {
            "code": clean_text(p, "code", as_text(raw.get("code")), max_length=64, required=True),
            "name": clean_text(p, "name", raw.get("name"), max_length=255, required=True),
            "kind": read_choice(p, "kind", raw.get("kind"), KINDS),
        }
        if is_blank(raw.get("kind")):
            p.add("kind", "required")
        boundary = None
        if raw.get("boundary") is None:
            p.add("boundary", "required")
        elif (geojson := _geojson(p, raw["boundary"])) is not None:
            max_points = get_settings().site_boundary_max_points
            boundary = parse_boundary(p, geojson, max_points=max_points)
        out["boundary"] = boundary
        if "admin_unit_codes" in raw:
            out["admin_unit_codes"] = read_list(raw["admin_unit_codes"])
        if "union_unit_code" in raw:
            out["union_unit_code"] = clean_text(
                p, "union_unit_code", as_text(raw["union_unit_code"]), max_length=64
            )
        if "board_name" in raw:
            out["board_name"] = clean_text(p, "board_name", raw["board_name"], max_length=255)
        if "board_phone" in raw:
            out["board_phone"] = clean_phone(p, "board_phone", as_text(raw["board_phone"]))
        if "board_email" in raw:
            out["board_email"] = clean_email(p, "board_email", raw["board_email"])
        return out

    async def prepare(self, session: AsyncSession, actor: Subject | None, rows: list[Row]) -> None:
        values = [r.values for r in rows]
        admin = await ids_by_code(
            session, AdminUnit, (c for v in values for c in v.get("admin_unit_codes", []))
        )
        union = await ids_by_code(session, UnionUnit, (v.get("union_unit_code") for v in values))
        self.existing = await rows_by_code(session, Site, (v["code"] for v in values))
        live_ids = [s.id for s in self.existing.values() if s.deleted_at is None]
        self.visible = await visible_ids(session, actor, Site, live_ids)
        self.admin_units = await sites_service.admin_unit_ids_of(session, site_ids=live_ids)
        for row in rows:
            v = row.values
            if "admin_unit_codes" in v:
                missing = [c for c in v["admin_unit_codes"] if c not in admin]
                if missing:
                    row.add("admin_unit_codes", "unknown_unit", ", ".join(missing))
                v["admin_unit_ids"] = [admin[c] for c in v["admin_unit_codes"] if c in admin]
            if "union_unit_code" in v:
                code = v["union_unit_code"]
                v["union_unit_id"] = union.get(code) if code else None
                if code and v["union_unit_id"] is None:
                    row.add("union_unit_code", "unknown_unit", code)

    async def apply(self, session: AsyncSession, actor: Subject | None, row: Row) -> str:
        v = row.values
        fields = {
            f: v[f]
            for f in ("name", "kind", "union_unit_id", "board_name", "board_phone", "board_email")
            if f in v
        }
        site = self.existing.get(v["code"])
        if site is None:
            await sites_service.create_site(
                session,
                actor=actor,
                code=v["code"],
                boundary=v["boundary"].geojson,
                admin_unit_ids=v.get("admin_unit_ids"),
                **fields,
            )
            return "created"
        if site.deleted_at is not None or site.id not in self.visible:
            raise Conflict(code="code_taken", errors=[{"field": "code", "code": "code_taken"}])
        await fresh(session, site)
        changes = {f: value for f, value in fields.items() if getattr(site, f) != value}
        if site.boundary != v["boundary"].geojson:
            changes["boundary"] = v["boundary"].geojson
        if "admin_unit_ids" in v and set(v["admin_unit_ids"]) != set(self.admin_units[site.id]):
            changes["admin_unit_ids"] = v["admin_unit_ids"]
        if not changes:
            return "unchanged"
        await sites_service.update_site(session, actor=actor, site=site, **changes)
        return "updated"

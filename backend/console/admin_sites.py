"""Sites (KCN, KCX, …) and enterprises. A site's boundary comes from an uploaded GeoJSON file or
is drawn on the map (click to add corners, in our own static/admin_draw.js); the registry
service validates it (valid polygon, inside Vietnam) and re-assigns the houses it covers."""

import json
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import JSONResponse
from sqlalchemy import func, or_, select

from backend.console import admin_pickers as pickers
from backend.console.admin_common import (
    attempt,
    check_form_version,
    done,
    field_invalid,
    form_error,
    opt_int,
    opt_uuid,
    require_admin,
    uuids,
)
from backend.console.web import Console, ConsoleRoute, CurrentConsole, render
from backend.core.db import SessionDep
from backend.core.text import fold
from backend.models import AdminUnit, BoardingHouse, Enterprise, Site
from backend.policy import get_visible, scoped
from backend.registry import enterprises_service, sites_service
from backend.registry.validation import SITE_KINDS

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
LIST_LIMIT = 500
MAX_GEOJSON_BYTES = 2_000_000


async def _sites(session, console: Console) -> list[Site]:
    stmt = scoped(select(Site), console.subject, Site).where(Site.deleted_at.is_(None))
    return list((await session.scalars(stmt.order_by(Site.name_search).limit(LIST_LIMIT))).all())


def boundary_of(text: str) -> Any:
    """The polygon in a GeoJSON text: a geometry, a Feature, or a FeatureCollection of one
    area (what QGIS and geojson.io save); the service says what is wrong with it."""
    try:
        data = json.loads(text)
    except ValueError:
        raise field_invalid("boundary", "invalid_geometry") from None
    if isinstance(data, dict) and data.get("type") == "FeatureCollection":
        features = [f for f in data.get("features") or [] if isinstance(f, dict)]
        if len(features) != 1:
            raise field_invalid("boundary", "invalid_geometry")
        data = features[0]
    return data


async def _boundary_text(file: UploadFile | None, drawn: str) -> str:
    if file is not None and file.filename:
        raw = await file.read(MAX_GEOJSON_BYTES + 1)
        if len(raw) > MAX_GEOJSON_BYTES:
            raise field_invalid("boundary", "payload_too_large")
        try:
            return raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise field_invalid("boundary", "invalid_geometry") from None
    if not drawn.strip():
        raise field_invalid("boundary", "required")
    return drawn


async def _site_form_ctx(request: Request, session, console: Console, form: dict) -> dict:
    picked = pickers.picked_ids([*form.get("admin_unit_ids", []), form.get("union_unit_id")])
    return {
        "form": form,
        "kinds": SITE_KINDS,
        "admin_units": await pickers.unit_options(session, "admin", picked=picked),
        "union_units": await pickers.unit_options(session, "union", picked=picked),
        "sites": await _sites(session, console),
        "done": request.query_params.get("done", ""),
    }


EMPTY_SITE = {
    "code": "",
    "name": "",
    "kind": "industrial_zone",
    "admin_unit_ids": [],
    "union_unit_id": "",
    "boundary": "",
    "board_name": "",
    "board_phone": "",
}


@router.get("/admin/sites", name="console-admin-sites")
async def sites_page(request: Request, session: SessionDep, console: CurrentConsole):
    """Every site, with the form (and map) to register a new one."""
    require_admin(console)
    ctx = await _site_form_ctx(request, session, console, dict(EMPTY_SITE))
    return render(request, "admin/sites.html", ctx)


@router.get("/admin/sites.geojson", name="console-admin-sites-geojson")
async def sites_geojson(session: SessionDep, console: CurrentConsole):
    """The sites' boundaries, for the map the new boundary is drawn on."""
    require_admin(console)
    features = [
        {
            "type": "Feature",
            "id": str(s.id),
            "geometry": s.boundary,
            "properties": {"name": s.name, "code": s.code},
        }
        for s in await _sites(session, console)
    ]
    return JSONResponse({"type": "FeatureCollection", "features": features})


@router.post("/admin/sites", name="console-admin-site-create")
async def create_site(
    request: Request,
    session: SessionDep,
    console: CurrentConsole,
    code: Annotated[str, Form(max_length=64)] = "",
    name: Annotated[str, Form(max_length=255)] = "",
    kind: Annotated[str, Form(max_length=32)] = "",
    union_unit_id: Annotated[str, Form(max_length=64)] = "",
    board_name: Annotated[str, Form(max_length=255)] = "",
    board_phone: Annotated[str, Form(max_length=32)] = "",
    boundary: Annotated[str, Form(max_length=MAX_GEOJSON_BYTES)] = "",
    admin_unit_ids: Annotated[list[str] | None, Form()] = None,
    boundary_file: Annotated[UploadFile | None, File()] = None,
):
    """Register a site from the form: boundary from the file if one was chosen, else drawn."""
    require_admin(console)
    form = {
        "code": code,
        "name": name,
        "kind": kind,
        "admin_unit_ids": admin_unit_ids or [],
        "union_unit_id": union_unit_id,
        "boundary": boundary,
        "board_name": board_name,
        "board_phone": board_phone,
    }

    async def call():
        text = await _boundary_text(boundary_file, boundary)
        return await sites_service.create_site(
            session,
            actor=console.subject,
            code=code,
            name=name,
            kind=kind,
            boundary=boundary_of(text),
            admin_unit_ids=uuids(admin_unit_ids, "admin_unit_ids"),
            union_unit_id=opt_uuid(union_unit_id, "union_unit_id"),
            board_name=board_name or None,
            board_phone=board_phone or None,
        )

    site, error = await attempt(session, call)
    if error is not None:
        ctx = await _site_form_ctx(request, session, console, form)
        return form_error(request, "admin/sites.html", ctx, error)
    return done(f"/admin/sites/{site.id}", "site_created")


async def _site_ctx(request: Request, session, console: Console, site: Site) -> dict:
    houses = await session.scalar(
        select(func.count())
        .select_from(BoardingHouse)
        .where(BoardingHouse.site_id == site.id, BoardingHouse.deleted_at.is_(None))
    )
    enterprises = (
        await session.scalars(
            select(Enterprise)
            .where(Enterprise.site_id == site.id, Enterprise.deleted_at.is_(None))
            .order_by(Enterprise.name_search)
        )
    ).all()
    units = (await sites_service.admin_unit_ids_of(session, site_ids=[site.id]))[site.id]
    unit_names = []
    if units:
        rows = await session.scalars(select(AdminUnit.name).where(AdminUnit.id.in_(units)))
        unit_names = list(rows.all())
    return {
        "site": site,
        "houses": houses,
        "enterprises": enterprises,
        "unit_names": unit_names,
        "kinds": SITE_KINDS,
        "form": {"boundary": ""},
        "done": request.query_params.get("done", ""),
    }


@router.get("/admin/sites/{site_id}", name="console-admin-site")
async def site_page(
    request: Request, session: SessionDep, console: CurrentConsole, site_id: uuid.UUID
):
    """One site on the map, its houses and enterprises, and a new boundary or name."""
    require_admin(console)
    site = await get_visible(session, console.subject, Site, site_id)
    return render(request, "admin/site.html", await _site_ctx(request, session, console, site))


@router.get("/admin/sites/{site_id}/boundary.geojson", name="console-admin-site-geojson")
async def site_geojson(session: SessionDep, console: CurrentConsole, site_id: uuid.UUID):
    """One site's boundary as a GeoJSON Feature (for its page's map)."""
    require_admin(console)
    site = await get_visible(session, console.subject, Site, site_id)
    feature = {"type": "Feature", "geometry": site.boundary, "properties": {"name": site.name}}
    return JSONResponse({"type": "FeatureCollection", "features": [feature]})


@router.post("/admin/sites/{site_id}", name="console-admin-site-update")
async def update_site(
    request: Request,
    session: SessionDep,
    console: CurrentConsole,
    site_id: uuid.UUID,
    version: Annotated[str, Form(max_length=12)] = "",
    name: Annotated[str, Form(max_length=255)] = "",
    kind: Annotated[str, Form(max_length=32)] = "",
    boundary: Annotated[str, Form(max_length=MAX_GEOJSON_BYTES)] = "",
    boundary_file: Annotated[UploadFile | None, File()] = None,
):
    """Rename, re-kind, and (if a file or a drawing came) replace the boundary, if the site is
    still at the version the form was read at."""
    require_admin(console)
    site = await get_visible(session, console.subject, Site, site_id)

    async def call():
        check_form_version(version, site.version)
        changes: dict[str, Any] = {"name": name, "kind": kind}
        if (boundary_file is not None and boundary_file.filename) or boundary.strip():
            changes["boundary"] = boundary_of(await _boundary_text(boundary_file, boundary))
        return await sites_service.update_site(session, actor=console.subject, site=site, **changes)

    _, error = await attempt(session, call)
    if error is not None:
        site = await get_visible(session, console.subject, Site, site_id)
        ctx = await _site_ctx(request, session, console, site)
        return form_error(request, "admin/site.html", ctx, error)
    return done(f"/admin/sites/{site_id}", "saved")


# --- enterprises ---------------------------------------------------------------------------


async def _enterprise_ctx(
    request: Request, session, console: Console, form: dict, q: str = ""
) -> dict:
    stmt = scoped(select(Enterprise), console.subject, Enterprise).where(
        Enterprise.deleted_at.is_(None)
    )
    if q.strip():  # a city has thousands: the list draws LIST_LIMIT, the search reaches the rest
        stmt = stmt.where(
            or_(
                Enterprise.name_search.contains(fold(q.strip()), autoescape=True),
                Enterprise.tax_code == q.strip(),
            )
        )
    rows = (await session.scalars(stmt.order_by(Enterprise.name_search).limit(LIST_LIMIT))).all()
    total = await session.scalar(select(func.count()).select_from(stmt.subquery()))
    sites = await _sites(session, console)
    return {
        "enterprises": rows,
        "total": total,
        "q": q,
        "sites": sites,
        "site_names": {s.id: s.name for s in sites},
        "form": form,
        "done": request.query_params.get("done", ""),
    }


EMPTY_ENTERPRISE = {"name": "", "site_id": "", "tax_code": "", "sector": "", "headcount": ""}


@router.get("/admin/enterprises", name="console-admin-enterprises")
async def enterprises_page(
    request: Request,
    session: SessionDep,
    console: CurrentConsole,
    q: Annotated[str, Query(max_length=100)] = "",
):
    """Enterprises with their site (by name, or a whole tax code), and the form to register
    one."""
    require_admin(console)
    ctx = await _enterprise_ctx(request, session, console, dict(EMPTY_ENTERPRISE), q)
    return render(request, "admin/enterprises.html", ctx)


@router.post("/admin/enterprises", name="console-admin-enterprise-create")
async def create_enterprise(
    request: Request,
    session: SessionDep,
    console: CurrentConsole,
    name: Annotated[str, Form(max_length=255)] = "",
    site_id: Annotated[str, Form(max_length=64)] = "",
    tax_code: Annotated[str, Form(max_length=32)] = "",
    sector: Annotated[str, Form(max_length=128)] = "",
    headcount: Annotated[str, Form(max_length=12)] = "",
):
    """Register an enterprise (tax code checked and unique)."""
    require_admin(console)
    form = {
        "name": name,
        "site_id": site_id,
        "tax_code": tax_code,
        "sector": sector,
        "headcount": headcount,
    }

    async def call():
        return await enterprises_service.create_enterprise(
            session,
            actor=console.subject,
            name=name,
            site_id=opt_uuid(site_id, "site_id"),
            tax_code=tax_code or None,
            sector=sector or None,
            headcount=opt_int(headcount, "headcount"),
        )

    _, error = await attempt(session, call)
    if error is not None:
        ctx = await _enterprise_ctx(request, session, console, form)
        return form_error(request, "admin/enterprises.html", ctx, error)
    return done("/admin/enterprises", "enterprise_created")

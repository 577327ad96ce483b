"""The union dashboard's map layers, for the picked unit and period, as the app's own GeoJSON:
wards with their incident counts, sites' polygons, houses coloured by days since patrol.

The admin units carry no boundary in the data model, so a ward is drawn as the octagon that
encloses its boarding houses (eight extreme points found by one GROUP BY, cheap at 40,000
houses); the counts come from the rollups, never from the raw incidents.
"""

from collections import defaultdict
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from sqlalchemy import func, select

from backend.console import union_scope
from backend.console.maps import _bbox
from backend.console.web import ConsoleRoute, CurrentConsole
from backend.core.db import SessionDep
from backend.dashboards.maps import band, ward_counts
from backend.models import AdminUnit, BoardingHouse, Site, UnionUnit, utcnow
from backend.models.rollup import RollupCell, RollupHouseLast
from backend.policy.dashboards import cells_in, houses_where
from backend.policy.registry import house_rule, site_rule
from backend.policy.scopes import under

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
HOUSE_LIMIT = 3000
PAD = 0.002  # degrees (~200 m): a ward of one house is still a visible shape


def _octagon(x0, x1, y0, y1, s0, s1, d0, d1) -> list[list[float]]:
    """The ring of {x0<=x<=x1, y0<=y<=y1, s0<=x+y<=s1, d0<=x-y<=d1}, padded, closed."""
    x0, x1, y0, y1 = x0 - PAD, x1 + PAD, y0 - PAD, y1 + PAD
    s0, s1, d0, d1 = s0 - 2 * PAD, s1 + 2 * PAD, d0 - 2 * PAD, d1 + 2 * PAD
    ring = [
        (s0 - y0, y0),
        (d1 + y0, y0),
        (x1, x1 - d1),
        (x1, s1 - x1),
        (s1 - y1, y1),
        (d0 + y1, y1),
        (x0, x0 - d0),
        (x0, s0 - x0),
    ]
    out = [[round(x, 5), round(y, 5)] for x, y in ring]
    return [*out, out[0]]


@router.get("/map/areas/wards", name="console-map-wards")
async def wards(request: Request, session: SessionDep, console: CurrentConsole):
    """Wards of the picked unit's incidents, each with its count in the picked period."""
    union_scope.union_desk(console)
    pk = await union_scope.pick(request, session, console)
    cells = RollupCell.id.in_(cells_in(console.subject, pk.scope))
    counts: dict = defaultdict(int)
    for (unit, _severity), n in (await ward_counts(session, cells=cells, period=pk.period)).items():
        counts[unit] += n
    h = BoardingHouse
    x, y = h.lon, h.lat
    shapes = await session.execute(
        select(
            h.admin_unit_id,
            AdminUnit.name,
            func.min(x),
            func.max(x),
            func.min(y),
            func.max(y),
            func.min(x + y),
            func.max(x + y),
            func.min(x - y),
            func.max(x - y),
        )
        .join(AdminUnit, AdminUnit.id == h.admin_unit_id)
        .where(h.deleted_at.is_(None), house_rule(console.subject))
        .where(h.admin_unit_id.in_(list(counts)) | h.id.in_(_scope_houses(console, pk)))
        .group_by(h.admin_unit_id, AdminUnit.name)
    )
    features = []
    for unit, name, *extremes in shapes:
        n = int(counts.get(unit) or 0)
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Polygon", "coordinates": [_octagon(*extremes)]},
                "properties": {"admin_unit_id": str(unit), "name": name, "count": n},
            }
        )
    features.sort(key=lambda f: f["properties"]["name"])
    top = max((f["properties"]["count"] for f in features), default=0)
    return JSONResponse(
        {"type": "FeatureCollection", "features": features, "properties": {"max_count": top}}
    )


def _scope_houses(console, pk):
    return select(BoardingHouse.id).where(houses_where(console.subject, pk.scope))


@router.get("/map/areas/sites", name="console-map-sites")
async def sites(request: Request, session: SessionDep, console: CurrentConsole):
    """The sites (KCN, KCX …) of the picked unit with their boundary polygons."""
    union_scope.union_desk(console)
    pk = await union_scope.pick(request, session, console)
    stmt = select(Site.id, Site.code, Site.name, Site.kind, Site.boundary).where(
        Site.deleted_at.is_(None), site_rule(console.subject)
    )
    if not pk.scope.is_root:
        units = select(UnionUnit.id).where(under(UnionUnit.path, [pk.scope.path]))
        stmt = stmt.where(Site.union_unit_id.in_(units))
    features = [
        {
            "type": "Feature",
            "geometry": boundary,
            "properties": {"site_id": str(sid), "code": code, "name": name, "kind": kind},
        }
        for sid, code, name, kind, boundary in await session.execute(stmt.order_by(Site.code))
        if isinstance(boundary, dict) and boundary.get("type") in ("Polygon", "MultiPolygon")
    ]
    return JSONResponse({"type": "FeatureCollection", "features": features})


@router.get("/map/areas/houses", name="console-map-houses")
async def houses(
    request: Request,
    session: SessionDep,
    console: CurrentConsole,
    bbox: Annotated[str | None, Query(max_length=100)] = None,
):
    """The picked unit's active houses in the box, coloured by days since the last patrol."""
    union_scope.union_desk(console)
    pk = await union_scope.pick(request, session, console)
    min_lon, min_lat, max_lon, max_lat = _bbox(bbox)
    h, last = BoardingHouse, RollupHouseLast
    rows = (
        await session.execute(
            select(h.id, h.code, h.name, h.lon, h.lat, last.last_scan_at)
            .join(last, last.house_id == h.id, isouter=True)
            .where(
                houses_where(console.subject, pk.scope),
                h.lon.between(min_lon, max_lon),
                h.lat.between(min_lat, max_lat),
            )
            .order_by(h.code)
            .limit(HOUSE_LIMIT + 1)
        )
    ).all()
    now = utcnow()
    features = []
    for hid, code, name, x, y, at in rows[:HOUSE_LIMIT]:
        days = (now - at).days if at else None
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [x, y]},
                "properties": {
                    "house_id": str(hid),
                    "code": code,
                    "name": name,
                    "days_since_patrol": days,
                    "colour": band(days),
                },
            }
        )
    return JSONResponse(
        {
            "type": "FeatureCollection",
            "features": features,
            "properties": {"truncated": len(rows) > HOUSE_LIMIT},
        }
    )

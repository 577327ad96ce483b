"""Map layers as GeoJSON: incidents (aggregated when zoomed out) and houses by patrol recency.

Zoomed out (below ``POINT_ZOOM``) incidents are counts per ward, read from the rollups and
placed at the centroid of the ward's boarding houses. Zoomed in they are points, but only
for what the caller may see, and never the exact place of an incident whose reporter is
protected unless the caller is the police (the full view): unions get those as a count.
"""

import uuid
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Integer, and_, cast, func, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from backend.dashboards.service import Period, whole_months
from backend.dashboards.sqlfuncs import day_start_utc
from backend.models import AdminUnit, BoardingHouse
from backend.models.incident import Incident
from backend.models.rollup import (
    RollupCell,
    RollupHouseLast,
    RollupIncidentDay,
    RollupIncidentMonth,
)
from backend.policy import Subject, visible
from backend.policy.dashboards import cell_rule
from backend.policy.incidents import view_kind

POINT_ZOOM = 14
# Days since the last patrol → colour band of a house marker.
BANDS = ((3, "green"), (7, "yellow"), (14, "orange"))


def _bbox_clause(lon, lat, bbox):
    min_lon, min_lat, max_lon, max_lat = bbox
    return and_(lon >= min_lon, lon <= max_lon, lat >= min_lat, lat <= max_lat)


async def incident_layer(
    session: AsyncSession,
    *,
    subject: Subject,
    bbox: tuple[float, float, float, float],
    period: Period,
    zoom: int,
    limit: int,
) -> dict:
    if zoom >= POINT_ZOOM:
        return await _incident_points(session, subject, bbox, period, limit)
    return await _incident_wards(session, subject, bbox, period)


async def ward_counts(
    session: AsyncSession, *, cells: ColumnElement[bool], period: Period
) -> dict[tuple[uuid.UUID, int], int]:
    """Incidents per (ward, severity) in the period, over the rollup cells ``cells`` picks.

    Whole months come from the month margins, the days at the period's edges from the day
    rollup, as the dashboard's figures do: a city's three months were 170,000 day rows (one
    per day, cell, category, severity and status; 57 ms) instead of a few per cell and month.
    """
    c = RollupCell
    months, edges = whole_months(period)
    parts = []
    if months:
        m = RollupIncidentMonth
        parts.append(
            select(c.admin_unit_id.label("unit"), cast(m.value, Integer).label("sev"), m.n)
            .join(c, c.id == m.cell_id)
            .where(m.dim == "severity", m.month.in_(months), cells)
        )
    if edges:
        r = RollupIncidentDay
        parts.append(
            select(c.admin_unit_id.label("unit"), r.severity.label("sev"), r.n)
            .join(c, c.id == r.cell_id)
            .where(or_(*[r.day.between(a, b) for a, b in edges]), cells)
        )
    rows = union_all(*parts).subquery() if len(parts) > 1 else parts[0].subquery()
    stmt = select(rows.c.unit, rows.c.sev, func.sum(rows.c.n)).group_by(rows.c.unit, rows.c.sev)
    return {(unit, int(sev)): int(n) for unit, sev, n in await session.execute(stmt)}


async def _incident_wards(session, subject, bbox, period) -> dict:
    h = BoardingHouse
    counts = await ward_counts(session, cells=cell_rule(subject), period=period)
    per_unit: dict = {}
    for (unit, severity), n in counts.items():
        entry = per_unit.setdefault(unit, {"count": 0, "by_severity": {}})
        entry["count"] += int(n)
        entry["by_severity"][str(severity)] = int(n)
    if not per_unit:
        return {"type": "FeatureCollection", "features": [], "properties": _props("admin_unit")}
    centroids = await session.execute(
        select(h.admin_unit_id, func.avg(h.lon), func.avg(h.lat), AdminUnit.name)
        .join(AdminUnit, AdminUnit.id == h.admin_unit_id)
        .where(h.admin_unit_id.in_(list(per_unit)), h.deleted_at.is_(None))
        .group_by(h.admin_unit_id, AdminUnit.name)
    )
    features, unplaced = [], sum(e["count"] for e in per_unit.values())
    for unit, lon, lat, name in centroids:
        unplaced -= per_unit[unit]["count"]
        min_lon, min_lat, max_lon, max_lat = bbox
        if not (min_lon <= lon <= max_lon and min_lat <= lat <= max_lat):
            continue
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [round(lon, 5), round(lat, 5)]},
                "properties": {"admin_unit_id": str(unit), "name": name, **per_unit[unit]},
            }
        )
    features.sort(key=lambda f: f["properties"]["admin_unit_id"])
    return {
        "type": "FeatureCollection",
        "features": features,
        "properties": {**_props("admin_unit"), "unplaced": unplaced},
    }


def _props(aggregation: str, **extra) -> dict:
    return {"aggregation": aggregation, "point_zoom": POINT_ZOOM, **extra}


async def _incident_points(session, subject, bbox, period, limit) -> dict:
    i, h = Incident, BoardingHouse
    lon = func.coalesce(i.lon, h.lon)
    lat = func.coalesce(i.lat, h.lat)
    full_view = view_kind(subject, is_reporter=False) == "full"
    where = [
        visible(subject, Incident),
        i.occurred_at >= day_start_utc(period.first),
        i.occurred_at < day_start_utc(period.last + timedelta(days=1)),
        _bbox_clause(lon, lat, bbox),
    ]
    base = select(i.id).outerjoin(h, h.id == i.house_id).where(*where)
    withheld = 0
    if not full_view:
        withheld = int(
            await session.scalar(
                select(func.count()).select_from(
                    base.where(i.protect_reporter.is_(True)).subquery()
                )
            )
            or 0
        )
        where.append(i.protect_reporter.is_(False))
    rows = await session.execute(
        select(i.id, i.category, i.severity, i.status, i.occurred_at, lon, lat)
        .outerjoin(h, h.id == i.house_id)
        .where(*where)
        .order_by(i.occurred_at.desc(), i.id)
        .limit(limit + 1)
    )
    rows = rows.all()
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [x, y]},
            "properties": {
                "incident_id": str(iid),
                "category": category,
                "severity": severity,
                "status": status,
                "occurred_at": _iso(at),
            },
        }
        for iid, category, severity, status, at, x, y in rows[:limit]
    ]
    return {
        "type": "FeatureCollection",
        "features": features,
        "properties": _props("none", withheld=withheld, truncated=len(rows) > limit),
    }


def _iso(value: datetime) -> str:
    return value.isoformat()


def band(days: int | None) -> str:
    """The colour of a house that was last patrolled ``days`` ago (None: never)."""
    if days is None:
        return "red"
    for limit, colour in BANDS:
        if days <= limit:
            return colour
    return "red"


async def house_layer(
    session: AsyncSession,
    *,
    subject: Subject,
    bbox: tuple[float, float, float, float],
    now: datetime,
    limit: int,
) -> dict:
    """Visible active houses in the box, coloured by days since their last scan."""
    h, last = BoardingHouse, RollupHouseLast
    rows = (
        await session.execute(
            select(h.id, h.code, h.name, h.lon, h.lat, last.last_scan_at)
            .join(last, last.house_id == h.id, isouter=True)
            .where(
                h.deleted_at.is_(None),
                h.status == "active",
                visible(subject, BoardingHouse),
                _bbox_clause(h.lon, h.lat, bbox),
            )
            .order_by(h.code)
            .limit(limit + 1)
        )
    ).all()
    features = []
    for hid, code, name, x, y, at in rows[:limit]:
        days = (now - at).days if at else None
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [x, y]},
                "properties": {
                    "house_id": str(hid),
                    "code": code,
                    "name": name,
                    "last_patrolled_at": _iso(at) if at else None,
                    "days_since_patrol": days,
                    "colour": band(days),
                },
            }
        )
    return {
        "type": "FeatureCollection",
        "features": features,
        "properties": {"bands": dict((c, d) for d, c in BANDS), "truncated": len(rows) > limit},
    }

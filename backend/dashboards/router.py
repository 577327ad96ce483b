"""Dashboard routes: the summary of a scope and period, its tables, and the map layers."""

import uuid
from typing import Annotated, Literal

from fastapi import Depends, Query, Request
from sqlalchemy.ext.asyncio import AsyncSession

from backend.core.db import SessionDep
from backend.core.errors import Invalid
from backend.core.messages import pick_language
from backend.core.pagination import Page, page_of, stamp
from backend.core.params import QueryDate
from backend.core.routing import GuardedRouter
from backend.dashboards import exports, maps, schemas, service, tables
from backend.dashboards.report_router import router as reports_router
from backend.dashboards.sqlfuncs import local_date
from backend.models import utcnow
from backend.policy import Subject
from backend.policy.dashboards import KINDS, Scope, resolve_scope
from backend.policy.deps import allowed

# Its readers are all desk roles, whose requests are planned for their values (periods and
# scope ranges: backend/policy/roles.DESK_ROLES).
router = GuardedRouter(prefix="/api/v1/dashboards", tags=["dashboards"])
Reader = Annotated[Subject, allowed("dashboard.read")]
MapReader = Annotated[Subject, allowed("map.read")]
ScopeParam = Annotated[
    str,
    Query(
        description="`union:<id>`, `admin:<id>` or `site:<id>`",
        examples=["union:7b0c3a52-3c55-4d3b-9a56-5f7f4f0b8f11"],
        max_length=64,
    ),
]
FromParam = Annotated[
    QueryDate | None, Query(alias="from", description="first local day (default: 1st of the month)")
]
ToParam = Annotated[
    QueryDate | None, Query(description="last local day, inclusive (default: today)")
]
Limit = Annotated[int, Query(ge=1, le=1000, description="rows per page (json) or in the file")]
Cursor = Annotated[str | None, Query(description="json: next_cursor of the previous page")]
# With a cursor the whole ranking (up to this) is computed and the page cut from it.
RANKED_MAX = 1000
FormatParam = Annotated[exports.Format, Query(description="json, or a csv/xlsx file")]


async def dashboard_scope(session: SessionDep, subject: Reader, scope: ScopeParam) -> Scope:
    """The asked scope, if the caller may see it (404 otherwise)."""
    kind, _, raw_id = scope.partition(":")
    try:
        scope_id = uuid.UUID(raw_id)
    except ValueError:
        raise Invalid(code="scope_invalid") from None
    if kind not in KINDS:
        raise Invalid(code="scope_invalid")
    return await resolve_scope(session, subject, kind, scope_id)


ScopeDep = Annotated[Scope, Depends(dashboard_scope)]


async def period_of(first: FromParam = None, to: ToParam = None) -> service.Period:
    return service.make_period(first, to, today=local_date(utcnow()))


PeriodDep = Annotated[service.Period, Depends(period_of)]


@router.get("/summary", name="dashboards-summary", response_model=schemas.DashboardSummary)
async def summary(
    request: Request,
    session: SessionDep,
    subject: Reader,
    scope: ScopeDep,
    period: PeriodDep,
    trend: Literal["week", "month"] = "month",
):
    """Incidents, response times, overdue escalations, patrols against plan, house coverage
    and trends for a scope and period (local days, Asia/Ho_Chi_Minh)."""
    lang = pick_language(request.headers.get("accept-language"))
    return await service.summary(
        session,
        subject=subject,
        scope=scope,
        period=period,
        trend=trend,
        now=utcnow(),
        lang=lang,
        sessions=request.app.state.session_factory,
    )


def _lang(request: Request) -> str:
    return pick_language(request.headers.get("accept-language"))


def _detail(scope: Scope, period: service.Period) -> dict:
    return {"scope": f"{scope.kind}:{scope.id}", "from": str(period.first), "to": str(period.last)}


async def _as_file(
    request: Request,
    session: AsyncSession,
    subject: Subject,
    scope: Scope,
    period: service.Period,
    *,
    rows: list,
    fmt: str,
    table: str,
):
    """A table as the CSV or XLSX file asked for (``exports.TABLES[table]``: columns, file
    name), scoped as the view and audited."""
    columns, filename = exports.TABLES[table]
    return await exports.table_export(
        session,
        subject=subject,
        rows=rows,
        columns=columns,
        fmt=fmt,
        lang=_lang(request),
        filename=filename,
        object_type=f"dashboard_{table}",
        detail=_detail(scope, period),
    )


@router.get(
    "/teams",
    name="dashboards-teams",
    response_model=Page[schemas.TeamRank],
    responses={200: {"content": {"text/csv": {}, exports.XLSX_MEDIA_TYPE: {}}}},
)
async def teams(
    request: Request,
    session: SessionDep,
    subject: Reader,
    scope: ScopeDep,
    period: PeriodDep,
    limit: Limit = 100,
    format: FormatParam = "json",
    cursor: Cursor = None,
):
    """Team activity (patrols, scans, reports, flags) ranked."""
    fetch = RANKED_MAX if cursor and format == "json" else limit + 1
    rows = await tables.team_ranking(
        session, subject=subject, scope=scope, period=period, limit=fetch
    )
    if format == "json":
        items = [schemas.TeamRank.model_validate(r) for r in rows]
        return page_of(
            items,
            cursor=cursor,
            limit=limit,
            key=lambda t: (-t.patrols_completed, -t.scans, -t.reports, t.flagged_scans, t.code),
        )
    rows = rows[:limit]
    return await _as_file(
        request, session, subject, scope, period, rows=rows, fmt=format, table="teams"
    )


@router.get(
    "/coverage",
    name="dashboards-coverage",
    response_model=Page[schemas.HouseCoverage],
    responses={200: {"content": {"text/csv": {}, exports.XLSX_MEDIA_TYPE: {}}}},
)
async def coverage(
    request: Request,
    session: SessionDep,
    subject: Reader,
    scope: ScopeDep,
    period: PeriodDep,
    limit: Limit = 100,
    format: FormatParam = "json",
    cursor: Cursor = None,
):
    """Patrol coverage against incidents: each house with incidents in the period, when it
    was last patrolled before its latest one and how often in the 30 days before."""
    fetch = RANKED_MAX if cursor and format == "json" else limit + 1
    rows = await tables.coverage_against_incidents(
        session, subject=subject, scope=scope, period=period, limit=fetch
    )
    if format == "json":
        items = [schemas.HouseCoverage.model_validate(r) for r in rows]
        return page_of(
            items,
            cursor=cursor,
            limit=limit,
            key=lambda h: (-stamp(h.latest_incident_at), str(h.house_id)),
        )
    rows = rows[:limit]
    return await _as_file(
        request, session, subject, scope, period, rows=rows, fmt=format, table="coverage"
    )


@router.get(
    "/houses/uncovered",
    name="dashboards-uncovered-houses",
    response_model=Page[schemas.UncoveredHouse],
    responses={200: {"content": {"text/csv": {}, exports.XLSX_MEDIA_TYPE: {}}}},
)
async def uncovered(
    request: Request,
    session: SessionDep,
    subject: Reader,
    scope: ScopeDep,
    period: PeriodDep,
    limit: Limit = 100,
    format: FormatParam = "json",
    cursor: Cursor = None,
):
    """Houses of the scope not patrolled in the period, longest unpatrolled first."""
    fetch = RANKED_MAX if cursor and format == "json" else limit + 1
    rows = await tables.uncovered_houses(
        session, subject=subject, scope=scope, period=period, limit=fetch
    )
    if format == "json":
        items = [schemas.UncoveredHouse.model_validate(r) for r in rows]
        return page_of(
            items,
            cursor=cursor,
            limit=limit,
            key=lambda h: (h.last_patrolled_at is not None, stamp(h.last_patrolled_at), h.code),
        )
    rows = rows[:limit]
    return await _as_file(
        request, session, subject, scope, period, rows=rows, fmt=format, table="uncovered"
    )


@router.get(
    "/completeness",
    name="dashboards-completeness",
    response_model=schemas.Completeness,
    responses={200: {"content": {"text/csv": {}, exports.XLSX_MEDIA_TYPE: {}}}},
)
async def completeness(
    request: Request,
    session: SessionDep,
    subject: Reader,
    scope: ScopeDep,
    period: PeriodDep,
    threshold: Annotated[float, Query(gt=0, le=1)] = 0.8,
    format: FormatParam = "json",
):
    """Reporting completeness and timeliness per union unit, with the lagging teams (the
    file formats export the laggards)."""
    result = await tables.completeness(
        session, subject=subject, scope=scope, period=period, threshold=threshold
    )
    if format == "json":
        return result
    return await _as_file(
        request,
        session,
        subject,
        scope,
        period,
        rows=result["laggards"],
        fmt=format,
        table="completeness",
    )


def _bbox(
    bbox: Annotated[
        str, Query(description="min_lon,min_lat,max_lon,max_lat (WGS84)", max_length=100)
    ],
) -> tuple[float, float, float, float]:
    try:
        values = tuple(float(v) for v in bbox.split(","))
    except ValueError:
        raise Invalid(code="bbox_invalid") from None
    if len(values) != 4:
        raise Invalid(code="bbox_invalid")
    min_lon, min_lat, max_lon, max_lat = values
    if not (-180 <= min_lon <= max_lon <= 180 and -90 <= min_lat <= max_lat <= 90):
        raise Invalid(code="bbox_invalid")
    return values  # type: ignore[return-value]


BBox = Annotated[tuple[float, float, float, float], Depends(_bbox)]


@router.get(
    "/map/incidents", name="dashboards-map-incidents", response_model=schemas.FeatureCollection
)
async def map_incidents(
    request: Request,
    session: SessionDep,
    subject: MapReader,
    bbox: BBox,
    period: PeriodDep,
    zoom: Annotated[int, Query(ge=0, le=22)] = 12,
):
    """Incidents in a box: counts per ward below zoom 14, points from zoom 14 (protected
    reporters' incidents are withheld from points except for the police)."""
    limit = request.app.state.settings.geojson_limit_max
    return await maps.incident_layer(
        session, subject=subject, bbox=bbox, period=period, zoom=zoom, limit=limit
    )


@router.get("/map/houses", name="dashboards-map-houses", response_model=schemas.FeatureCollection)
async def map_houses(request: Request, session: SessionDep, subject: MapReader, bbox: BBox):
    """Houses in a box coloured by days since their last patrol."""
    limit = request.app.state.settings.geojson_limit_max
    return await maps.house_layer(session, subject=subject, bbox=bbox, now=utcnow(), limit=limit)


routers = (router, reports_router)

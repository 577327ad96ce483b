"""The console maps' GeoJSON: the dashboards' own layers (houses by days since patrol,
incidents by ward or as points), scoped by the policy layer; no tile server needed."""

from datetime import timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from backend.console.web import ConsoleRoute, CurrentConsole
from backend.core.db import SessionDep
from backend.core.errors import Invalid
from backend.dashboards import maps
from backend.dashboards import service as dashboards
from backend.dashboards.sqlfuncs import local_date
from backend.models import utcnow
from backend.policy import authorize

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
WORLD = (-180.0, -90.0, 180.0, 90.0)
LIMIT = 2000


def _bbox(raw: str | None) -> tuple[float, float, float, float]:
    if not raw:
        return WORLD
    try:
        parts = tuple(float(p) for p in raw.split(","))
    except ValueError:
        raise Invalid(code="validation_error") from None
    if len(parts) != 4:
        raise Invalid(code="validation_error")
    return parts  # type: ignore[return-value]


@router.get("/map/{layer}", name="console-map-layer")
async def layer(
    session: SessionDep,
    console: CurrentConsole,
    layer: Literal["houses", "incidents"],
    bbox: Annotated[str | None, Query(max_length=100)] = None,
    zoom: Annotated[int, Query(ge=0, le=22)] = 12,
):
    """One GeoJSON layer within a box (default: all the caller may see, capped)."""
    authorize(console.subject, "map.read")
    box = _bbox(bbox)
    if layer == "houses":
        data = await maps.house_layer(
            session, subject=console.subject, bbox=box, now=utcnow(), limit=LIMIT
        )
    else:
        today = local_date(utcnow())
        period = dashboards.make_period(today - timedelta(days=90), today, today=today)
        data = await maps.incident_layer(
            session, subject=console.subject, bbox=box, period=period, zoom=zoom, limit=LIMIT
        )
    return JSONResponse(data)

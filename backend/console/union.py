"""Union officers and the city federation: the dashboard of their subtree, the incidents list
(union view, diacritics ignored in search) with triage/escalate, and CSV/XLSX exports."""

import uuid
from datetime import date, datetime, time
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request

from backend.console.i18n import LOCAL_TZ
from backend.console.paging import filters_query, next_page
from backend.console.police import category_names
from backend.console.union_scope import picked_summary
from backend.console.web import Console, ConsoleRoute, CurrentConsole, render
from backend.core.db import SessionDep
from backend.core.pagination import decode_keys
from backend.core.params import QueryDate
from backend.dashboards.exports import table_export
from backend.incidents import queries, workflow
from backend.monitoring.exports import Column

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
LIST_LIMIT = 50
EXPORT_LIMIT = 10_000
# The union view: no reporter, no persons involved (as the API's union view of a list).
INCIDENT_COLUMNS = (
    Column("occurred_at", "Thời điểm", "Occurred"),
    Column("category", "Loại", "Category"),
    Column("severity", "Mức độ", "Severity", width=8),
    Column("status", "Trạng thái", "Status"),
    Column("summary", "Nội dung", "Summary", width=60),
    Column("place_text", "Địa điểm", "Place", width=32),
    Column("id", "Mã vụ việc", "Incident id", width=38),
)


def _bars(series: list[dict]) -> list[dict]:
    """Bar heights (0..100) for the SVG trend chart."""
    top = max((p["incidents"] for p in series), default=0) or 1
    return [{**p, "h": round(80 * p["incidents"] / top)} for p in series]


async def dashboard_page(request: Request, session, console: Console):
    """The dashboard of a union subtree for the picked period: figures, trend, overdue, map."""
    pk, data = await picked_summary(request, session, console)
    return render(
        request,
        "union/dashboard.html",
        {"d": data, "scope": pk.scope, "pk": pk, "bars": _bars(data["trend"]["series"])},
    )


@router.get("/dashboard", name="console-dashboard")
async def dashboard(request: Request, session: SessionDep, console: CurrentConsole):
    """A union subtree's dashboard (`?unit=` a unit in the caller's scope; period pickers)."""
    return await dashboard_page(request, session, console)


def _filters(
    q: str | None,
    category: str | None,
    status: str | None,
    severity: int | None,
    since: date | None,
) -> queries.Filters:
    start = None
    if since:
        start = datetime.combine(since, time(), LOCAL_TZ)
    return queries.Filters(
        q=q or None,
        category=[category] if category else None,
        status=[status] if status else None,
        severity=[severity] if severity else None,
        occurred_from=start,
    )


Text = Annotated[str | None, Query(max_length=100)]


@router.get("/incidents", name="console-incidents")
async def incidents(
    request: Request,
    session: SessionDep,
    console: CurrentConsole,
    q: Text = None,
    category: Text = None,
    status: Text = None,
    severity: Annotated[str | None, Query(max_length=1, pattern="^[1-4]?$")] = None,
    since: QueryDate | None = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    format: Literal["html", "csv", "xlsx"] = "html",
):
    """Incidents in the caller's scope, newest first, filtered, ``LIST_LIMIT`` a page (an
    "older" link carries the last one's key, as the API's cursor); or the same as CSV/XLSX
    (from the newest, whatever page the link was on)."""
    severity = int(severity) if severity else None  # the form's "all" sends an empty value
    filters = _filters(q, category, status, severity, since)
    html = format == "html"
    after = decode_keys(cursor, datetime.fromisoformat, uuid.UUID) if html else None
    rows = await queries.list_incidents(
        session,
        subject=console.subject,
        filters=filters,
        after_key=after,
        limit=LIST_LIMIT + 1 if html else EXPORT_LIMIT,
    )
    lang = request.cookies.get("ttq_lang", "vi")
    names = await category_names(session, lang)
    if format != "html":
        items = [
            {
                "occurred_at": r.occurred_at,
                "category": names.get(r.category, r.category),
                "severity": r.severity,
                "status": r.status,
                "summary": r.summary,
                "place_text": r.place_text,
                "id": str(r.id),
            }
            for r in rows
        ]
        return await table_export(
            session,
            subject=console.subject,
            rows=items,
            columns=INCIDENT_COLUMNS,
            fmt=format,
            lang=lang,
            filename="vu-viec",
            object_type="incident_list",
            detail={"q": q, "category": category, "status": status, "severity": severity},
        )
    more = len(rows) > LIST_LIMIT
    rows = rows[:LIST_LIMIT]
    older = None
    if more:
        older = next_page(request, [rows[-1].created_at.isoformat(), str(rows[-1].id)])
    ctx = {
        "items": rows,
        "older": older,
        "categories": names,
        "statuses": workflow.STATES,
        "f": {
            "q": q or "",
            "category": category or "",
            "status": status or "",
            "severity": severity or "",
            "since": since.isoformat() if since else "",
        },
        "query": filters_query(request),
    }
    return render(request, "incidents.html", ctx)

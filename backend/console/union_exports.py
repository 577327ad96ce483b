"""The union pages' streamed files: a scoped list query through the monitoring exporter
(``export_response``), audited in the request's transaction as the API's exports are; and the
dashboard's incidents-by-category table through the dashboards' ``table_export``."""

from typing import Any, Literal

from fastapi import APIRouter, Request
from sqlalchemy import Select

from backend.console import union_scope
from backend.console.page_files import OVERDUE_COLUMNS, query_file
from backend.console.police import category_names
from backend.console.web import ConsoleRoute, CurrentConsole
from backend.core.db import SessionDep
from backend.dashboards import service as dashboards
from backend.dashboards.exports import table_export
from backend.models import utcnow
from backend.monitoring.exports import Column
from backend.policy import Subject, authorize, scoped

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
CATEGORY_COLUMNS = (
    Column("name", "Loại vụ việc", "Category", width=32),
    Column("category", "Mã loại", "Category code", width=20),
    Column("count", "Số vụ việc", "Incidents", width=12),
)


async def list_file(
    request: Request,
    session,
    *,
    subject: Subject,
    stmt: Select,
    model: type,
    columns: list[Column],
    fmt: str,
    object_type: str,
    filename: str,
    sheet_name: str,
    detail: dict[str, Any],
):
    """Stream ``stmt`` (scoped here by the policy layer, whatever it did) as CSV or XLSX."""
    authorize(subject, "monitoring.export")
    return await query_file(
        request,
        session,
        subject=subject,
        stmt=scoped(stmt, subject, model),
        columns=columns,
        fmt=fmt,
        object_type=object_type,
        filename=filename,
        sheet_name=sheet_name,
        detail=detail,
    )


@router.get("/dashboard/categories", name="console-dashboard-categories")
async def categories(
    request: Request,
    session: SessionDep,
    console: CurrentConsole,
    format: Literal["csv", "xlsx"] = "csv",
):
    """The dashboard's incidents-by-category table of the picked unit and period, as a file."""
    authorize(console.subject, "dashboard.read")
    pk = await union_scope.pick(request, session, console)
    lang = request.cookies.get("ttq_lang", "vi")
    # The dashboard's own incident figures (so the page and the file agree), without the rest
    # of its summary: the city's file took 112 ms, most of it the houses' coverage it never shows.
    figures, _ = await dashboards.incident_figures(
        session, console.subject, pk.scope, pk.period, pk.trend, lang
    )
    rows = [
        {"name": c.get("name") or c["category"], "category": c["category"], "count": c["count"]}
        for c in figures["by_category"]
    ]
    return await table_export(
        session,
        subject=console.subject,
        rows=rows,
        columns=CATEGORY_COLUMNS,
        fmt=format,
        lang=lang,
        filename="vu-viec-theo-loai",
        object_type="dashboard_categories",
        detail={"scope": f"union:{pk.scope.id}", "from": pk.start, "to": pk.end},
    )


@router.get("/dashboard/overdue", name="console-dashboard-overdue")
async def overdue(
    request: Request,
    session: SessionDep,
    console: CurrentConsole,
    format: Literal["csv", "xlsx"] = "csv",
):
    """The dashboard's overdue escalations of the picked unit, as a file."""
    authorize(console.subject, "dashboard.read")
    pk = await union_scope.pick(request, session, console)
    lang = request.cookies.get("ttq_lang", "vi")
    # The same live read the dashboard makes (its list, not the whole summary).
    data = await dashboards.overdue_escalations(session, console.subject, pk.scope, utcnow())
    names = await category_names(session, lang)
    rows = [
        {
            **e,
            "category": names.get(e["category"], e["category"]),
            "overdue_minutes": e["overdue_seconds"] // 60,
            "incident_id": str(e["incident_id"]),
        }
        for e in data["items"]
    ]
    return await table_export(
        session,
        subject=console.subject,
        rows=rows,
        columns=OVERDUE_COLUMNS,
        fmt=format,
        lang=lang,
        filename="chuyen-cong-an-qua-han",
        object_type="dashboard_overdue",
        detail={"scope": f"union:{pk.scope.id}", "from": pk.start, "to": pk.end, "via": "console"},
    )

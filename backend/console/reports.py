"""The periodic report (báo cáo định kỳ): create, edit the narrative, preview, submit, print,
XLSX, and the federation's board of who has and has not submitted, through the report service."""

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from backend.audit.service import record
from backend.console.page_files import (
    REPORT_LIST_COLUMNS,
    STATUS_BOARD_COLUMNS,
    page_file,
)
from backend.console.web import Console, ConsoleRoute, CurrentConsole, render
from backend.core.db import SessionDep
from backend.dashboards import report_render
from backend.dashboards import report_service as service
from backend.dashboards.report_schemas import ReportCreate, ReportUpdate
from backend.dashboards.sqlfuncs import local_date
from backend.models import UnionUnit, utcnow
from backend.models.rollup import PeriodicReport
from backend.monitoring.exports import XLSX_MEDIA_TYPE
from backend.policy import authorize, scoped, visible

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
Kind = Literal["month", "quarter", "year"]
Format = Literal["html", "csv", "xlsx"]
PRINT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:"


def _label(kind: str, first) -> str:
    if kind == "year":
        return str(first.year)
    if kind == "quarter":
        return f"{first.year}-Q{(first.month - 1) // 3 + 1}"
    return f"{first.year}-{first.month:02d}"


async def _report(session, console: Console, report_id: uuid.UUID) -> PeriodicReport:
    return await service.get_report(session, subject=console.subject, report_id=report_id)


async def _audit_read(session, console: Console, row: PeriodicReport, fmt: str) -> None:
    await record(
        session,
        actor=console.subject,
        action="periodic_report.export",
        object_type="periodic_report",
        object_id=row.id,
        detail={"format": fmt},
    )


@router.get("/reports", name="console-reports")
async def reports(
    request: Request, session: SessionDep, console: CurrentConsole, format: Format = "html"
):
    """The reports the caller may read, and the form to start this period's; or that list
    as CSV/XLSX (audited ``periodic_report_list.export``)."""
    authorize(console.subject, "report.read")
    rows = (
        await session.scalars(
            scoped(select(PeriodicReport), console.subject, PeriodicReport)
            .order_by(PeriodicReport.period_start.desc(), PeriodicReport.id)
            .limit(100)
        )
    ).all()
    units = (
        await session.scalars(
            select(UnionUnit)
            .where(UnionUnit.deleted_at.is_(None), visible(console.subject, UnionUnit))
            .order_by(UnionUnit.path)
            .limit(500)
        )
    ).all()
    names = {u.id: u.name for u in units}
    if format != "html":
        items = [
            {
                "period_kind": r.period_kind,
                "period_start": r.period_start,
                "period_end": r.period_end,
                "unit": names.get(r.union_unit_id, ""),
                "number": r.number,
                "status": r.status,
                "submitted_at": r.submitted_at,
                "id": str(r.id),
            }
            for r in rows
        ]
        return await page_file(
            session,
            subject=console.subject,
            rows=items,
            columns=REPORT_LIST_COLUMNS,
            fmt=format,
            lang=request.cookies.get("ttq_lang", "vi"),
            filename="bao-cao-dinh-ky",
            object_type="periodic_report_list",
            detail={},
        )
    first, _ = service.previous_period("month", local_date(utcnow()))
    ctx = {"rows": rows, "units": units, "names": names, "period": _label("month", first)}
    return render(request, "reports/list.html", ctx)


@router.post("/reports", name="console-reports-create")
async def create(
    session: SessionDep,
    console: CurrentConsole,
    union_unit_id: Annotated[uuid.UUID, Form()],
    period_kind: Annotated[Kind, Form()],
    period: Annotated[str, Form(max_length=8)],
    number: Annotated[str, Form(min_length=1, max_length=64)],
):
    """Generate a draft from the data and open it."""
    authorize(console.subject, "report.write")
    body = ReportCreate(
        union_unit_id=union_unit_id, period_kind=period_kind, period=period, number=number
    )
    row = await service.create_report(session, subject=console.subject, body=body)
    return RedirectResponse(f"/reports/{row.id}", status_code=303)


@router.get("/reports/status", name="console-reports-status")
async def status_board(
    request: Request,
    session: SessionDep,
    console: CurrentConsole,
    kind: Kind = "month",
    period: Annotated[str | None, Query(max_length=8)] = None,
    format: Format = "html",
):
    """Who has and has not sent a period's report, and whether on time; or that board as
    CSV/XLSX (audited ``report_status.export``)."""
    authorize(console.subject, "report.read")
    today = local_date(utcnow())
    label = period or _label(kind, service.previous_period(kind, today)[0])
    board = await service.status_board(
        session, subject=console.subject, kind=kind, label=label, today=today
    )
    if format != "html":
        return await page_file(
            session,
            subject=console.subject,
            rows=board["units"],
            columns=STATUS_BOARD_COLUMNS,
            fmt=format,
            lang=request.cookies.get("ttq_lang", "vi"),
            filename="tinh-hinh-nop-bao-cao",
            object_type="report_status",
            detail={"kind": kind, "period": label},
        )
    return render(request, "reports/status.html", {"board": board, "kind": kind, "label": label})


@router.get("/reports/{report_id}", name="console-report")
async def report_page(
    request: Request, session: SessionDep, console: CurrentConsole, report_id: uuid.UUID
):
    """The report: its header and narrative (editable while a draft) and the preview figures."""
    row = await _report(session, console, report_id)
    unit = await session.get(UnionUnit, row.union_unit_id)
    ctx = {"r": row, "unit": unit, "figures": report_render.figures(row.content)}
    return render(request, "reports/report.html", ctx)


@router.post("/reports/{report_id}", name="console-report-update")
async def update(
    session: SessionDep,
    console: CurrentConsole,
    report_id: uuid.UUID,
    number: Annotated[str, Form(min_length=1, max_length=64)],
    place: Annotated[str | None, Form(max_length=255)] = None,
    proposals: Annotated[str | None, Form(max_length=20_000)] = None,
):
    """Save the draft's header and narrative (its figures are generated again)."""
    row = await _report(session, console, report_id)
    body = ReportUpdate(number=number, place=place or None, proposals=proposals or None)
    await service.update_report(session, subject=console.subject, row=row, body=body)
    return RedirectResponse(f"/reports/{row.id}", status_code=303)


@router.post("/reports/{report_id}/submit", name="console-report-submit")
async def submit(session: SessionDep, console: CurrentConsole, report_id: uuid.UUID):
    """Send it up to the federation: figures frozen as of now."""
    row = await _report(session, console, report_id)
    await service.submit_report(session, subject=console.subject, row=row)
    return RedirectResponse(f"/reports/{row.id}", status_code=303)


@router.get("/reports/{report_id}/print", name="console-report-print")
async def print_view(session: SessionDep, console: CurrentConsole, report_id: uuid.UUID):
    """The printable A4 page (its own inline styles; still no script at all). Audited."""
    row = await _report(session, console, report_id)
    await _audit_read(session, console, row, "html")
    page = report_render.render_html(
        row,
        row.content,
        parent_name=await service.parent_name(session, row.union_unit_id),
        author=await service.author_name(session, row.submitted_by or row.created_by),
    )
    return HTMLResponse(page, headers={"Content-Security-Policy": PRINT_CSP})


@router.get("/reports/{report_id}/report.xlsx", name="console-report-xlsx")
async def xlsx(session: SessionDep, console: CurrentConsole, report_id: uuid.UUID):
    """The report as an XLSX workbook. Audited."""
    row = await _report(session, console, report_id)
    await _audit_read(session, console, row, "xlsx")
    name = f"bao-cao-{row.period_kind}-{row.period_start:%Y-%m}.xlsx"
    return Response(
        report_render.render_xlsx(row, row.content),
        media_type=XLSX_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )

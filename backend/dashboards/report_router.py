"""Routes of the periodic reports a union unit sends up to the city federation."""

import uuid
from datetime import date
from typing import Annotated

from fastapi import Depends, Query, Response, status
from fastapi.responses import HTMLResponse

from backend.audit.service import record
from backend.core.db import SessionDep
from backend.core.etag import IfMatch, check_if_match, set_etag
from backend.core.pagination import Page, PageDep, decode_keys, encode_cursor
from backend.core.routing import GuardedRouter
from backend.dashboards import report_render
from backend.dashboards import report_service as service
from backend.dashboards.report_schemas import (
    Kind,
    ReportCreate,
    ReportRead,
    ReportStatusBoard,
    ReportSummary,
    ReportUpdate,
)
from backend.dashboards.sqlfuncs import local_date
from backend.models import utcnow
from backend.models.rollup import PeriodicReport
from backend.monitoring.exports import XLSX_MEDIA_TYPE
from backend.policy import Subject, scoped
from backend.policy.deps import CurrentSubject, allowed

router = GuardedRouter(prefix="/api/v1/periodic-reports", tags=["periodic-reports"])
Reader = Annotated[Subject, allowed("report.read")]
Writer = Annotated[Subject, allowed("report.write")]


async def valid_report(session: SessionDep, subject: CurrentSubject, report_id: uuid.UUID):
    return await service.get_report(session, subject=subject, report_id=report_id)


Report = Annotated[PeriodicReport, Depends(valid_report)]


@router.post(
    "",
    name="periodic-reports-create",
    response_model=ReportRead,
    status_code=status.HTTP_201_CREATED,
)
async def create(session: SessionDep, subject: Writer, body: ReportCreate, response: Response):
    """Generate a draft periodic report (báo cáo định kỳ) of a unit for a period from the data."""
    row = await service.create_report(session, subject=subject, body=body)
    set_etag(response, row.version)
    return row


@router.get("", name="periodic-reports-list", response_model=Page[ReportSummary])
async def list_reports(
    session: SessionDep,
    subject: Reader,
    page: PageDep,
    period_kind: Kind | None = None,
    union_unit_id: uuid.UUID | None = None,
):
    """Periodic reports (báo cáo định kỳ) the caller may read, newest period first."""
    from sqlalchemy import and_, or_, select

    r = PeriodicReport
    stmt = scoped(select(r), subject, r)
    if period_kind:
        stmt = stmt.where(r.period_kind == period_kind)
    if union_unit_id:
        stmt = stmt.where(r.union_unit_id == union_unit_id)
    after = decode_keys(page.cursor, date.fromisoformat, uuid.UUID)
    if after:
        start, last_id = after
        stmt = stmt.where(
            or_(r.period_start < start, and_(r.period_start == start, r.id > last_id))
        )
    stmt = stmt.order_by(r.period_start.desc(), r.id).limit(page.limit + 1)
    rows = list((await session.scalars(stmt)).all())
    more = len(rows) > page.limit
    rows = rows[: page.limit]
    cursor = encode_cursor([rows[-1].period_start.isoformat(), str(rows[-1].id)]) if more else None
    return Page(items=rows, next_cursor=cursor)


@router.get("/status", name="periodic-reports-status", response_model=ReportStatusBoard)
async def status_board(
    session: SessionDep,
    subject: Reader,
    period_kind: Kind,
    period: Annotated[str, Query(max_length=8, description='"2026-10", "2026-Q4", "2026"')],
):
    """Which reporting units have sent this period's report, when, and whether on time."""
    return await service.status_board(
        session, subject=subject, kind=period_kind, label=period, today=local_date(utcnow())
    )


@router.get("/{report_id}", name="periodic-reports-get", response_model=ReportRead)
async def get(report: Report, subject: Reader, response: Response):
    """One periodic report (báo cáo định kỳ), with its ETag."""
    set_etag(response, report.version)
    return report


@router.patch("/{report_id}", name="periodic-reports-update", response_model=ReportRead)
async def update(
    session: SessionDep,
    report: Report,
    subject: Writer,
    body: ReportUpdate,
    response: Response,
    if_match: IfMatch = None,
):
    """Edit a draft (number, date, recipients, proposals); its figures are regenerated."""
    check_if_match(if_match, report.version)
    row = await service.update_report(session, subject=subject, row=report, body=body)
    set_etag(response, row.version)
    return row


@router.post("/{report_id}/submit", name="periodic-reports-submit", response_model=ReportRead)
async def submit(
    session: SessionDep,
    report: Report,
    subject: Writer,
    response: Response,
    if_match: IfMatch = None,
):
    """Submit the periodic report up the line (gửi báo cáo): figures frozen as of now, with who
    submitted it and when."""
    check_if_match(if_match, report.version)
    row = await service.submit_report(session, subject=subject, row=report)
    set_etag(response, row.version)
    return row


@router.get(
    "/{report_id}/report.html",
    name="periodic-reports-html",
    response_class=HTMLResponse,
    responses={200: {"content": {"text/html": {"schema": {"type": "string"}}}}},
)
async def html(session: SessionDep, report: Report, subject: Reader):
    """The report as a printable A4 page (Vietnamese administrative layout)."""
    await _audit_read(session, subject, report, "html")
    page = report_render.render_html(
        report,
        report.content,
        parent_name=await service.parent_name(session, report.union_unit_id),
        author=await service.author_name(session, report.submitted_by or report.created_by),
    )
    return HTMLResponse(page)


@router.get(
    "/{report_id}/report.xlsx",
    name="periodic-reports-xlsx",
    response_class=Response,
    responses={
        200: {"content": {XLSX_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}}}
    },
)
async def xlsx(session: SessionDep, report: Report, subject: Reader):
    """The report as an XLSX workbook."""
    await _audit_read(session, subject, report, "xlsx")
    name = f"bao-cao-{report.period_kind}-{report.period_start:%Y-%m}.xlsx"
    return Response(
        report_render.render_xlsx(report, report.content),
        media_type=XLSX_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


async def _audit_read(session, subject: Subject, report: PeriodicReport, fmt: str) -> None:
    await record(
        session,
        actor=subject,
        action="periodic_report.export",
        object_type="periodic_report",
        object_id=report.id,
        detail={"format": fmt},
    )

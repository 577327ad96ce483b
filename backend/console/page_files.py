"""The columns of the console's own tables (report board and list, overdue escalations, the
police queue, a team's tables) and the calls that stream such a table as CSV or XLSX, audited
as ``<thing>.export`` like the dashboards' files: from the rows a page computed
(``page_file``), or from a list's query (``query_file``)."""

from typing import Any

from sqlalchemy import Select
from starlette.requests import Request

from backend.audit.service import record
from backend.dashboards.exports import table_export
from backend.monitoring.export_routes import export_response
from backend.monitoring.exports import Column, labels
from backend.policy import Subject

REPORT_STATUS = {
    "missing": ("Chưa nộp", "Not submitted"),
    "draft": ("Bản nháp", "Draft"),
    "submitted": ("Đã nộp", "Submitted"),
}


def _on_time(value, lang: str):
    if value is None:
        return None
    if lang == "en":
        return "On time" if value else "Late"
    return "Đúng hạn" if value else "Trễ hạn"


STATUS_BOARD_COLUMNS = (
    Column("code", "Mã đơn vị", "Unit code"),
    Column("name", "Đơn vị", "Unit", width=36),
    Column("status", "Trạng thái", "Status", format=labels(REPORT_STATUS), width=14),
    Column("submitted_at", "Thời điểm nộp", "Submitted at"),
    Column("on_time", "Đúng hạn", "On time", format=_on_time, width=12),
)
REPORT_LIST_COLUMNS = (
    Column("period_kind", "Loại kỳ", "Period kind", width=10),
    Column("period_start", "Từ ngày", "From", width=12),
    Column("period_end", "Đến ngày", "To", width=12),
    Column("unit", "Đơn vị", "Unit", width=36),
    Column("number", "Số báo cáo", "Number"),
    Column("status", "Trạng thái", "Status", format=labels(REPORT_STATUS), width=14),
    Column("submitted_at", "Thời điểm nộp", "Submitted at"),
    Column("id", "Mã báo cáo", "Report id", width=38),
)
OVERDUE_COLUMNS = (
    Column("category", "Loại vụ việc", "Category", width=32),
    Column("severity", "Mức độ", "Severity", width=8),
    Column("target_kind", "Chuyển tới", "Escalated to", width=14),
    Column("level", "Cấp", "Level", width=8),
    Column("deadline_at", "Hạn tiếp nhận", "Acknowledge by"),
    Column("overdue_minutes", "Quá hạn (phút)", "Overdue (minutes)", width=14),
    Column("incident_id", "Mã vụ việc", "Incident id", width=38),
)
QUEUE_COLUMNS = (
    Column("severity", "Mức độ", "Severity", width=8),
    Column("category", "Loại", "Category", width=28),
    Column("status", "Trạng thái", "Status"),
    Column("summary", "Nội dung", "Summary", width=60),
    Column("occurred_at", "Thời điểm", "Occurred"),
    Column("place_text", "Địa điểm", "Place", width=32),
    Column("ack_deadline_at", "Hạn tiếp nhận", "Acknowledge by"),
    Column("id", "Mã vụ việc", "Incident id", width=38),
)
TEAM_INCIDENT_COLUMNS = (
    Column("occurred_at", "Thời điểm", "Occurred"),
    Column("severity", "Mức độ", "Severity", width=8),
    Column("category", "Loại", "Category", width=28),
    Column("summary", "Nội dung", "Summary", width=60),
    Column("status", "Trạng thái", "Status"),
    Column("id", "Mã vụ việc", "Incident id", width=38),
)
PATROL_COLUMNS = (
    Column("started_at", "Bắt đầu", "Started"),
    Column("ended_at", "Kết thúc", "Ended"),
    Column("status", "Trạng thái", "Status"),
    Column("id", "Mã lượt tuần tra", "Patrol id", width=38),
)
HOUSE_COLUMNS = (
    Column("code", "Mã nhà trọ", "House code"),
    Column("name", "Tên nhà trọ", "House", width=32),
    Column("address", "Địa chỉ", "Address", width=40),
)


def incident_row(i, names: dict[str, str]) -> dict:
    """An incident as the console's lists show it (category by its name)."""
    return {
        "occurred_at": i.occurred_at,
        "severity": i.severity,
        "category": names.get(i.category, i.category),
        "status": i.status,
        "summary": i.summary,
        "place_text": i.place_text,
        "ack_deadline_at": i.ack_deadline_at,
        "id": str(i.id),
    }


async def page_file(
    session,
    *,
    subject: Subject,
    rows: list[dict],
    columns,
    fmt: str,
    lang: str,
    filename: str,
    object_type: str,
    detail: dict,
):
    """The rows a page shows, as its CSV/XLSX file (audited ``<object_type>.export``)."""
    return await table_export(
        session,
        subject=subject,
        rows=rows,
        columns=columns,
        fmt=fmt,
        lang=lang,
        filename=filename,
        object_type=object_type,
        detail={**detail, "via": "console"},
    )


async def query_file(
    request: Request,
    session,
    *,
    subject: Subject,
    stmt: Select,
    columns,
    fmt: str,
    object_type: str,
    filename: str,
    sheet_name: str = "Dữ liệu",
    detail: dict[str, Any],
):
    """Stream ``stmt`` (already scoped; its labels are the columns' keys) as a file, audited
    ``<object_type>.export`` in this request's transaction."""
    lang = request.cookies.get("ttq_lang", "vi")
    await record(
        session,
        actor=subject,
        action=f"{object_type}.export",
        object_type=object_type,
        detail={"format": fmt, "lang": lang, "filters": detail, "via": "console"},
    )
    # The rows are read on another connection, after the session dependency has committed
    # this request's transaction (before the answer is sent), as in the API's exports.
    await session.flush()
    return export_response(
        factory=request.app.state.session_factory,
        stmt=stmt,
        columns=columns,
        fmt=fmt,
        lang=lang,
        filename=filename,
        sheet_name=sheet_name,
    )

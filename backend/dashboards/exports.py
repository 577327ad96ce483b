"""Dashboard tables as CSV (UTF-8 with BOM) or XLSX, through the monitoring exporter.

The tables are already computed, scoped and redacted (a ranking or a list of at most a few
thousand rows), so they are fed to the exporter from memory; the export is audited in the
request's transaction.
"""

from collections.abc import AsyncIterator, Sequence
from typing import Any, Literal

from fastapi.responses import StreamingResponse
from sqlalchemy.ext.asyncio import AsyncSession

from backend.audit.service import record
from backend.core import clock
from backend.monitoring.exports import (
    CSV_MEDIA_TYPE,
    LOCAL_TZ,
    XLSX_MEDIA_TYPE,
    Column,
    ExportStats,
    csv_chunks,
    xlsx_chunks,
)
from backend.policy import Subject

Format = Literal["json", "csv", "xlsx"]


class _Row:
    """What the exporter expects of a row: ``_mapping`` and positional access."""

    def __init__(self, mapping: dict[str, Any]) -> None:
        self._mapping = mapping
        self._values = list(mapping.values())

    def __getitem__(self, index: int) -> Any:
        return self._values[index]


async def _batches(rows: list[dict]) -> AsyncIterator[list[_Row]]:
    for start in range(0, len(rows), 1000):
        yield [_Row(r) for r in rows[start : start + 1000]]


async def table_export(
    session: AsyncSession,
    *,
    subject: Subject,
    rows: list[dict],
    columns: Sequence[Column],
    fmt: Format,
    lang: str,
    filename: str,
    object_type: str,
    detail: dict[str, Any],
) -> StreamingResponse:
    """Stream a computed dashboard table as a file, and audit that it was exported."""
    await record(
        session,
        actor=subject,
        action=f"{object_type}.export",
        object_type=object_type,
        detail={**detail, "format": fmt, "row_count": len(rows)},
    )
    stats = ExportStats()
    if fmt == "xlsx":
        body = xlsx_chunks(_batches(rows), columns, lang, stats, sheet_name=filename[:31])
        media = XLSX_MEDIA_TYPE
    else:
        body = csv_chunks(_batches(rows), columns, lang, stats)
        media = CSV_MEDIA_TYPE
    stamp = clock.now().astimezone(LOCAL_TZ).strftime("%Y%m%d-%H%M")
    headers = {
        "Content-Disposition": f'attachment; filename="{filename}-{stamp}.{fmt}"',
        "Cache-Control": "no-store",
    }
    return StreamingResponse(body, media_type=media, headers=headers)


RANKING_COLUMNS = (
    Column("rank", "Hạng", "Rank", width=8),
    Column("code", "Mã tổ", "Team code"),
    Column("name", "Tên tổ", "Team", width=32),
    Column("patrols_completed", "Tuần tra hoàn thành", "Patrols completed"),
    Column("patrols", "Tuần tra", "Patrols"),
    Column("scans", "Lượt quét", "Scans"),
    Column("reports", "Tin báo", "Reports"),
    Column("flagged_scans", "Lượt quét bị gắn cờ", "Flagged scans"),
)
COVERAGE_COLUMNS = (
    Column("code", "Mã nhà trọ", "House code"),
    Column("name", "Nhà trọ", "House", width=32),
    Column("incidents", "Số vụ việc", "Incidents"),
    Column("latest_incident_at", "Vụ việc gần nhất", "Latest incident"),
    Column("last_patrolled_before", "Tuần tra lần cuối trước đó", "Last patrolled before"),
    Column("patrols_30_days_before", "Số lượt tuần tra 30 ngày trước", "Patrols in 30 days before"),
)
UNCOVERED_COLUMNS = (
    Column("code", "Mã nhà trọ", "House code"),
    Column("name", "Nhà trọ", "House", width=32),
    Column("address", "Địa chỉ", "Address", width=40),
    Column("last_patrolled_at", "Tuần tra lần cuối", "Last patrolled"),
)
LAGGARD_COLUMNS = (
    Column("code", "Mã tổ", "Team code"),
    Column("name", "Tên tổ", "Team", width=32),
    Column("windows_planned", "Ca theo kế hoạch", "Windows planned"),
    Column("windows_done", "Ca hoàn thành", "Windows done"),
    Column("completeness", "Tỷ lệ đầy đủ", "Completeness"),
    Column("patrols_completed", "Tuần tra hoàn thành", "Patrols completed"),
    Column("patrols_on_time", "Báo cáo đúng hạn", "Reported on time"),
    Column("timeliness", "Tỷ lệ đúng hạn", "Timeliness"),
)
# Each dashboard table as a file: its columns and the file's name (audited as dashboard_<key>).
TABLES = {
    "teams": (RANKING_COLUMNS, "xep-hang-to"),
    "coverage": (COVERAGE_COLUMNS, "tuan-tra-va-vu-viec"),
    "uncovered": (UNCOVERED_COLUMNS, "nha-tro-chua-tuan-tra"),
    "completeness": (LAGGARD_COLUMNS, "to-cham-bao-cao"),
}

"""Streaming exports of any scoped list: CSV (UTF-8 with BOM) and XLSX (constant memory).

Rows come from a server-side cursor (``session.stream`` with ``yield_per``) on a session of
the export's own: the request's session has committed and closed before a streaming body runs.
CSV leaves in 64 KiB chunks as rows arrive. XLSX cannot be streamed while it is written (it is
a zip), so xlsxwriter writes it in constant-memory mode to a temporary directory, which is then
streamed out and deleted. Either way memory stays flat however many rows there are.
"""

import csv
import io
import json
import logging
import re
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import aclosing
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any

import anyio
import xlsxwriter
from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.core.clock import LOCAL_TZ

log = logging.getLogger("ttq.exports")

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BOM = "\ufeff"
FETCH_ROWS = 1000  # rows per round trip from the cursor
FLUSH_BYTES = 64 * 1024  # CSV characters buffered before a chunk is sent
FILE_CHUNK = 64 * 1024
XLSX_MAX_ROWS = 1_048_576  # Excel's limit per sheet, header included; more rows go on a new sheet

_DATETIME_FMT = {"vi": "%d/%m/%Y %H:%M", "en": "%Y-%m-%d %H:%M"}
_DATE_FMT = {"vi": "%d/%m/%Y", "en": "%Y-%m-%d"}
_XLSX_DATETIME = {"vi": "dd/mm/yyyy hh:mm", "en": "yyyy-mm-dd hh:mm"}
_XLSX_DATE = {"vi": "dd/mm/yyyy", "en": "yyyy-mm-dd"}
_BOOL = {"vi": ("Có", "Không"), "en": ("Yes", "No")}
# A plain number or phone number is safe; anything else starting like a formula is not.
_SAFE_SIGNED = re.compile(r"^[+-][\d\s().]*$")
_RISKY_FIRST = frozenset("=@+-\t\r")


@dataclass(frozen=True)
class Column:
    """One exported column: where its value comes from, its headers, how it is shown."""

    key: str
    vi: str
    en: str
    # (value, lang) -> value to write; datetimes, dates, numbers and lists are handled anyway.
    format: Callable[[Any, str], Any] | None = None
    width: float = 18

    def header(self, lang: str) -> str:
        return self.en if lang == "en" else self.vi


def labels(mapping: dict[str, tuple[str, str]]) -> Callable[[Any, str], Any]:
    """A formatter that shows codes by their Vietnamese or English label."""

    def _label(value: Any, lang: str) -> Any:
        if value is None:
            return None
        if isinstance(value, list | tuple):
            return [_label(v, lang) for v in value]
        vi, en = mapping.get(value, (value, value))
        return en if lang == "en" else vi

    return _label


def local_time(value: datetime) -> datetime:
    """A stored UTC time as a naive wall-clock time in Asia/Ho_Chi_Minh."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(LOCAL_TZ).replace(tzinfo=None)


def normalize(value: Any, lang: str) -> Any:
    """A cell value both writers understand: None, str, int, float, local datetime or date."""
    kind = type(value)
    if value is None or kind is str or kind is int or kind is float:
        return value
    if isinstance(value, bool):
        yes, no = _BOOL[lang]
        return yes if value else no
    if isinstance(value, datetime):
        return local_time(value)
    if isinstance(value, date):
        return value
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, Enum):
        return normalize(value.value, lang)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple | set):
        return "; ".join(str(normalize(v, lang)) for v in value if v is not None)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def _csv_text(value: Any, lang: str) -> str:
    if type(value) is str and (not value or value[0] not in _RISKY_FIRST):
        return value
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime(_DATETIME_FMT[lang])
    if isinstance(value, date):
        return value.strftime(_DATE_FMT[lang])
    if isinstance(value, str):
        # Excel runs a cell starting with = + - @ as a formula (CSV injection): quote it as text.
        if value[:1] in ("=", "@", "\t", "\r") or (
            value[:1] in ("+", "-") and not _SAFE_SIGNED.match(value)
        ):
            return "'" + value
        return value
    return str(value)


@dataclass
class ExportStats:
    """What a finished (or aborted) export produced, for the audit trail."""

    rows: int = 0
    bytes: int = 0
    completed: bool = False
    error: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


async def stream_rows(
    factory: async_sessionmaker[AsyncSession], stmt: Select
) -> AsyncIterator[list[Any]]:
    """Batches of rows from a server-side cursor, on a session of the export's own.

    Executed at the Core level (rows of columns, no ORM objects): cheaper per row, and an
    entity in the select simply contributes its columns by name.
    """
    async with factory() as session:
        conn = await session.connection()
        result = await conn.stream(stmt.execution_options(yield_per=FETCH_ROWS))
        async for batch in result.partitions(FETCH_ROWS):
            yield batch


def _positions(row: Any, columns: Sequence[Column]) -> list[int]:
    keys = list(row._mapping.keys())
    missing = [c.key for c in columns if c.key not in keys]
    if missing:
        raise KeyError(f"export columns {missing} are not in the query's columns {keys}")
    return [keys.index(c.key) for c in columns]


def _cells(batch: list[Any], columns: Sequence[Column], lang: str) -> list[list[Any]]:
    if not batch:
        return []
    plan = [(i, c.format) for i, c in zip(_positions(batch[0], columns), columns, strict=True)]
    out = []
    for row in batch:
        cells = []
        for i, fmt in plan:
            value = row[i] if fmt is None else fmt(row[i], lang)
            cells.append(normalize(value, lang))
        out.append(cells)
    return out


async def csv_chunks(
    batches: AsyncIterator[list[Any]], columns: Sequence[Column], lang: str, stats: ExportStats
) -> AsyncIterator[bytes]:
    """CSV in UTF-8 with a BOM (so Excel reads Vietnamese), CRLF lines, in ~64 KiB chunks."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write(BOM)
    writer.writerow([c.header(lang) for c in columns])
    async with aclosing(batches) as rows:
        async for batch in rows:
            for cells in _cells(batch, columns, lang):
                writer.writerow([_csv_text(v, lang) for v in cells])
            stats.rows += len(batch)
            if buffer.tell() >= FLUSH_BYTES:
                chunk = buffer.getvalue().encode("utf-8")
                buffer.seek(0)
                buffer.truncate()
                stats.bytes += len(chunk)
                yield chunk
    chunk = buffer.getvalue().encode("utf-8")
    stats.bytes += len(chunk)
    yield chunk


class _XlsxWriter:
    """An xlsxwriter workbook in constant-memory mode: each row is flushed to disk as written."""

    def __init__(
        self, path: Path, columns: Sequence[Column], lang: str, sheet_name: str, max_rows: int
    ) -> None:
        self.book = xlsxwriter.Workbook(
            str(path), {"constant_memory": True, "tmpdir": str(path.parent)}
        )
        self.columns, self.lang = columns, lang
        self.sheet_name, self.max_rows = sheet_name, max_rows
        self.header = self.book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
        self.datetime = self.book.add_format({"num_format": _XLSX_DATETIME[lang]})
        self.date = self.book.add_format({"num_format": _XLSX_DATE[lang]})
        self.sheets = 0
        self._new_sheet()

    def _new_sheet(self) -> None:
        self.sheets += 1
        name = self.sheet_name if self.sheets == 1 else f"{self.sheet_name} ({self.sheets})"
        self.sheet = self.book.add_worksheet(name[:31])
        for i, col in enumerate(self.columns):
            self.sheet.set_column(i, i, col.width)
            self.sheet.write_string(0, i, col.header(self.lang), self.header)
        self.sheet.freeze_panes(1, 0)
        self.row = 1

    def write_rows(self, rows: list[list[Any]]) -> None:
        for cells in rows:
            if self.row >= self.max_rows:
                self._new_sheet()
            for i, value in enumerate(cells):
                if value is None:
                    continue
                if isinstance(value, datetime):
                    self.sheet.write_datetime(self.row, i, value, self.datetime)
                elif isinstance(value, date):
                    self.sheet.write_datetime(self.row, i, value, self.date)
                elif isinstance(value, int | float):
                    self.sheet.write_number(self.row, i, value)
                else:  # write_string never turns text into a formula
                    self.sheet.write_string(self.row, i, value)
            self.row += 1

    def close(self) -> None:
        self.book.close()


async def xlsx_chunks(
    batches: AsyncIterator[list[Any]],
    columns: Sequence[Column],
    lang: str,
    stats: ExportStats,
    *,
    sheet_name: str = "Dữ liệu",
    max_rows: int = XLSX_MAX_ROWS,
) -> AsyncIterator[bytes]:
    """XLSX written to a temporary file in constant memory, then streamed out and deleted."""
    workdir = Path(tempfile.mkdtemp(prefix="ttq-export-"))
    try:
        path = workdir / "export.xlsx"
        writer = _XlsxWriter(path, columns, lang, sheet_name, max_rows)
        async with aclosing(batches) as rows:
            async for batch in rows:
                cells = _cells(batch, columns, lang)
                # Writing is CPU and disk work: keep it off the event loop.
                await anyio.to_thread.run_sync(writer.write_rows, cells)
                stats.rows += len(batch)
        await anyio.to_thread.run_sync(writer.close)
        stats.extra["sheets"] = writer.sheets
        async with await anyio.open_file(path, "rb") as f:
            while chunk := await f.read(FILE_CHUNK):
                stats.bytes += len(chunk)
                yield chunk
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

"""Streaming exports of any scoped list: CSV (UTF-8 with BOM) and XLSX (constant memory).

Rows come from a server-side cursor on a session of the export's own: the request's session
has committed and closed before a streaming body runs. Each column gets a renderer once (plain
text and numbers pass through; formatted, JSON and other values are rendered once per
distinct value); CSV lines are joined with csv.writer's quoting rules and leave in ~64 KiB
chunks; XLSX is zipped as it is written (xlsx_stream.py) and leaves as it is deflated. Either
way memory stays flat however many rows there are.
"""

import csv
import io
import json
import logging
import re
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import aclosing
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from enum import Enum
from operator import call, itemgetter
from typing import Any

import anyio
from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.core.clock import LOCAL_TZ
from backend.monitoring.xlsx_stream import XlsxStream

log = logging.getLogger("ttq.exports")

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BOM = "\ufeff"
FETCH_ROWS = 1000  # rows per round trip from the cursor
MEMO_SIZE = 4096  # distinct values remembered per column while rendering
FLUSH_BYTES = 64 * 1024  # CSV characters buffered before a chunk is sent
XLSX_MAX_ROWS = 1_048_576  # Excel's limit per sheet, header included; more rows go on a new sheet

_DATETIME_FMT = {"vi": "%d/%m/%Y %H:%M", "en": "%Y-%m-%d %H:%M"}
_DATE_FMT = {"vi": "%d/%m/%Y", "en": "%Y-%m-%d"}
_BOOL = {"vi": ("Có", "Không"), "en": ("Yes", "No")}
# A plain number or phone number is safe; anything else starting like a formula is not.
_SAFE_SIGNED = re.compile(r"^[+-][\d\s().]*$")
_RISKY_FIRST = frozenset("=@+-\t\r")
# What makes csv.writer (QUOTE_MINIMAL, lineterminator CRLF) quote a field.
_NEEDS_QUOTES = re.compile('[,"\r\n]').search


@dataclass(frozen=True)
class Column:
    """One exported column: where its value comes from, its headers, how it is shown."""

    key: str
    vi: str
    en: str
    # (value, lang) -> value to write; datetimes, dates, numbers and lists are handled anyway.
    format: Callable[[Any, str], Any] | None = None
    width: float = 18
    # (column expression, lang) -> PostgreSQL text of the cell exactly as ``format`` and the
    # CSV writer render it (export_pg.py); lets a formatted column take the COPY path.
    sql: Callable[[Any, str], Any] | None = None

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

    _label.mapping = mapping  # type: ignore[attr-defined]  # what export_pg renders as a CASE
    return _label


# Asia/Ho_Chi_Minh has been UTC+7 since June 1975 (tzdata); zoneinfo is asked only before.
_FIXED_SINCE = datetime(1976, 1, 1)
_FIXED_OFFSET = timedelta(hours=7)


def local_time(value: datetime) -> datetime:
    """A stored UTC time as a naive wall-clock time in Asia/Ho_Chi_Minh."""
    offset = value.utcoffset()
    naive = value.replace(tzinfo=None)
    if offset:
        naive -= offset
    if naive >= _FIXED_SINCE:
        return naive + _FIXED_OFFSET
    return naive.replace(tzinfo=UTC).astimezone(LOCAL_TZ).replace(tzinfo=None)


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
    entity in the select simply contributes its columns by name. On PostgreSQL, when no
    column needs SQLAlchemy's result processing (see ``export_sql``), the rows come straight
    from an asyncpg cursor: the same values, a third of the cost per row.
    """
    async with factory() as session:
        conn = await session.connection()
        if conn.dialect.name == "postgresql" and _unprocessed(stmt, conn.dialect):
            async with aclosing(_asyncpg_rows(conn, stmt)) as batches:
                async for batch in batches:
                    yield batch
            return
        result = await conn.stream(stmt.execution_options(yield_per=FETCH_ROWS))
        async for batch in result.partitions(FETCH_ROWS):
            yield batch


def _unprocessed(stmt: Select, dialect: Any) -> bool:
    return all(
        c.type._cached_result_processor(dialect, None) is None for c in stmt.selected_columns
    )


async def _asyncpg_rows(conn: Any, stmt: Select) -> AsyncIterator[list[Any]]:
    compiled = stmt.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    params = compiled.construct_params()
    binders = compiled._bind_processors  # what SQLAlchemy itself applies to the parameters
    args = [
        binders[key](params[key]) if key in binders else params[key]
        for key in compiled.positiontup or ()
    ]
    driver = (await conn.get_raw_connection()).driver_connection
    async with driver.transaction(readonly=True):
        cursor = await driver.cursor(compiled.string, *args)
        while batch := await cursor.fetch(FETCH_ROWS):
            yield batch


def _positions(row: Any, columns: Sequence[Column]) -> list[int]:
    keys = list(row._mapping.keys() if hasattr(row, "_mapping") else row.keys())
    missing = [c.key for c in columns if c.key not in keys]
    if missing:
        raise KeyError(f"export columns {missing} are not in the query's columns {keys}")
    return [keys.index(c.key) for c in columns]


def _memoized(render: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``render`` with its results remembered per (type, value), within a bounded memo.

    Exported columns repeat their values (labels, statuses, JSON lists, shared timestamps):
    the formatter and the JSON decoder then run once per distinct value, not once per row.
    Unhashable values (lists, dicts) are rendered each time.
    """
    memo: dict[tuple[type, Any], Any] = {}

    def cached(value: Any) -> Any:
        key = (value.__class__, value)
        try:
            return memo[key]
        except KeyError:
            out = memo[key] = render(value)
            if len(memo) > MEMO_SIZE:
                memo.clear()
            return out
        except TypeError:
            return render(value)

    return cached


def csv_field(text: str) -> str:
    """``text`` as csv.writer (QUOTE_MINIMAL, doubled quotes) writes a field of a longer row."""
    if _NEEDS_QUOTES(text):
        return '"' + text.replace('"', '""') + '"'
    return text


def cell_renderers(
    columns: Sequence[Column], lang: str, *, csv_text: bool, quote: bool = True
) -> list[Callable]:
    """Per column: raw value -> what the writer gets (a CSV field, or a normalized cell).

    ``quote=False``: CSV text left unquoted (for csv.writer to quote).
    """
    quote = csv_text and quote

    def finish(value: Any) -> Any:
        value = normalize(value, lang)
        if not csv_text:
            return value
        text = _csv_text(value, lang)
        return csv_field(text) if quote else text

    out = []
    for col in columns:
        fmt = col.format
        if fmt is not None:
            out.append(_memoized(lambda v, fmt=fmt: finish(fmt(v, lang))))
            continue
        other = _memoized(finish)

        def plain(value: Any, other: Callable = other) -> Any:
            # Text and whole numbers are most cells: no memo, no formatter, no dispatch.
            kind = value.__class__
            if kind is str:
                if value and value[0] in _RISKY_FIRST:
                    return other(value)
                return csv_field(value) if quote else value
            if kind is int:
                return str(value) if csv_text else value
            if value is None:
                return "" if csv_text else None
            return other(value)

        out.append(plain)
    return out


def _plan(batch: list[Any], columns: Sequence[Column], renderers: list[Callable]) -> list:
    return list(zip(_positions(batch[0], columns), renderers, strict=True))


def _cells(batch: list[Any], columns: Sequence[Column], lang: str) -> list[list[Any]]:
    """Normalized cells of a batch (for callers without a plan of their own)."""
    if not batch:
        return []
    plan = _plan(batch, columns, cell_renderers(columns, lang, csv_text=False))
    return [[render(row[i]) for i, render in plan] for row in batch]


def _csv_lines(batch: list[Any], columns: Sequence[Column], lang: str) -> Callable:
    """A function rendering a batch as CSV text: fields quoted by the renderers, joined."""
    positions = _positions(batch[0], columns)
    if len(columns) == 1:  # csv.writer quotes a lone empty field: leave that case to it
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        (render,) = cell_renderers(columns, lang, csv_text=True, quote=False)
        (pos,) = positions

        def lone(rows: list[Any]) -> str:
            buffer.seek(0)
            buffer.truncate()
            writer.writerows([[render(row[pos])] for row in rows])
            return buffer.getvalue()

        return lone
    renderers = cell_renderers(columns, lang, csv_text=True)
    pick = itemgetter(*positions)

    def lines(rows: list[Any]) -> str:
        return "".join([",".join(map(call, renderers, pick(row))) + "\r\n" for row in rows])

    return lines


async def csv_chunks(
    batches: AsyncIterator[list[Any]], columns: Sequence[Column], lang: str, stats: ExportStats
) -> AsyncIterator[bytes]:
    """CSV in UTF-8 with a BOM (so Excel reads Vietnamese), CRLF lines, in ~64 KiB chunks."""
    head = io.StringIO()
    csv.writer(head, lineterminator="\r\n").writerow([c.header(lang) for c in columns])
    parts, size = [BOM, head.getvalue()], 0
    render = None
    async with aclosing(batches) as rows:
        async for batch in rows:
            if not batch:
                continue
            if render is None:
                render = _csv_lines(batch, columns, lang)
            text = render(batch)
            parts.append(text)
            size += len(text)
            stats.rows += len(batch)
            if size >= FLUSH_BYTES:
                chunk = "".join(parts).encode("utf-8")
                parts, size = [], 0
                stats.bytes += len(chunk)
                yield chunk
    chunk = "".join(parts).encode("utf-8")
    stats.bytes += len(chunk)
    yield chunk


async def xlsx_chunks(
    batches: AsyncIterator[list[Any]],
    columns: Sequence[Column],
    lang: str,
    stats: ExportStats,
    *,
    sheet_name: str = "Dữ liệu",
    max_rows: int = XLSX_MAX_ROWS,
) -> AsyncIterator[bytes]:
    """XLSX streamed as it is written (backend/monitoring/xlsx_stream.py): no temporary file."""
    book = XlsxStream(
        [c.header(lang) for c in columns],
        [c.width for c in columns],
        lang,
        sheet_name=sheet_name,
        max_rows=max_rows,
    )
    renderers = cell_renderers(columns, lang, csv_text=False)
    plan = None

    def write(batch: list[Any]) -> bytes:
        return book.write_rows([[render(row[i]) for i, render in plan] for row in batch])

    async with aclosing(batches) as rows:
        async for batch in rows:
            if not batch:
                continue
            if plan is None:
                plan = _plan(batch, columns, renderers)
            # Rendering and deflating are CPU work: keep them off the event loop.
            chunk = await anyio.to_thread.run_sync(write, batch)
            stats.rows += len(batch)
            if chunk:
                stats.bytes += len(chunk)
                yield chunk
    chunk = await anyio.to_thread.run_sync(book.close)
    stats.extra["sheets"] = book.sheets
    stats.bytes += len(chunk)
    yield chunk

"""Reading an uploaded spreadsheet: the type sniffed from its bytes, limits, rows as values.

CSV must be UTF-8 (a BOM, as Excel writes it, is fine), separated by commas, semicolons (what
Excel writes with Vietnamese regional settings) or tabs. XLSX is read with openpyxl in
read-only mode, from the first sheet. Rows whose first cell starts with ``#`` are comments
(the templates' notes and example rows); empty rows are skipped. Row numbers are the ones a
spreadsheet shows: the header is row 1.
"""

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from backend.core.errors import DomainError, Invalid

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
MAX_COLUMNS = 100
# An XLSX is a zip: refuse one that would inflate past this (a "zip bomb" of a few KB).
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024

_XLSX_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls (and .doc)


class FileTooLarge(DomainError):
    status, code = 413, "file_too_large"


class UnsupportedFile(DomainError):
    status, code = 415, "unsupported_file_type"


@dataclass
class Sheet:
    """What the importer needs of a file: its format, header and numbered data rows."""

    format: str  # csv | xlsx
    headers: list[Any]
    rows: list[tuple[int, list[Any]]]  # (row number as a spreadsheet shows it, cell values)


def sniff(data: bytes) -> str:
    """``csv`` or ``xlsx`` from the bytes themselves (names and content types lie)."""
    if data.startswith(_XLSX_MAGIC):
        return "xlsx"
    if data.startswith(_OLE_MAGIC):
        raise UnsupportedFile(
            code="xls_not_supported", detail="Hãy mở tệp và lưu lại dưới dạng .xlsx hoặc CSV UTF-8"
        )
    if b"\x00" in data[:4096]:
        raise UnsupportedFile(detail="Chỉ nhận tệp CSV (UTF-8) hoặc XLSX")
    return "csv"


def read_sheet(data: bytes, *, max_bytes: int = MAX_BYTES, max_rows: int = MAX_ROWS) -> Sheet:
    """Parse an uploaded file, enforcing the size and row limits with clear errors."""
    if len(data) > max_bytes:
        raise FileTooLarge(
            detail=f"Tối đa {max_bytes // (1024 * 1024)} MB", max_bytes=max_bytes, size=len(data)
        )
    if not data.strip():
        raise Invalid(code="empty_file")
    kind = sniff(data)
    rows = _xlsx_rows(data) if kind == "xlsx" else _csv_rows(data)
    headers: list[Any] | None = None
    body: list[tuple[int, list[Any]]] = []
    for number, cells in rows:
        if _blank_row(cells):
            continue
        if headers is None:
            headers = _trim(cells)
            if len(headers) > MAX_COLUMNS:
                raise Invalid(code="too_many_columns", max_columns=MAX_COLUMNS)
            continue
        first = cells[0] if cells else None
        if isinstance(first, str) and first.lstrip().startswith("#"):
            continue
        if len(body) >= max_rows:
            raise Invalid(
                code="too_many_rows",
                detail=f"Tối đa {max_rows} dòng mỗi tệp; hãy chia nhỏ tệp",
                max_rows=max_rows,
            )
        body.append((number, _normalise(cells[: len(headers)])))
    if headers is None or not body:
        raise Invalid(code="empty_file")
    return Sheet(format=kind, headers=headers, rows=body)


def _blank_row(cells: list[Any]) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


def _trim(cells: list[Any]) -> list[Any]:
    """A header row without its trailing empty cells."""
    out = list(cells)
    while out and (out[-1] is None or (isinstance(out[-1], str) and not out[-1].strip())):
        out.pop()
    return out


def _normalise(cells: list[Any]) -> list[Any]:
    out = []
    for cell in cells:
        if isinstance(cell, str):
            cell = cell.strip() or None
        elif isinstance(cell, float) and cell.is_integer() and abs(cell) < 2**53:
            # Spreadsheets store every number as a float: 12.0 rooms is 12.
            cell = int(cell)
        out.append(cell)
    return out


def _csv_rows(data: bytes) -> Iterator[tuple[int, list[Any]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Invalid(
            code="invalid_encoding",
            detail="Hãy lưu tệp dưới dạng CSV UTF-8 (Excel: Lưu thành → CSV UTF-8)",
        ) from None
    first_line = text.split("\n", 1)[0].strip()
    skip = 0
    if first_line.lower().startswith("sep=") and len(first_line) == 5:
        # Excel's own hint line ("sep=;"): honour it, and it is not the header.
        delimiter, skip = first_line[4], 1
    else:
        delimiter = max((",", ";", "\t"), key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for number, cells in enumerate(reader, start=1):
            if number > skip:
                yield number - skip, list(cells)
    except csv.Error as exc:
        raise Invalid(code="unreadable_file", detail=str(exc)[:200]) from None


def _xlsx_rows(data: bytes) -> Iterator[tuple[int, list[Any]]]:
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            inflated = sum(i.file_size for i in archive.infolist())
        if inflated > MAX_UNZIPPED_BYTES:
            raise Invalid(code="unreadable_file", detail="Tệp giải nén quá lớn")
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Invalid:
        raise
    except Exception as exc:  # untrusted input: any parser failure is the file's fault
        raise Invalid(code="unreadable_file", detail=str(exc)[:200]) from None
    try:
        sheet = workbook.worksheets[0]
        # Files written by some tools declare a huge or wrong size: read what is there.
        sheet.reset_dimensions()
        for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, list(cells[: MAX_COLUMNS + 1])
    except Exception as exc:
        raise Invalid(code="unreadable_file", detail=str(exc)[:200]) from None
    finally:
        workbook.close()

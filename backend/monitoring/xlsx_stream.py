"""An XLSX workbook written as a stream: the zip leaves in pieces while rows are still coming.

An .xlsx file is a zip of XML parts. The worksheets are generated row by row (inline strings,
as xlsxwriter's constant-memory mode writes them) and deflated into zip entries that carry
their sizes after their data (data descriptors, zip64), so nothing is ever seeked back to:
the first bytes leave with the first rows, memory stays flat, and no temporary file is
written. The small parts naming the sheets (workbook, relationships, content types, styles)
are written last, once the number of sheets is known; a zip's central directory at the end
is what readers use to find every part, whatever the order of the entries.
"""

import math
import re
import zipfile
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_XLSX_DATETIME = {"vi": "dd/mm/yyyy hh:mm", "en": "yyyy-mm-dd hh:mm"}
_XLSX_DATE = {"vi": "dd/mm/yyyy", "en": "yyyy-mm-dd"}
# style ids in styles.xml below
_HEADER, _DATETIME, _DATE = 1, 2, 3
_STRMAX = 32767  # Excel's longest cell text, in UTF-16 units
_EXCEL_EPOCH = datetime(1899, 12, 31)
# As xlsxwriter: control characters become _xHHHH_, and a literal _xHHHH_ is escaped first.
_ESCAPED_ESCAPE = re.compile("(_x[0-9a-fA-F]{4}_)")
_CONTROL = re.compile(r"([\x00-\x08\x0b-\x1f])")
_MARKUP = re.compile("[&<>]")
_EDGE_SPACE = re.compile(r"^\s|\s$")


def column_letters(n: int) -> str:
    """1 -> A, 27 -> AA."""
    out = ""
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


def excel_serial(value: datetime | date) -> float:
    """Days since Excel's epoch (1900 system), computed as xlsxwriter computes them."""
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    delta = value - _EXCEL_EPOCH
    serial = delta.days + (delta.seconds + delta.microseconds / 1e6) / 86400
    return serial + 1 if serial > 59 else serial  # Excel's 29 Feb 1900


def _text(value: str) -> str:
    if len(value) > _STRMAX // 2 and len(value.encode("utf-16-le")) // 2 > _STRMAX:
        value = value.encode("utf-16-le")[: 2 * _STRMAX].decode("utf-16-le", "ignore")
    if "_x" in value:
        value = _ESCAPED_ESCAPE.sub(r"_x005F\1", value)
    if _CONTROL.search(value):
        value = _CONTROL.sub(lambda m: f"_x{ord(m.group(1)):04X}_", value)
    value = value.replace("\ufffe", "_xFFFE_").replace("\uffff", "_xFFFF_")
    if _MARKUP.search(value):
        value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return value


def _attr(value: str) -> str:
    return (
        value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")
    )


class _Sink:
    """The zip's output: a write-only stream (zipfile then writes data descriptors)."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        out = b"".join(self.parts)
        self.parts.clear()
        return out


class XlsxStream:
    """Rows in, bytes of the .xlsx out; ``write_rows`` and ``close`` return what is ready."""

    def __init__(
        self,
        headers: Sequence[str],
        widths: Sequence[float],
        lang: str,
        *,
        sheet_name: str,
        max_rows: int,
    ) -> None:
        self.headers, self.widths, self.lang = list(headers), list(widths), lang
        self.sheet_name, self.max_rows = sheet_name, max_rows
        self.letters = [column_letters(i + 1) for i in range(len(self.headers))]
        self.sink = _Sink()
        # compresslevel 1: a third of the default level's CPU, files about 15 % larger
        self.zip = zipfile.ZipFile(self.sink, "w", zipfile.ZIP_DEFLATED, compresslevel=1)
        self.names: list[str] = []
        self.entry: Any = None
        self.row = 0
        self._new_sheet()

    def _new_sheet(self) -> None:
        if self.entry is not None:
            self._end_sheet()
        n = len(self.names) + 1
        self.names.append((self.sheet_name if n == 1 else f"{self.sheet_name} ({n})")[:31])
        self.entry = self.zip.open(f"xl/worksheets/sheet{n}.xml", "w", force_zip64=True)
        cols = "".join(
            f'<col min="{i}" max="{i}" width="{w + 0.7109375:g}" customWidth="1"/>'
            for i, w in enumerate(self.widths, 1)
        )
        head = "".join(
            f'<c r="{c}1" s="{_HEADER}" t="inlineStr"><is><t>{_text(h)}</t></is></c>'
            for c, h in zip(self.letters, self.headers, strict=True)
        )
        view = (
            '<sheetView tabSelected="1" workbookViewId="0">'
            if n == 1
            else ('<sheetView workbookViewId="0">')
        )
        self.entry.write(
            (
                f'{_XML}<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}"><sheetViews>{view}'
                '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
                '<selection pane="bottomLeft"/></sheetView></sheetViews>'
                f'<sheetFormatPr defaultRowHeight="15"/><cols>{cols}</cols><sheetData>'
                f'<row r="1">{head}</row>'
            ).encode()
        )
        self.row = 1

    def _end_sheet(self) -> None:
        self.entry.write(
            b'</sheetData><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75"'
            b' header="0.3" footer="0.3"/></worksheet>'
        )
        self.entry.close()

    def write_rows(self, rows: list[list[Any]]) -> bytes:
        """Append rows of normalized cells (str, int, float, datetime, date or None)."""
        parts = []
        letters = self.letters
        for cells in rows:
            if self.row >= self.max_rows:
                self.entry.write("".join(parts).encode())
                parts = []
                self._new_sheet()
            self.row += 1
            r = str(self.row)
            out = [f'<row r="{r}">']
            for letter, value in zip(letters, cells, strict=False):
                kind = value.__class__
                if kind is str:
                    space = ' xml:space="preserve"' if _EDGE_SPACE.search(value) else ""
                    out.append(
                        f'<c r="{letter}{r}" t="inlineStr"><is><t{space}>{_text(value)}'
                        "</t></is></c>"
                    )
                elif value is None:
                    continue
                elif kind is int or (kind is float and math.isfinite(value)):
                    out.append(f'<c r="{letter}{r}"><v>{value!r}</v></c>')
                elif kind is datetime:
                    out.append(
                        f'<c r="{letter}{r}" s="{_DATETIME}"><v>{excel_serial(value)!r}</v></c>'
                    )
                elif kind is date:
                    out.append(f'<c r="{letter}{r}" s="{_DATE}"><v>{excel_serial(value)!r}</v></c>')
                else:  # what normalize() never returns; written as text rather than lost
                    out.append(
                        f'<c r="{letter}{r}" t="inlineStr"><is><t>{_text(str(value))}</t></is></c>'
                    )
            out.append("</row>")
            parts.append("".join(out))
        self.entry.write("".join(parts).encode())
        return self.sink.take()

    def close(self) -> bytes:
        """End the last sheet, write the parts that name the sheets; the rest of the file."""
        self._end_sheet()
        n = len(self.names)
        sheets = "".join(
            f'<sheet name="{_attr(name)}" sheetId="{i}" r:id="rId{i}"/>'
            for i, name in enumerate(self.names, 1)
        )
        self.zip.writestr(
            "xl/workbook.xml",
            f'{_XML}<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><bookViews><workbookView/>'
            f"</bookViews><sheets>{sheets}</sheets></workbook>",
        )
        rels = "".join(
            f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
            for i in range(1, n + 1)
        )
        self.zip.writestr(
            "xl/_rels/workbook.xml.rels",
            f'{_XML}<Relationships xmlns="{_PKG_REL}">{rels}<Relationship Id="rId{n + 1}"'
            f' Type="{_REL}/styles" Target="styles.xml"/></Relationships>',
        )
        self.zip.writestr("xl/styles.xml", _styles(self.lang))
        self.zip.writestr(
            "_rels/.rels",
            f'{_XML}<Relationships xmlns="{_PKG_REL}"><Relationship Id="rId1"'
            f' Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        ct = "application/vnd.openxmlformats-officedocument.spreadsheetml"
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{ct}.worksheet+xml"/>'
            for i in range(1, n + 1)
        )
        self.zip.writestr(
            "[Content_Types].xml",
            f'{_XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{ct}.sheet.main+xml"/>'
            f'<Override PartName="/xl/styles.xml" ContentType="{ct}.styles+xml"/>'
            f"{overrides}</Types>",
        )
        self.zip.close()
        return self.sink.take()

    @property
    def sheets(self) -> int:
        return len(self.names)


def _styles(lang: str) -> str:
    # 0 default, 1 the header (bold, light blue fill, thin border), 2 date and time, 3 date
    return (
        f'{_XML}<styleSheet xmlns="{_MAIN}"><numFmts count="2">'
        f'<numFmt numFmtId="164" formatCode="{_XLSX_DATETIME[lang]}"/>'
        f'<numFmt numFmtId="165" formatCode="{_XLSX_DATE[lang]}"/></numFmts>'
        '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
        '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
        '<fills count="3"><fill><patternFill patternType="none"/></fill>'
        '<fill><patternFill patternType="gray125"/></fill>'
        '<fill><patternFill patternType="solid"><fgColor rgb="FFDDEBF7"/>'
        '<bgColor indexed="64"/></patternFill></fill></fills>'
        '<borders count="2"><border><left/><right/><top/><bottom/><diagonal/></border>'
        '<border><left style="thin"><color auto="1"/></left><right style="thin"><color auto="1"/>'
        '</right><top style="thin"><color auto="1"/></top><bottom style="thin"><color auto="1"/>'
        "</bottom><diagonal/></border></borders>"
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
        '</cellStyleXfs><cellXfs count="4">'
        '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        '<xf numFmtId="0" fontId="1" fillId="2" borderId="1" xfId="0" applyFont="1"'
        ' applyFill="1" applyBorder="1"/>'
        '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
        '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
        '</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/>'
        "</cellStyles></styleSheet>"
    )

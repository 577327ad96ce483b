"""Downloadable templates: Vietnamese headers, a notes row, an example row, and (XLSX) a sheet
explaining every column. Notes and example start with ``#`` so a filled-in template imports as
it is: the importer skips those rows."""

import csv
import io
from functools import lru_cache

from backend.imports.columns import Column
from backend.imports.kinds import HANDLERS
from backend.imports.reader import MAX_ROWS
from backend.imports.schemas import ImportKind

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"

TITLES = {
    ImportKind.sites: "Khu công nghiệp, khu chế xuất, cụm công nghiệp",
    ImportKind.houses: "Khu nhà trọ",
    ImportKind.teams: "Tổ tự quản",
    ImportKind.members: "Thành viên tổ tự quản",
}
GENERAL_NOTES = (
    "Dòng 1 là tiêu đề cột (tiếng Việt hoặc tiếng Anh, có dấu hay không dấu đều được).",
    "Cột có dấu * là bắt buộc. Có thể bỏ bớt cột không bắt buộc: khi cập nhật, trường của cột"
    " không có trong tệp được giữ nguyên; ô để trống trong cột có mặt sẽ xóa giá trị đó.",
    "Dòng bắt đầu bằng # (như dòng ghi chú và dòng ví dụ) và dòng trống được bỏ qua.",
    "Nhập lại cùng một tệp sẽ cập nhật theo mã, không tạo bản ghi trùng.",
    "Hãy chạy thử (xem trước) trước: mọi lỗi được báo theo dòng và cột, không có gì được lưu.",
    "Khi nhập thật, chỉ cần một dòng lỗi là không dòng nào được lưu.",
    f"Tối đa {MAX_ROWS:_} dòng và 5 MB mỗi tệp. CSV phải lưu dạng UTF-8.".replace("_", "."),
)


def _example(col: Column, first: bool) -> str:
    value = "" if col.example is None else str(col.example)
    return f"# ví dụ: {value}" if first else value


def _note(col: Column, first: bool) -> str:
    text = ("Bắt buộc. " if col.required else "") + col.note
    return f"# {text}" if first else text


@lru_cache
def build_csv(kind: ImportKind) -> bytes:
    """The CSV template, UTF-8 with a BOM so Excel shows the Vietnamese right."""
    columns = HANDLERS[kind].columns
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.template_header for c in columns])
    writer.writerow([_note(c, i == 0) for i, c in enumerate(columns)])
    writer.writerow([_example(c, i == 0) for i, c in enumerate(columns)])
    return out.getvalue().encode("utf-8-sig")


@lru_cache
def build_xlsx(kind: ImportKind) -> bytes:
    """The XLSX template: the data sheet first (the importer reads the first sheet)."""
    # openpyxl (with numpy) is ~30 MB of every API process: loaded only when a template is asked
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    columns = HANDLERS[kind].columns
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Dữ liệu"
    grey = Font(italic=True, color="808080")
    sheet.append([c.template_header for c in columns])
    sheet.append([_note(c, i == 0) for i, c in enumerate(columns)])
    sheet.append([_example(c, i == 0) for i, c in enumerate(columns)])
    for cell in sheet[1]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="1F6F43")
    for row in (2, 3):
        for cell in sheet[row]:
            cell.font = grey
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for index, col in enumerate(columns, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = max(14, min(40, len(col.vi) + 6))
        if col.text:
            # Typed codes and phones stay text: 0912… keeps its leading zero.
            sheet.column_dimensions[letter].number_format = "@"
        if col.choices:
            labels = ",".join(labels[0] for labels in col.choices.values())
            check = DataValidation(type="list", formula1=f'"{labels}"', allow_blank=True)
            check.showErrorMessage = False  # the other accepted spellings stay allowed
            sheet.add_data_validation(check)
            check.add(f"{letter}4:{letter}{MAX_ROWS + 3}")
    sheet.freeze_panes = "A2"
    _guide(workbook.create_sheet("Hướng dẫn"), kind, columns)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _guide(sheet, kind: ImportKind, columns: tuple[Column, ...]) -> None:
    from openpyxl.styles import Font

    sheet.append([f"Mẫu nhập: {TITLES[kind]}"])
    sheet["A1"].font = Font(bold=True, size=14)
    for note in GENERAL_NOTES:
        sheet.append([f"• {note}"])
    sheet.append([])
    header = ["Cột", "Tiêu đề tiếng Anh", "Bắt buộc", "Cách ghi", "Ví dụ", "Giá trị cho phép"]
    sheet.append(header)
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for col in columns:
        allowed = "; ".join(
            f"{labels[0]} ({value})" if labels else value for value, labels in col.choices.items()
        )
        sheet.append(
            [col.vi, col.en, "có" if col.required else "", col.note, str(col.example), allowed]
        )
    for letter, width in zip("ABCDEF", (24, 22, 10, 70, 30, 50), strict=True):
        sheet.column_dimensions[letter].width = width

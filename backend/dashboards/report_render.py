"""The periodic report as a printable A4 HTML page and as an XLSX workbook (Vietnamese)."""

import io
from datetime import date
from html import escape
from typing import Any

STATUS_VI = {
    "submitted": "Mới tiếp nhận",
    "triaged": "Đã phân loại",
    "escalated": "Đã chuyển công an",
    "acknowledged": "Đã tiếp nhận xử lý",
    "in_progress": "Đang xử lý",
    "resolved": "Đã giải quyết",
    "closed": "Đã kết thúc",
    "rejected": "Không xác thực",
    "duplicate": "Trùng lặp",
    "reopened": "Mở lại",
}
SEVERITY_VI = {1: "Khẩn cấp", 2: "Nghiêm trọng", 3: "Trung bình", 4: "Ghi nhận"}


def _d(value: Any) -> str:
    if not value:
        return ""
    day = date.fromisoformat(str(value)[:10])
    return day.strftime("%d/%m/%Y")


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%".replace(".", ",")


def _dur(seconds: int | None) -> str:
    if seconds is None:
        return "—"
    if seconds < 3600:
        return f"{seconds // 60} phút"
    if seconds < 172_800:
        return f"{seconds / 3600:.1f} giờ".replace(".", ",")
    return f"{seconds / 86400:.1f} ngày".replace(".", ",")


def _rows(headers: list[str], rows: list[list[Any]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = (
        "".join(
            "<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in row) + "</tr>" for row in rows
        )
        or f'<tr><td colspan="{len(headers)}" class="none">Không có</td></tr>'
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _audience(awareness: dict) -> int:
    return awareness["workers"] + awareness["landlords"] + awareness["others"]


def figures(content: dict) -> list[tuple[str, Any]]:
    """The headline figures as (label, value) lines, shared by both formats."""
    s = content["summary"]
    inc, pat, hou = s["incidents"], s["patrols"], s["houses"]
    return [
        ("Số Tổ tự quản", pat["teams"]),
        ("Số tổ có tuần tra", pat["teams_active"]),
        ("Số lượt tuần tra", pat["patrols"]),
        (
            "Ca tuần tra theo kế hoạch / hoàn thành",
            f"{pat['windows_planned']} / {pat['windows_done']}",
        ),
        ("Tỷ lệ hoàn thành kế hoạch", _pct(pat["done_rate"])),
        ("Lượt quét điểm kiểm tra / bị gắn cờ", f"{pat['scans']} / {pat['flagged_scans']}"),
        ("Nhà trọ được tuần tra / tổng số", f"{hou['covered']} / {hou['total']}"),
        ("Tỷ lệ nhà trọ được tuần tra", _pct(hou["coverage_rate"])),
        ("Tổng số vụ việc, tin báo", inc["total"]),
        (
            "Thời gian tiếp nhận (trung vị / 90%)",
            f"{_dur(inc['time_to_acknowledge']['median_seconds'])} / "
            f"{_dur(inc['time_to_acknowledge']['p90_seconds'])}",
        ),
        (
            "Thời gian giải quyết (trung vị / 90%)",
            f"{_dur(inc['time_to_resolve']['median_seconds'])} / "
            f"{_dur(inc['time_to_resolve']['p90_seconds'])}",
        ),
        ("Chuyển công an quá hạn chưa tiếp nhận", s["escalations_overdue"]["count"]),
        (
            "Buổi tuyên truyền / người tham dự",
            f"{content['awareness']['sessions']} / {_audience(content['awareness'])}",
        ),
        ("Khen thưởng", len(content["commendations"])),
    ]


CSS = """
@page { size: A4; margin: 20mm 15mm 20mm 25mm; }
body { font-family: "Times New Roman", "DejaVu Serif", serif; font-size: 13pt; color: #000;
       max-width: 170mm; margin: 0 auto; line-height: 1.35; }
.head { display: grid; grid-template-columns: 42fr 58fr; column-gap: 4mm; text-align: center;
        align-items: start; }
.head > div { min-width: 0; } .head span { display: block; }
.head b { display: block; }
/* A union's name can be long: it wraps inside its column; only the national motto keeps one
   line (it fits the wider column), so nothing runs into the date line. */
.head > div:first-child b { overflow-wrap: break-word; }
.head > div:last-child b { white-space: nowrap; }
.no { margin-top: 4px; } .date { font-style: italic; margin-top: 8px; }
h1 { text-align: center; font-size: 15pt; margin: 18px 0 2px; }
.sub { text-align: center; font-weight: bold; margin-bottom: 14px; }
h2 { font-size: 13pt; margin: 14px 0 6px; }
table { width: 100%; border-collapse: collapse; font-size: 11.5pt; page-break-inside: auto; }
tr { page-break-inside: avoid; } th, td { border: 1px solid #000; padding: 3px 5px; }
th { background: #eee; } td.none { text-align: center; font-style: italic; }
.fig td:last-child { text-align: right; width: 32%; }
.foot { display: flex; justify-content: space-between; margin-top: 18px; }
.foot div { width: 48%; } .sign { text-align: center; font-weight: bold; }
.status { font-size: 10pt; color: #444; margin-top: 24px; border-top: 1px solid #999; }
@media print { .status { display: none; } }
"""


def render_html(report: Any, content: dict, *, parent_name: str | None, author: str | None) -> str:
    """A4 page in the administrative layout (header, number, date, body, recipients, sign)."""
    issued = report.issued_on
    span = f"{_d(content['period']['from'])} – {_d(content['period']['to'])}"
    dated = f"ngày {issued.day:02d} tháng {issued.month:02d} năm {issued.year}"
    place = escape(report.place or "")
    inc = content["summary"]["incidents"]
    notable = [
        [
            _d(n["date"]),
            n["category_name"],
            SEVERITY_VI.get(n["severity"], n["severity"]),
            n["ward"],
            STATUS_VI.get(n["status"], n["status"]),
            n["summary"],
        ]
        for n in content["notable_incidents"]
    ]
    sessions = [
        [_d(a["date"]), a["title"] or "", a["place"], ", ".join(a["topics"]), a["audience"]]
        for a in content["awareness"]["items"]
    ]
    commend = [
        [
            _d(c["decided_on"]),
            c["recipient"] or "",
            c["form"],
            c["decision_number"],
            c["issuing_body"],
            c["reason"],
        ]
        for c in content["commendations"]
    ]
    teams = [
        [t["rank"], t["name"], t["patrols_completed"], t["scans"], t["reports"]]
        for t in content["teams_top"]
    ]
    laggards = [
        [t["name"], _pct(t["completeness"]), _pct(t["timeliness"])]
        for t in content["completeness"]["laggards"][:20]
    ]
    recipients = "".join(f"<li>{escape(r)}</li>" for r in report.recipients) + "<li>Lưu: VT.</li>"
    proposals = escape(report.proposals or "Không có.").replace("\n", "<br>")
    status = (
        f"Đã gửi lúc {report.submitted_at:%H:%M %d/%m/%Y} (UTC) bởi {escape(author or '')}"
        if report.submitted_at
        else "Bản nháp — chưa gửi"
    )
    fig_rows = "".join(
        f"<tr><td>{escape(str(k))}</td><td>{escape(str(v))}</td></tr>" for k, v in figures(content)
    )
    by_cat = _rows(["Loại vụ việc", "Số vụ"], [[c["name"], c["count"]] for c in inc["by_category"]])
    return f"""<!doctype html>
<html lang="vi"><head><meta charset="utf-8">
<title>Báo cáo {escape(content["period"]["title"])} — {escape(content["unit"]["name"])}</title>
<style>{CSS}</style></head><body>
<div class="head">
  <div><span>{escape((parent_name or "").upper())}</span>
    <b>{escape(content["unit"]["name"].upper())}</b>
    <div class="no">Số: {escape(report.number)}</div></div>
  <div><b>CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM</b><b>Độc lập - Tự do - Hạnh phúc</b>
    <div class="date">{place}{", " if place else ""}{dated}</div></div>
</div>
<h1>BÁO CÁO</h1>
<div class="sub">Kết quả hoạt động của các Tổ tự quản khu nhà trọ công nhân<br>
{escape(content["period"]["title"])} ({span})</div>
<h2>I. Tình hình chung</h2>
<table class="fig"><tbody>{fig_rows}</tbody></table>
<h2>II. Vụ việc, tin báo theo loại</h2>{by_cat}
<h2>III. Vụ việc nổi bật</h2>
{_rows(["Ngày", "Loại", "Mức độ", "Phường/xã", "Tình trạng", "Nội dung"], notable)}
<h2>IV. Tổ hoạt động tích cực</h2>
{_rows(["Hạng", "Tổ tự quản", "Tuần tra hoàn thành", "Lượt quét", "Tin báo"], teams)}
<h2>V. Tổ chưa tuần tra, báo cáo đầy đủ</h2>
{_rows(["Tổ tự quản", "Tỷ lệ đầy đủ", "Tỷ lệ đúng hạn"], laggards)}
<h2>VI. Công tác tuyên truyền</h2>
{_rows(["Ngày", "Chủ đề buổi", "Địa điểm", "Nội dung", "Số người"], sessions)}
<h2>VII. Thi đua, khen thưởng</h2>
{_rows(["Ngày", "Tập thể/cá nhân", "Hình thức", "Số quyết định", "Cơ quan", "Thành tích"], commend)}
<h2>VIII. Kiến nghị, đề xuất</h2><p>{proposals}</p>
<div class="foot">
  <div><i><b>Nơi nhận:</b></i><ul>{recipients}</ul></div>
  <div class="sign">TM. BAN THƯỜNG VỤ<br><br><br><br>{escape(author or "")}</div>
</div>
<div class="status">{status}</div>
</body></html>"""


def render_xlsx(report: Any, content: dict) -> bytes:
    """The same report as a workbook: a summary sheet and one sheet per list."""
    import xlsxwriter  # 12 MB of every API process otherwise, for a rare download

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    bold = book.add_format({"bold": True})
    head = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    sheet = book.add_worksheet("Tổng hợp")
    sheet.set_column(0, 0, 48)
    sheet.set_column(1, 1, 24)
    sheet.write(0, 0, f"BÁO CÁO {content['period']['title'].upper()}", bold)
    sheet.write(1, 0, content["unit"]["name"])
    sheet.write(2, 0, f"Số: {report.number}")
    sheet.write(3, 0, f"Ngày: {_d(report.issued_on)}")
    sheet.write(4, 0, "Nơi nhận: " + "; ".join(report.recipients))
    for row, (label, value) in enumerate(figures(content), start=6):
        sheet.write(row, 0, label)
        sheet.write(row, 1, value)
    sheet.write(row + 2, 0, "Kiến nghị, đề xuất", bold)
    sheet.write(row + 3, 0, report.proposals or "")
    lists = {
        "Theo loại": (
            ["Loại vụ việc", "Số vụ"],
            [[c["name"], c["count"]] for c in content["summary"]["incidents"]["by_category"]],
        ),
        "Vụ việc nổi bật": (
            ["Ngày", "Loại", "Mức độ", "Phường/xã", "Tình trạng", "Nội dung"],
            [
                [
                    _d(n["date"]),
                    n["category_name"],
                    n["severity"],
                    n["ward"],
                    STATUS_VI.get(n["status"], n["status"]),
                    n["summary"],
                ]
                for n in content["notable_incidents"]
            ],
        ),
        "Xếp hạng tổ": (
            ["Hạng", "Tổ", "Tuần tra hoàn thành", "Lượt quét", "Tin báo", "Gắn cờ"],
            [
                [
                    t["rank"],
                    t["name"],
                    t["patrols_completed"],
                    t["scans"],
                    t["reports"],
                    t["flagged_scans"],
                ]
                for t in content["teams_top"]
            ],
        ),
        "Tuyên truyền": (
            ["Ngày", "Chủ đề", "Địa điểm", "Nội dung", "Số người"],
            [
                [_d(a["date"]), a["title"] or "", a["place"], ", ".join(a["topics"]), a["audience"]]
                for a in content["awareness"]["items"]
            ],
        ),
        "Khen thưởng": (
            ["Ngày", "Tập thể/cá nhân", "Hình thức", "Số QĐ", "Cơ quan", "Thành tích"],
            [
                [
                    _d(c["decided_on"]),
                    c["recipient"] or "",
                    c["form"],
                    c["decision_number"],
                    c["issuing_body"],
                    c["reason"],
                ]
                for c in content["commendations"]
            ],
        ),
    }
    for name, (headers, rows) in lists.items():
        ws = book.add_worksheet(name)
        for col, h in enumerate(headers):
            ws.write_string(0, col, h, head)
            ws.set_column(col, col, 18 if col else 12)
        for r, values in enumerate(rows, start=1):
            for col, v in enumerate(values):
                if isinstance(v, int | float):
                    ws.write_number(r, col, v)
                else:
                    ws.write_string(r, col, str(v))
    book.close()
    return buffer.getvalue()

"""The periodic report's printed header at A4 width: a long union name wraps inside its column
and never runs into the national motto or the date line (checked in headless Chromium)."""

import os
from datetime import date
from types import SimpleNamespace

import pytest

from backend.dashboards.report_render import render_html

# A browser test runs on one engine (tests/conftest.py): this one on SQLite, the embedded default.
pytestmark = pytest.mark.engine("sqlite")

LONG_UNIT = "Công đoàn các Khu chế xuất và Khu công nghiệp Thành phố Hồ Chí Minh"
LONG_PARENT = "Liên đoàn Lao động Thành phố Hồ Chí Minh"
A4_WIDTH_PX = 794  # 210 mm at 96 px per inch
SHOTS = os.environ.get("TTQ_REPORT_SCREENSHOTS")  # a folder to keep the screenshots in


def _content(unit_name: str) -> dict:
    timing = {"median_seconds": 5400, "p90_seconds": 86400}
    return {
        "period": {"from": "2026-10-01", "to": "2026-10-31", "title": "tháng 10/2026"},
        "unit": {"name": unit_name},
        "summary": {
            "incidents": {
                "total": 4,
                "by_category": [{"name": "Ma túy", "count": 1}],
                "time_to_acknowledge": timing,
                "time_to_resolve": timing,
            },
            "patrols": {
                "teams": 3,
                "teams_active": 2,
                "patrols": 4,
                "windows_planned": 8,
                "windows_done": 6,
                "done_rate": 0.75,
                "scans": 40,
                "flagged_scans": 2,
            },
            "houses": {"covered": 4, "total": 5, "coverage_rate": 0.8},
            "escalations_overdue": {"count": 0},
        },
        "awareness": {"sessions": 0, "workers": 0, "landlords": 0, "others": 0, "items": []},
        "commendations": [],
        "notable_incidents": [],
        "teams_top": [],
        "completeness": {"laggards": []},
    }


def _report() -> SimpleNamespace:
    return SimpleNamespace(
        issued_on=date(2026, 11, 3),
        place="TP. Hồ Chí Minh",
        number="12/BC-CĐKCX",
        recipients=["LĐLĐ Thành phố (để báo cáo)"],
        proposals=None,
        submitted_at=None,
    )


# The rectangles of the text in each header column (Range rects: what is actually painted).
MEASURE = """
() => {
  const rects = (el) => {
    const range = document.createRange();
    range.selectNodeContents(el);
    return Array.from(range.getClientRects()).filter(r => r.width > 0 && r.height > 0)
      .map(r => ({left: r.left, right: r.right, top: r.top, bottom: r.bottom}));
  };
  const [left, right] = document.querySelectorAll('.head > div');
  return {left: rects(left), right: rects(right), date: rects(document.querySelector('.date')),
          box: left.getBoundingClientRect().right,
          overflow: left.scrollWidth > left.clientWidth};
}
"""


def _overlaps(a: dict, b: dict) -> bool:
    return (
        a["left"] < b["right"]
        and b["left"] < a["right"]
        and a["top"] < b["bottom"]
        and (b["top"] < a["bottom"])
    )


@pytest.mark.parametrize("unit_name", ["Công đoàn KCX Tân Thuận", LONG_UNIT])
def test_header_columns_never_overlap_at_a4_width(browser, unit_name, tmp_path):
    html = render_html(_report(), _content(unit_name), parent_name=LONG_PARENT, author=None)
    page = browser.new_page(viewport={"width": A4_WIDTH_PX, "height": 1123})
    try:
        page.set_content(html)
        page.emulate_media(media="print")
        found = page.evaluate(MEASURE)
        if SHOTS:
            page.screenshot(path=os.path.join(SHOTS, f"report-head-{len(unit_name)}.png"))
    finally:
        page.close()
    assert found["left"] and found["right"] and found["date"]
    clashes = [(a, b) for a in found["left"] for b in found["right"] if _overlaps(a, b)]
    assert clashes == []
    assert max(r["right"] for r in found["left"]) <= found["box"] + 0.5  # stays in its column
    assert min(r["left"] for r in found["date"]) >= max(r["right"] for r in found["left"])
    assert not found["overflow"]

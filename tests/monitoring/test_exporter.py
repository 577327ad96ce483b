"""The generic exporter on its own: cell rendering, formula quoting, sheet roll-over, and the
audit of an export the client abandoned."""

import io
import os
import tempfile
from datetime import UTC, date, datetime
from decimal import Decimal

import openpyxl
from sqlalchemy import select

from backend.models import AuditEvent
from backend.monitoring.exports import Column, ExportStats, _csv_text, normalize, xlsx_chunks
from tests.factories import auth
from tests.monitoring.asgi import stream_get
from tests.monitoring.factories import bulk_sessions, make_world

KEYS = ("n", "name", "at")


class FakeRow(tuple):
    """Quacks like a SQLAlchemy Row for the exporter (positional and by key)."""

    @property
    def _mapping(self):
        return dict(zip(KEYS, self, strict=True))


def test_cells_render_the_same_for_both_writers():
    assert normalize(True, "vi") == "Có" and normalize(False, "en") == "No"
    assert normalize(Decimal("1.5"), "vi") == 1.5
    assert normalize({"tên": "Đào"}, "vi") == '{"tên": "Đào"}'
    assert normalize(["a", None, 3], "vi") == "a; 3"
    # stored UTC, shown in Ho Chi Minh City (UTC+7, no daylight saving)
    assert normalize(datetime(2026, 1, 1, 17, 0, tzinfo=UTC), "vi") == datetime(2026, 1, 2, 0, 0)
    assert _csv_text(datetime(2026, 1, 2, 0, 5), "vi") == "02/01/2026 00:05"
    assert _csv_text(date(2026, 1, 2), "en") == "2026-01-02"
    assert _csv_text(None, "vi") == ""


def test_csv_quotes_what_excel_would_run_as_a_formula():
    for risky in ("=1+1", "@SUM(A1)", "+cmd|' /C calc'!A0", "-2+3+cmd", "\t=x"):
        assert _csv_text(risky, "vi") == "'" + risky
    for safe in ("+84981234567", "-12", "+84 (28) 3822 1234", "Bà Đào", ""):
        assert _csv_text(safe, "vi") == safe


async def test_xlsx_rolls_over_to_a_new_sheet_at_the_row_limit():
    async def batches():
        yield [FakeRow((i, f"Nhà trọ {i}", datetime(2026, 1, 1, tzinfo=UTC))) for i in range(3)]
        yield [FakeRow((i, f"Nhà trọ {i}", datetime(2026, 1, 1, tzinfo=UTC))) for i in (3, 4)]

    columns = [Column("n", "Số", "No."), Column("name", "Tên", "Name"), Column("at", "Lúc", "At")]
    stats = ExportStats()
    before = set(os.listdir(tempfile.gettempdir()))
    body = b"".join(
        [
            c
            async for c in xlsx_chunks(
                batches(), columns, "vi", stats, sheet_name="Nhà", max_rows=3
            )
        ]
    )
    book = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
    assert book.sheetnames == ["Nhà", "Nhà (2)", "Nhà (3)"]
    sheets = [list(book[name].iter_rows(values_only=True)) for name in book.sheetnames]
    assert [len(s) for s in sheets] == [3, 3, 2]  # each sheet repeats the header
    assert sheets[2] == [("Số", "Tên", "Lúc"), (4, "Nhà trọ 4", datetime(2026, 1, 1, 7, 0))]
    assert stats.rows == 5 and stats.extra["sheets"] == 3
    leftovers = set(os.listdir(tempfile.gettempdir())) - before
    assert not [d for d in leftovers if d.startswith("ttq-export-")]  # the temp file is gone


async def test_an_abandoned_export_is_audited_as_aborted(app, session):
    w = await make_world(session)
    await bulk_sessions(session, team=w.team1, user=w.leader1, n=3000, lean=True)
    await session.commit()
    out = await stream_get(
        app,
        "/api/v1/awareness-sessions/export",
        headers=auth(app, w.admin),
        hang_up_after_first_chunk=True,
    )
    assert out.status == 200 and out.chunks == 1

    # closed as soon as the client is gone, not whenever the garbage collector gets to it
    events = (
        await session.scalars(
            select(AuditEvent).where(AuditEvent.action.like("awareness_session.export.%"))
        )
    ).all()
    assert [e.action for e in events] == ["awareness_session.export.aborted"]
    assert 0 < events[0].detail["row_count"] < 3000

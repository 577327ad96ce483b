"""The fast export paths render exactly what the plain Python path rendered, and XLSX streams.

- CSV fields are quoted by the exporter itself (joined lines, not csv.writer): the same bytes
  as csv.writer for any text.
- Local times come from a fixed UTC+7 since 1976 and zoneinfo before: the same as zoneinfo.
- On PostgreSQL, times, dates, UUIDs and JSON come pre-rendered from the database
  (backend/monitoring/export_sql.py) and rows straight from asyncpg: the whole file is
  compared with the file rendered from SQLAlchemy's rows by Python alone (on SQLite the same
  comparison covers the JSON-as-text path).
- XLSX leaves before the last row is read, and opens with openpyxl with every row.
"""

import csv
import io
import random
import uuid
from datetime import UTC, datetime, timedelta

import openpyxl

from backend.core.clock import LOCAL_TZ
from backend.models import BoardingHouse
from backend.monitoring import export_sql
from backend.monitoring.awareness_router import _export_columns, export_query
from backend.monitoring.exports import (
    Column,
    ExportStats,
    csv_chunks,
    csv_field,
    local_time,
    stream_rows,
    xlsx_chunks,
)
from backend.monitoring.registry_exports import HOUSE_COLUMNS, houses_query
from backend.policy import scoped
from backend.policy.subject import load_subject
from tests.factories import auth
from tests.monitoring.asgi import stream_get
from tests.monitoring.factories import bulk_sessions, make_house, make_world

ALPHABET = ['"', ",", "\r", "\n", " ", "a", "Đ", "ư", "'", "=", "+", "-", "\t", ";", "1"]


def test_fields_are_quoted_as_csv_writer_quotes_them():
    rnd = random.Random(5)
    texts = ["", "a", '"', '""', "a,b", "dòng 1\r\ndòng 2", " x ", "\n"]
    texts += ["".join(rnd.choices(ALPHABET, k=rnd.randrange(1, 12))) for _ in range(3000)]
    for text in texts:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\r\n").writerow([text, "x"])
        assert csv_field(text) + ",x\r\n" == buffer.getvalue(), repr(text)


def test_local_time_matches_zoneinfo_before_and_after_1975():
    rnd = random.Random(3)
    start = datetime(1900, 1, 1, tzinfo=UTC)
    for _ in range(5000):
        value = start + timedelta(seconds=rnd.randrange(200 * 365 * 86400))
        expected = value.astimezone(LOCAL_TZ).replace(tzinfo=None)
        assert local_time(value) == expected, value
        assert local_time(value.replace(tzinfo=None)) == expected  # naive means UTC


async def _python_file(factory, stmt, columns, lang) -> bytes:
    """The file as the plain path renders it: SQLAlchemy rows, every cell by Python."""
    chunks = csv_chunks(stream_rows(factory, stmt), columns, lang, ExportStats())
    return b"".join([c async for c in chunks])


async def _fast_file(factory, stmt, columns, lang) -> bytes:
    dialect = factory.kw["bind"].dialect.name
    stmt, columns = export_sql.prepare(stmt, columns, dialect=dialect, fmt="csv", lang=lang)
    chunks = csv_chunks(stream_rows(factory, stmt), columns, lang, ExportStats())
    return b"".join([c async for c in chunks])


async def test_database_rendered_csv_is_byte_for_byte_the_python_rendered_one(app, session):
    w = await make_world(session)
    await make_house(session, ward=w.ward_a, team=w.team1)
    await bulk_sessions(session, team=w.team1, user=w.leader1, n=300)
    await session.commit()
    factory = app.state.session_factory
    async with factory() as s:
        awareness_columns = await _export_columns(s)
    stmt = await export_query([])
    for lang in ("vi", "en"):
        expected = await _python_file(factory, stmt, awareness_columns, lang)
        assert expected.count(b"\r\n") == 301
        assert await _fast_file(factory, stmt, awareness_columns, lang) == expected


async def test_house_export_fast_path_matches_python_rendering(app, session):
    w = await make_world(session)
    for _ in range(3):
        await make_house(session, ward=w.ward_a, team=w.team1)
    await session.commit()
    factory = app.state.session_factory
    async with factory() as s:
        subject = await load_subject(s, w.officer1)
        stmt = scoped(await houses_query(s, subject), subject, BoardingHouse)
    for lang in ("vi", "en"):
        expected = await _python_file(factory, stmt, HOUSE_COLUMNS, lang)
        assert expected.count(b"\r\n") == 4
        assert await _fast_file(factory, stmt, HOUSE_COLUMNS, lang) == expected


class _Row(tuple):
    @property
    def _mapping(self):
        return dict(zip(("n", "name", "at"), self, strict=True))


async def test_xlsx_first_bytes_leave_before_the_last_row_is_read():
    read = 0

    async def batches():
        nonlocal read
        for b in range(40):
            read += 1
            yield [
                _Row((i, f"Nhà trọ {uuid.uuid4()}", datetime(2026, 1, 1, tzinfo=UTC)))
                for i in range(b * 1000, (b + 1) * 1000)
            ]

    columns = [Column("n", "Số", "No."), Column("name", "Tên", "Name"), Column("at", "Lúc", "At")]
    chunks = xlsx_chunks(batches(), columns, "vi", ExportStats(), sheet_name="Nhà")
    first = await chunks.__anext__()
    assert first.startswith(b"PK\x03\x04") and read < 40  # the zip began before the end
    body = first + b"".join([c async for c in chunks])
    sheet = openpyxl.load_workbook(io.BytesIO(body), read_only=True)["Nhà"]
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 40_001 and rows[0] == ("Số", "Tên", "Lúc")
    assert rows[40_000][0] == 39_999 and rows[1][2] == datetime(2026, 1, 1, 7, 0)


async def test_xlsx_export_over_the_route_streams_in_pieces_and_opens(app, session):
    w = await make_world(session)
    await bulk_sessions(session, team=w.team1, user=w.leader1, n=3000)
    await session.commit()
    body = bytearray()
    out = await stream_get(
        app,
        "/api/v1/awareness-sessions/export",
        params={"format": "xlsx"},
        headers=auth(app, w.officer1),
        sink=body.extend,
    )
    assert out.status == 200 and out.chunks > 1
    sheet = openpyxl.load_workbook(io.BytesIO(bytes(body)), read_only=True)["Tuyên truyền"]
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 3001
    assert rows[1][1] == "Buổi tuyên truyền số 2999"  # newest first
    assert rows[-1][0] == datetime(2026, 1, 1, 19, 0)  # 12:00 UTC, shown in Vietnam time
    assert rows[-1][5] == "Lừa tuyển dụng, xuất khẩu lao động; Phòng, chống ma túy"

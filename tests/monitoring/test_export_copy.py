"""The COPY path of CSV exports (PostgreSQL) writes the very bytes of the Python path.

Tricky rows (Vietnamese, commas, quotes, newlines, formula-like and phone-number-like text,
NULLs, booleans, dates, times around local and UTC midnight, labels, JSON lists) go through
``COPY (export_pg.copy_select) TO STDOUT`` and through SQLAlchemy rows rendered by Python;
the files are compared byte for byte in both languages. A client that hangs up leaves no
COPY running and the pool's connections usable.
"""

import asyncio
import uuid
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Date, case, cast, insert, select, text

from backend.models import BoardingHouse
from backend.models.monitoring import AwarenessSession, Commendation
from backend.monitoring import export_copy, export_pg
from backend.monitoring.awareness_router import _export_columns, export_query
from backend.monitoring.commendation_router import EXPORT_COLUMNS as COMMENDATION_COLUMNS
from backend.monitoring.commendation_router import export_query as commendations_query
from backend.monitoring.export_copy import LineEnds, copy_chunks, csv_by_size
from backend.monitoring.exports import Column, ExportStats, csv_chunks, labels, stream_rows
from backend.monitoring.registry_exports import (
    HOUSE_COLUMNS,
    TEAM_COLUMNS,
    houses_query,
    teams_query,
)
from backend.policy import scoped
from backend.policy.subject import load_subject
from tests.conftest import IS_PG
from tests.factories import auth
from tests.monitoring.asgi import stream_get
from tests.monitoring.factories import bulk_sessions, make_world

pytestmark = pytest.mark.skipif(not IS_PG, reason="COPY is PostgreSQL's")

TEXTS = [
    None,
    "",
    "Tiếng Việt có dấu, dấu phẩy",
    'trích "dẫn" và ""đôi""',
    "dòng 1\ndòng 2",
    "dòng 1\r\ndòng 2\r",
    '"',
    "=1+2",
    '=HYPERLINK("http://evil.example","bấm")',
    "@SUM(A1)",
    "\tTab",
    "\rCR",
    "+84 912 345 678",
    "+(84) 912.345.678",
    "+84-912",
    "-12.5",
    "-",
    "+",
    "-1e5",
    "+８４ ９１２",  # fullwidth digits: Python's \d takes them
    "+84\u00a0912\u3000",  # no-break and ideographic spaces: Python's \s takes them
    "+84\u200b912",  # a zero-width space is not whitespace to Python
    " =không phải công thức",
    "'đã có nháy",
    "gạch \\ ngược \\. \\N",
    "\\.",
    'a;b,c"d\ne',
]
HELD = [
    datetime(2026, 11, 20, 16, 59, 59, tzinfo=UTC),  # 23:59 in Vietnam
    datetime(2026, 11, 20, 17, 0, tzinfo=UTC),  # 00:00 the next day in Vietnam
    datetime(2026, 12, 31, 23, 59, tzinfo=UTC),  # UTC's midnight, 06:59 in Vietnam
    datetime(2027, 1, 1, 0, 0, 30, tzinfo=UTC),
    datetime(1975, 6, 12, 16, 30, tzinfo=UTC),  # before Vietnam's UTC+7 of today
    datetime(1960, 3, 1, 15, 45, tzinfo=UTC),
]
TOPICS = [
    ["job_offer", "drugs"],
    [],
    ["unknown_code", "marriage_brokerage"],
    "drugs",  # a lone code (not what the API writes; labels() shows it all the same)
    None,
    ["=not_a_code", "law"],
    ["+84 123"],
    [None, "", "=x"],
    ["law", "drugs", "law", "job_offer", None, "+84 1"],  # longer than export_pg.SHORT_LIST
    ["=x", "drugs", "law", "job_offer", "drugs"],
]
MATERIALS = [
    [{"name": "Tờ rơi, áp phích", "quantity": 200}],
    [],
    [{"name": "=evil"}, {"name": "Băng rôn", "quantity": None}],
    [{"name": "+84 123", "quantity": 2}],
    [{"quantity": 3}, {"name": 'Video "cảnh giác"\nphần 2', "quantity": 0}],
    None,
    [{"name": f"Tờ rơi {i}, loại {i}", "quantity": i} for i in range(6)],
    [{"name": "-1"}, {"name": "2", "quantity": 3}] * 3,
]
PHOTOS = [[], ["a"], ["a", "b", "c"], None]


async def _tricky_sessions(session, w) -> None:
    rows = []
    for i, title in enumerate(TEXTS * 2):
        rows.append(
            {
                "id": uuid.UUID(int=i + 1),
                "team_id": w.team1.id if i % 3 else None,
                "union_unit_id": None if i % 3 else w.grassroots1.id,
                "admin_unit_id": w.ward_a.id if i % 4 else None,
                "held_at": HELD[i % len(HELD)],
                "duration_minutes": None if i % 5 == 0 else -i if i % 7 == 0 else i,
                "title": title,
                "place": TEXTS[(i + 3) % len(TEXTS)] or "Sân, nhà trọ",
                "text_search": "x",
                "topics": TOPICS[i % len(TOPICS)],
                "workers_count": i * 3,
                "landlords_count": i % 4,
                "others_count": 0,
                "materials": MATERIALS[i % len(MATERIALS)],
                "photo_refs": PHOTOS[i % len(PHOTOS)],
                "summary": TEXTS[(i + 11) % len(TEXTS)],
                "recorded_by": w.leader1.id,
                "body_hash": "0" * 64,
                "created_at": HELD[(i + 1) % len(HELD)],
                "updated_at": HELD[0],
                "version": 1,
            }
        )
    await session.execute(insert(AwarenessSession.__table__), rows)


async def _tricky_commendations(session, w) -> None:
    rows = []
    for i, text_ in enumerate(TEXTS):
        team = i % 2 == 0
        rows.append(
            {
                "id": uuid.UUID(int=1000 + i),
                "recipient_kind": "team" if team else ("person" if i % 3 else "=other"),
                "team_id": w.team1.id if team else None,
                "union_unit_id": None if team else w.grassroots1.id,
                "person_name": None if team else text_,
                "person_title": TEXTS[(i + 5) % len(TEXTS)],
                "recipient_search": "x",
                "level": ["national", "commune", "+84 1", "unknown"][i % 4],
                "form": TEXTS[(i + 7) % len(TEXTS)] or "Bằng khen",
                "decision_number": f"{i}/QĐ-LĐLĐ" if i % 5 else "-12",
                "decided_on": date(2026, 1 + i % 12, 1 + i % 28),
                "issuing_body": "LĐLĐ, Thành phố",
                "reason": text_ or "Thành tích",
                "recorded_by": w.leader1.id,
                "created_at": HELD[0],
                "updated_at": HELD[0],
                "version": 1,
            }
        )
    await session.execute(insert(Commendation.__table__), rows)


async def _python_file(factory, stmt, columns, lang) -> bytes:
    chunks = csv_chunks(stream_rows(factory, stmt), columns, lang, ExportStats())
    return b"".join([c async for c in chunks])


async def _copy_file(factory, stmt, columns, lang) -> bytes:
    copy = export_pg.copy_select(stmt, columns, lang)
    assert copy is not None
    stats = ExportStats()
    body = b"".join([c async for c in copy_chunks(factory, copy, columns, lang, stats)])
    assert stats.rows == body.count(b"\r\n") - 1 - sum(
        line.count(b"\r\n") for line in body.split(b'"')[1::2]
    )
    return body


TITLE_LABELS = {
    "=1+2": ("=nhãn", "=label"),
    "Tiếng Việt có dấu, dấu phẩy": ("Nhãn, có phẩy", "Label, comma"),
    "-": ("+84 1", "-x"),
}


def _mixed_query():
    s = AwarenessSession
    return (
        select(
            s.title,
            s.title.label("title_label"),
            s.place,
            (s.workers_count > 10).label("big"),
            case((s.workers_count > 30, True), (s.workers_count < 10, False)).label("maybe"),
            cast(s.held_at, Date).label("day"),
            s.held_at,
            s.duration_minutes,
            s.topics,
            s.id,
        )
        .where(text("true"))
        .order_by(s.held_at, s.id)
    )


MIXED_COLUMNS = [
    Column("title", "Tiêu đề", "Title"),
    Column("title_label", "Nhãn", "Label", format=labels(TITLE_LABELS)),
    Column("place", "Địa điểm", "Place"),
    Column("big", "Đông", "Big"),
    Column("maybe", "Có lẽ", "Maybe"),
    Column("day", "Ngày", "Day"),
    Column("held_at", "Lúc", "At"),
    Column("duration_minutes", "Phút", "Minutes"),
    Column("topics", "Chủ đề", "Topics", format=labels({"law": ("Pháp luật", "Law")})),
    Column("id", "Mã", "Id"),
]


async def test_copy_path_writes_the_python_path_bytes_for_tricky_rows(app, session):
    w = await make_world(session)
    await _tricky_sessions(session, w)
    await _tricky_commendations(session, w)
    await session.commit()
    factory = app.state.session_factory
    async with factory() as s:
        awareness_columns = await _export_columns(s)
        teams = await teams_query(s, q=None, status=None, union_unit_id=None, admin_unit_id=None)
    cases = [
        (await export_query([]), awareness_columns),
        (_mixed_query(), MIXED_COLUMNS),
        (await commendations_query([]), COMMENDATION_COLUMNS),
        (teams, TEAM_COLUMNS),
    ]
    for stmt, columns in cases:
        for lang in ("vi", "en"):
            expected = await _python_file(factory, stmt, columns, lang)
            assert expected.count(b"\r\n") > (2 if columns is TEAM_COLUMNS else len(TEXTS))
            got = await _copy_file(factory, stmt, columns, lang)
            assert got == expected, (lang, _first_difference(got, expected))


def _first_difference(got: bytes, expected: bytes) -> tuple[bytes, bytes]:
    at = next(
        (i for i, (a, b) in enumerate(zip(got, expected, strict=False)) if a != b),
        min(len(got), len(expected)),
    )
    return got[max(0, at - 60) : at + 60], expected[max(0, at - 60) : at + 60]


async def test_scope_filters_and_parameters_are_the_statements_own(app, session):
    w = await make_world(session)
    await _tricky_sessions(session, w)
    await bulk_sessions(session, team=w.team2, user=w.leader2, n=50)
    await session.commit()
    factory = app.state.session_factory
    async with factory() as s:
        subject = await load_subject(s, w.officer1)
        columns = await _export_columns(s)
        stmt = scoped(
            await export_query([AwarenessSession.title != "=1+2"]), subject, AwarenessSession
        )
    everything = await _python_file(factory, await export_query([]), columns, "vi")
    for lang in ("vi", "en"):
        expected = await _python_file(factory, stmt, columns, lang)
        assert await _copy_file(factory, stmt, columns, lang) == expected
        # team2's sessions are outside the officer's scope; the filter drops 2 titles (and NULLs)
        assert "Tân Thuận Đông".encode() not in expected
        assert expected.count(b"\n") < everything.count(b"\n") - 50


async def test_small_exports_take_the_row_path_large_ones_copy(app, session, monkeypatch):
    # Compiling the rendered statement costs more than a small file's rows: PostgreSQL's
    # estimate picks the path, and either path writes the same bytes.
    w = await make_world(session)
    await _tricky_sessions(session, w)
    await session.commit()
    factory = app.state.session_factory
    async with factory() as s:
        columns = await _export_columns(s)
    stmt = await export_query([])
    expected = await _python_file(factory, stmt, columns, "vi")
    taken = []

    async def rows():
        taken.append("rows")
        async for chunk in csv_chunks(stream_rows(factory, stmt), columns, "vi", ExportStats()):
            yield chunk

    async def whole() -> bytes:
        chunks = csv_by_size(factory, stmt, columns, "vi", ExportStats(), rows)
        return b"".join([c async for c in chunks])

    assert await export_copy.estimated_rows(factory, stmt) < export_copy.COPY_MIN_ROWS
    assert await whole() == expected and taken == ["rows"]
    monkeypatch.setattr(export_copy, "COPY_MIN_ROWS", 0)  # as if PostgreSQL expected many
    assert await whole() == expected and taken == ["rows"]  # by COPY this time


async def test_which_exports_take_the_copy_path(app, session):
    w = await make_world(session)
    await session.commit()
    async with app.state.session_factory() as s:
        subject = await load_subject(s, w.officer1)
        awareness = await _export_columns(s)
        houses = scoped(await houses_query(s, subject), subject, BoardingHouse)
    assert export_pg.copy_select(await export_query([]), awareness, "vi") is not None
    assert (
        export_pg.copy_select(await commendations_query([]), COMMENDATION_COLUMNS, "en") is not None
    )
    # lat/lon are floats (Python and PostgreSQL write them differently); phones are sealed
    assert export_pg.copy_select(houses, HOUSE_COLUMNS, "vi") is None
    # a lone column: csv.writer quotes a lone empty field, PostgreSQL would not
    assert export_pg.copy_select(await export_query([]), awareness[:1], "vi") is None


def test_line_ends_become_crlf_outside_quotes_only_across_pieces():
    data = b'a,"x\ny ""q"" ,\n",b\nc,d\n"\n",e\n'
    expected = b'a,"x\ny ""q"" ,\n",b\r\nc,d\r\n"\n",e\r\n'
    for cut in range(len(data) + 1):
        ends = LineEnds()
        assert ends(data[:cut]) + ends(data[cut:]) == expected, cut
        assert ends.rows == 3 and not ends.inside


async def test_a_client_that_hangs_up_leaves_no_copy_running(app, session, monkeypatch):
    # the COPY path whatever PostgreSQL estimates for a table it has not analysed yet
    monkeypatch.setattr(export_copy, "COPY_MIN_ROWS", 0)
    w = await make_world(session)
    await bulk_sessions(session, team=w.team1, user=w.leader1, n=20000, lean=True)
    await session.commit()
    out = await stream_get(
        app,
        "/api/v1/awareness-sessions/export",
        headers=auth(app, w.admin),
        hang_up_after_first_chunk=True,
    )
    assert out.status == 200 and out.chunks == 1
    # a COPY still sending, or sent and left in its transaction, is a busy connection
    running = (
        "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'COPY%' AND state <> 'idle'"
        " AND datname = current_database()"
    )
    for _ in range(50):
        if not await session.scalar(text(running)):
            break
        await asyncio.sleep(0.02)
    assert await session.scalar(text(running)) == 0
    # nor a task of ours still holding the driver connection
    copying = [
        t
        for t in asyncio.all_tasks()
        if t.get_coro().__qualname__ == "copy_chunks.<locals>.copy" and not t.done()
    ]
    assert not copying
    # every connection of the pool answers again
    factory = app.state.session_factory
    for _ in range(3):
        async with factory() as s:
            assert await s.scalar(select(1)) == 1

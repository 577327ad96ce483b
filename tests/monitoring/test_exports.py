"""Exports: BOM and Vietnamese in CSV, XLSX that opens, headers by language, local times,
scope, filters, audit, CSV-injection quoting, and the registry lists."""

import csv
import io
import uuid
from datetime import datetime

import openpyxl
from sqlalchemy import select

from backend.models import AuditEvent
from tests.factories import auth
from tests.monitoring.factories import make_house, make_world, session_body
from tests.monitoring.test_commendations import team_award

EXPORT = "/api/v1/awareness-sessions/export"
BOM = b"\xef\xbb\xbf"


def read_csv(content: bytes) -> list[list[str]]:
    assert content.startswith(BOM)
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


async def _with_sessions(app, client, session):
    w = await make_world(session)
    await session.commit()
    h = auth(app, w.leader1)
    await client.put(
        f"/api/v1/awareness-sessions/{uuid.uuid4()}", json=session_body(w.team1), headers=h
    )
    evil = session_body(
        w.team1,
        title='=HYPERLINK("http://evil.example","bấm")',
        topics=["drugs"],
        held_at="2026-11-21T01:15:00Z",
    )
    await client.put(f"/api/v1/awareness-sessions/{uuid.uuid4()}", json=evil, headers=h)
    other = session_body(w.team2, title="Tổ khác")
    await client.put(
        f"/api/v1/awareness-sessions/{uuid.uuid4()}", json=other, headers=auth(app, w.leader2)
    )
    return w


async def test_csv_has_bom_vietnamese_headers_local_times_and_quotes_formulas(app, client, session):
    w = await _with_sessions(app, client, session)
    r = await client.get(EXPORT, headers=auth(app, w.officer1))
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "text/csv; charset=utf-8"
    assert r.headers["content-disposition"].startswith('attachment; filename="tuyen-truyen-')
    rows = read_csv(r.content)
    header, body = rows[0], rows[1:]
    assert header[:6] == [
        "Thời gian (giờ Việt Nam)",
        "Tiêu đề",
        "Địa điểm",
        "Đơn vị tổ chức",
        "Phường/xã",
        "Chủ đề",
    ]
    assert len(body) == 2  # team2's session is outside district 1
    newest, older = body
    assert newest[0] == "21/11/2026 08:15"  # 01:15 UTC is 08:15 in Ho Chi Minh City
    assert newest[1] == '\'=HYPERLINK("http://evil.example","bấm")'  # never a formula
    assert older[0] == "20/11/2026 19:30"
    assert older[1] == "Phòng chống mua bán người"
    assert older[3] == "Tổ tự quản Khu phố 6" and older[4] == "Phường Linh Trung"
    assert older[5] == "Lừa tuyển dụng, xuất khẩu lao động; Môi giới kết hôn với người nước ngoài"
    assert older[6:9] == ["45", "3", "0"]
    assert "Tờ rơi cảnh giác lừa đảo việc làm (200)" in older
    assert older[11] == "2"  # photo references


async def test_english_headers_and_xlsx(app, client, session):
    w = await _with_sessions(app, client, session)
    h = {**auth(app, w.city_officer), "Accept-Language": "en-US,en;q=0.9"}
    rows = read_csv((await client.get(EXPORT, headers=h)).content)
    assert rows[0][:3] == ["Time (Vietnam)", "Title", "Place"]
    assert rows[-1][0] == "2026-11-20 19:30"
    assert len(rows) == 4  # the city sees all three

    r = await client.get(EXPORT, params={"format": "xlsx"}, headers=auth(app, w.officer1))
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
    book = openpyxl.load_workbook(io.BytesIO(r.content), read_only=True)
    sheet = book["Tuyên truyền"]
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][:2] == ("Thời gian (giờ Việt Nam)", "Tiêu đề")
    assert len(values) == 3
    assert values[2][0] == datetime(2026, 11, 20, 19, 30)  # a real date cell, local time
    assert values[1][1].startswith("=HYPERLINK")  # stored as text, not as a formula
    assert values[2][6] == 45


async def test_export_scope_filters_and_audit(app, client, session):
    w = await _with_sessions(app, client, session)
    for user, expected in [(w.leader1, 2), (w.officer2, 1), (w.police_b, 1), (w.leader2, 1)]:
        rows = read_csv((await client.get(EXPORT, headers=auth(app, user))).content)
        assert len(rows) - 1 == expected, user.role
    r = await client.get(
        EXPORT, params={"topic": "drugs", "held_from": "2026-11-21"}, headers=auth(app, w.admin)
    )
    assert len(read_csv(r.content)) == 2

    events = (
        await session.scalars(
            select(AuditEvent)
            .where(AuditEvent.actor_id == w.admin.id, AuditEvent.object_type == "awareness_session")
            .order_by(AuditEvent.id)
        )
    ).all()
    start, done = [e for e in events if e.action.startswith("awareness_session.export")]
    assert start.action == "awareness_session.export"
    assert start.detail["filters"] == {"topic": "drugs", "held_from": "2026-11-21"}
    assert start.detail["format"] == "csv" and start.detail["lang"] == "vi"
    assert done.action == "awareness_session.export.completed"
    assert done.detail["row_count"] == 1 and done.detail["export_event_id"] == start.id
    assert done.request_id == start.request_id


async def test_export_bad_input_and_auth(app, client, session):
    w = await _with_sessions(app, client, session)
    r = await client.get(EXPORT, params={"format": "pdf"}, headers=auth(app, w.admin))
    assert r.status_code == 422 and r.json()["code"] == "validation_error"
    r = await client.get(EXPORT, params={"held_from": "hôm qua"}, headers=auth(app, w.admin))
    assert r.status_code == 422
    assert (await client.get(EXPORT)).status_code == 401


async def test_registry_and_commendation_exports(app, client, session):
    w = await make_world(session)
    await make_house(session, ward=w.ward_a, team=w.team1)
    await make_house(session, ward=w.ward_b, team=w.team2)
    await session.commit()

    r = await client.get("/api/v1/exports/houses", headers=auth(app, w.officer1))
    assert r.status_code == 200, r.text
    rows = read_csv(r.content)
    assert rows[0][:4] == ["Mã nhà trọ", "Tên nhà trọ", "Địa chỉ", "Phường/xã"]
    assert len(rows) == 2
    assert rows[1][3] == "Phường Linh Trung"
    # A union's file, like its map feed, names no landlord and gives no landlord's number.
    assert "Chủ nhà trọ" not in rows[0] and "Điện thoại chủ nhà" not in rows[0]
    assert not any("+8498" in cell for cell in rows[1])
    assert rows[1][10] == "Đang hoạt động"
    assert not any("checkpoint" in h.lower() for h in rows[0])

    # The ward's police liaison works with landlords: their file has the contact.
    r = await client.get("/api/v1/exports/houses", headers=auth(app, w.police_a))
    rows = read_csv(r.content)
    assert rows[0][5:7] == ["Chủ nhà trọ", "Điện thoại chủ nhà"]
    assert rows[1][6] == "+84981234567"  # a phone number is not mistaken for a formula
    assert rows[1][12] == "Đang hoạt động"

    r = await client.get("/api/v1/exports/teams", headers=auth(app, w.officer2))
    rows = read_csv(r.content)
    assert len(rows) == 2
    assert rows[1][1:4] == ["Tổ tự quản Tân Thuận Đông", "CĐCS Tân Thuận", "Phường Tân Thuận"]
    assert rows[1][6:8] == ["1", "1"]  # one member, one house
    r = await client.get(
        "/api/v1/exports/teams", params={"format": "xlsx"}, headers=auth(app, w.police_a)
    )
    sheet = openpyxl.load_workbook(io.BytesIO(r.content), read_only=True)["Tổ tự quản"]
    assert [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)] == [
        "Tổ tự quản Khu phố 6"
    ]

    await client.post(
        "/api/v1/commendations", json=team_award(w.team1), headers=auth(app, w.officer1)
    )
    r = await client.get(
        "/api/v1/commendations/export",
        headers={**auth(app, w.leader1), "Accept-Language": "en"},
    )
    rows = read_csv(r.content)
    assert rows[0][:3] == ["Decision date", "Decision number", "Level"]
    assert rows[1][:3] == ["2026-09-02", "1234/QĐ-UBND", "Province or city"]
    assert rows[1][6] == "Tổ tự quản Khu phố 6" and rows[1][9] == "CĐCS Linh Trung"
    r = await client.get("/api/v1/commendations/export", headers=auth(app, w.leader2))
    assert len(read_csv(r.content)) == 1  # headers only

"""Houses import: dry runs that locate every problem, all-or-nothing runs, idempotent re-imports,
headers in both languages, CSV (with BOM, with semicolons) and XLSX."""

from datetime import datetime

from sqlalchemy import func, select

from backend.models import AuditEvent, BoardingHouse, HouseEmployer, RegistryChange, TeamHouse
from tests.imports.helpers import (
    HOUSE_HEADERS,
    csv_bytes,
    house_row,
    located,
    post_import,
    xlsx_bytes,
)


async def count(session, model, *where) -> int:
    return await session.scalar(select(func.count()).select_from(model).where(*where))


async def test_dry_run_reports_every_problem_by_row_and_column(app, client, session, world):
    w = world
    rows = [
        house_row("IMP-OK", w.ward_a),  # row 2: fine
        house_row("IMP-PHONE", w.ward_a, phone="12345"),  # row 3: bad phone (G)
        house_row("IMP-WARD", w.ward_a),  # row 4: unknown ward (D)
        house_row("IMP-OK", w.ward_a),  # row 5: duplicate of row 2 (A)
        house_row("IMP-FAR", w.ward_a, lat=13.75, lon=100.5),  # row 6: Bangkok (E and F)
        house_row("IMP-SWAP", w.ward_a, lat=106.75, lon=10.90),  # row 7: swapped
        ["IMP-NONAME", None, "1 đường A", w.ward_a.code, 10.9, 106.75, None, "mười"],  # row 8
    ]
    rows[2][3] = "KHONG-CO"
    before = await count(session, BoardingHouse)
    r = await post_import(
        client, app, w.admin, "houses", csv_bytes(HOUSE_HEADERS, rows), dry_run=True
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["ok"] is False and body["dry_run"] is True and body["rows"] == 7
    assert located(body) == {
        (3, "G", "invalid_phone"),
        (4, "D", "unknown_unit"),
        (5, "A", "duplicate_in_file"),
        (6, "E", "outside_vietnam"),
        (6, "F", "outside_vietnam"),
        (7, "E", "outside_vietnam"),
        (7, "F", "outside_vietnam"),
        (8, "B", "required"),
        (8, "H", "not_a_count"),
    }
    assert body["errors_total"] == 9
    ward = next(e for e in body["errors"] if e["row"] == 4)
    assert ward["header"] == "Mã phường/xã" and ward["value"] == "KHONG-CO"
    assert ward["field"] == "admin_unit_code" and "Đơn vị không tồn tại" in ward["message"]
    swapped = next(e for e in body["errors"] if e["row"] == 7)
    assert "đảo" in swapped["message"]  # the hint that lat and lon look swapped
    assert body["created"] == 1  # the one good row would be created
    assert await count(session, BoardingHouse) == before  # a dry run changes nothing


async def test_a_file_with_one_bad_row_writes_nothing(app, client, session, world):
    w = world
    rows = [house_row(f"IMP-{i}", w.ward_a) for i in range(5)]
    rows.append(house_row("IMP-BAD", w.ward_a, phone="không có"))
    houses = await count(session, BoardingHouse)
    changes = await count(session, RegistryChange)
    audits = await count(session, AuditEvent)
    r = await post_import(client, app, w.admin, "houses", csv_bytes(HOUSE_HEADERS, rows))
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    problem = r.json()
    assert problem["code"] == "import_failed" and problem["ok"] is False
    assert located(problem) == {(7, "G", "invalid_phone")}
    assert problem["created"] == 5  # what would have been done without the bad row
    session.expire_all()
    assert await count(session, BoardingHouse) == houses
    assert await count(session, RegistryChange) == changes
    assert await count(session, AuditEvent) == audits


async def test_a_row_failing_inside_a_service_rolls_back_the_rows_before_it(
    app, client, session, world
):
    """A problem found only while writing (scope) still leaves nothing behind."""
    w = world
    rows = [house_row("IMP-X1", w.ward_a), house_row("IMP-X2", w.ward_b, lat=10.97, lon=106.80)]
    r = await post_import(client, app, w.officer_x, "houses", csv_bytes(HOUSE_HEADERS, rows))
    assert r.status_code == 422, r.text
    assert located(r.json()) == {(3, None, "out_of_scope")}
    session.expire_all()
    assert await count(session, BoardingHouse, BoardingHouse.code.like("IMP-X%")) == 0


async def test_reimport_updates_by_code_instead_of_duplicating(app, client, session, world):
    w = world
    site_a_id, admin_id = w.site_a.id, w.admin.id
    rows = [house_row(f"IMP-{i}", w.ward_a) for i in range(4)]
    data = csv_bytes(HOUSE_HEADERS, rows)
    first = await post_import(client, app, w.admin, "houses", data)
    assert first.status_code == 200, first.text
    assert (first.json()["created"], first.json()["updated"], first.json()["unchanged"]) == (
        4,
        0,
        0,
    )
    again = await post_import(client, app, w.admin, "houses", data)
    assert (again.json()["created"], again.json()["updated"], again.json()["unchanged"]) == (
        0,
        0,
        4,
    )
    rows[2][1] = "Nhà trọ đổi tên"
    rows[3][7] = 25
    edited = await post_import(client, app, w.admin, "houses", csv_bytes(HOUSE_HEADERS, rows))
    assert (edited.json()["created"], edited.json()["updated"], edited.json()["unchanged"]) == (
        0,
        2,
        2,
    )
    session.expire_all()
    assert await count(session, BoardingHouse, BoardingHouse.code.like("IMP-%")) == 4
    house = (
        await session.scalars(select(BoardingHouse).where(BoardingHouse.code == "IMP-2"))
    ).one()
    assert house.name == "Nhà trọ đổi tên" and house.version == 2
    assert house.site_id == site_a_id and house.landlord_phone == "+84912345678"
    imports = (
        await session.scalars(
            select(AuditEvent).where(AuditEvent.action == "registry.import").order_by(AuditEvent.id)
        )
    ).all()
    assert [(e.detail["created"], e.detail["updated"], e.detail["unchanged"]) for e in imports] == [
        (4, 0, 0),
        (0, 0, 4),
        (0, 2, 2),
    ]
    assert imports[0].actor_id == admin_id and imports[0].detail["kind"] == "houses"
    per_object = await count(
        session,
        AuditEvent,
        AuditEvent.action.in_(["boarding_house.create", "boarding_house.update"]),
    )
    assert per_object >= 4 + 2


async def test_headers_without_diacritics_in_english_and_any_case(app, client, session, world):
    w = world
    folded = ["ma nha tro", "TEN NHA TRO", "Dia chi", "ma_phuong_xa", "vi do", "kinh do"]
    english = ["Code", "name", "ADDRESS", "Ward code", "latitude", "Longitude"]
    for headers, code in ((folded, "IMP-F"), (english, "IMP-E")):
        row = house_row(code, w.ward_a)[:6]
        r = await post_import(client, app, w.admin, "houses", csv_bytes(headers, [row]))
        assert r.status_code == 200, r.text
        assert r.json()["created"] == 1
    extra = [*HOUSE_HEADERS, "STT", "Cột lạ"]
    r = await post_import(
        client,
        app,
        w.admin,
        "houses",
        csv_bytes(extra, [[*house_row("IMP-W", w.ward_a), 1, "x"]]),
        dry_run=True,
    )
    assert [(x["column"], x["code"]) for x in r.json()["warnings"]] == [("J", "unknown_column")]


async def test_csv_with_bom_and_semicolons_and_xlsx_with_typed_cells(app, client, session, world):
    w = world
    bom = csv_bytes(HOUSE_HEADERS, [house_row("IMP-BOM", w.ward_a)], bom=True, sep=";")
    r = await post_import(client, app, w.admin, "houses", bom)
    assert r.status_code == 200, r.text
    assert r.json()["file_format"] == "csv" and r.json()["created"] == 1
    # XLSX as Excel types it: the phone became a number (its leading zero lost), counts are
    # floats; the file name says .csv, the bytes say XLSX.
    row = house_row("IMP-XLSX", w.ward_a, phone=912345678)
    row[7] = 12.0
    r = await post_import(
        client, app, w.admin, "houses", xlsx_bytes(HOUSE_HEADERS, [row]), name="nha-tro.csv"
    )
    assert r.status_code == 200, r.text
    assert r.json()["file_format"] == "xlsx" and r.json()["created"] == 1
    house = (
        await session.scalars(select(BoardingHouse).where(BoardingHouse.code == "IMP-XLSX"))
    ).one()
    assert house.landlord_phone == "+84912345678" and house.rooms == 12
    # Vietnamese decimal commas in a semicolon CSV.
    comma = csv_bytes(
        HOUSE_HEADERS, [house_row("IMP-VN", w.ward_a, lat="10,9001", lon="106,7501")], sep=";"
    )
    r = await post_import(client, app, w.admin, "houses", comma)
    assert r.json()["created"] == 1, r.text
    # Excel's "sep=" hint line is honoured and does not count as a row.
    bad = house_row("IMP-SEP", w.ward_a, phone="1")
    hinted = b"sep=;\r\n" + csv_bytes(HOUSE_HEADERS, [bad], sep=";")
    r = await post_import(client, app, w.admin, "houses", hinted, dry_run=True)
    assert located(r.json()) == {(2, "G", "invalid_phone")}


async def test_teams_and_employers_columns(app, client, session, world):
    w = world
    headers = [*HOUSE_HEADERS, "Mã tổ tự quản", "MST doanh nghiệp", "Trạng thái"]
    row = [*house_row("IMP-T", w.ward_a), w.team_a.code, w.e_a.tax_code, "da dong"]
    r = await post_import(client, app, w.officer_x, "houses", csv_bytes(headers, [row]))
    assert r.status_code == 200, r.text
    house = (
        await session.scalars(select(BoardingHouse).where(BoardingHouse.code == "IMP-T"))
    ).one()
    assert house.status == "closed"
    assert await count(session, TeamHouse, TeamHouse.house_id == house.id) == 1
    assert await count(session, HouseEmployer, HouseEmployer.house_id == house.id) == 1
    again = await post_import(client, app, w.officer_x, "houses", csv_bytes(headers, [row]))
    assert again.json()["unchanged"] == 1
    # Team B is another union's: officer X cannot see it, nor put a house on its list.
    bad = [*house_row("IMP-T2", w.ward_a), w.team_b.code, "0123", "mở cửa"]
    r = await post_import(
        client, app, w.officer_x, "houses", csv_bytes(headers, [bad]), dry_run=True
    )
    assert located(r.json()) == {
        (2, "I", "unknown_team"),
        (2, "J", "invalid_tax_code"),
        (2, "K", "not_allowed"),
    }


async def test_dates_in_xlsx_cells_do_not_break_text_columns(app, client, session, world):
    """A date typed into a text column is reported, not a 500."""
    w = world
    row = house_row("IMP-D", w.ward_a)
    row[1] = datetime(2025, 1, 2)
    r = await post_import(client, app, w.admin, "houses", xlsx_bytes(HOUSE_HEADERS, [row]))
    assert r.status_code == 200, r.text

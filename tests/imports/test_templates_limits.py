"""Templates that open in openpyxl and import back once filled; file limits and types; who may
import at all."""

import csv
import io
import json

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from backend.imports.reader import MAX_ROWS
from backend.models import BoardingHouse, UnionUnit
from tests.factories import auth
from tests.factories_registry import square
from tests.imports.helpers import HOUSE_HEADERS, csv_bytes, house_row, post_import, xlsx_bytes

KINDS = ("sites", "houses", "teams", "members")


@pytest.mark.parametrize("kind", KINDS)
async def test_templates_open_and_name_every_column(app, client, world, kind):
    h = auth(app, world.admin)
    r = await client.get(f"/api/v1/imports/templates/{kind}.xlsx", headers=h)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in r.headers["content-disposition"]
    book = load_workbook(io.BytesIO(r.content))
    data, guide = book.worksheets
    headers = [c.value for c in data[1]]
    assert headers[0].startswith("Mã") and all(headers)
    assert data.cell(2, 1).value.startswith("#") and data.cell(3, 1).value.startswith("#")
    assert guide.title == "Hướng dẫn"
    r = await client.get(f"/api/v1/imports/templates/{kind}.csv", headers=h)
    assert r.status_code == 200
    assert r.content.startswith(b"\xef\xbb\xbf")  # a BOM: Excel then reads it as UTF-8
    lines = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert lines[0] == headers and len(lines) == 3
    # An untouched template is a file without data, said so clearly.
    r = await post_import(client, app, world.admin, kind, r.content, dry_run=True)
    assert r.status_code == 422 and r.json()["code"] == "empty_file"


async def _template(client, app, user, kind: str):
    r = await client.get(f"/api/v1/imports/templates/{kind}.xlsx", headers=auth(app, user))
    return load_workbook(io.BytesIO(r.content))


def _filled(book, rows) -> bytes:
    sheet = book.worksheets[0]
    headers = [c.value for c in sheet[1]]
    for values in rows:
        sheet.append([values.get(h.rstrip(" *"), None) for h in headers])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def test_filled_templates_import_back_cleanly(app, client, session, world):
    w = world
    cdcs = await session.get(UnionUnit, w.team_a.union_unit_id)
    site = {
        "Mã khu": "TPL-KCN",
        "Tên khu": "KCN mẫu",
        "Loại khu": "KCN",
        "Ranh giới": json.dumps(square(106.60, 10.80)),
        "Mã phường/xã": w.ward_a.code,
    }
    team = {
        "Mã tổ": "TPL-TO",
        "Tên tổ": "Tổ mẫu",
        "Mã công đoàn cơ sở": cdcs.code,
        "Mã phường/xã": w.ward_a.code,
        "Trạng thái": "hoạt động",
        "Ghi vết GPS": "có",
    }
    house = {
        "Mã nhà trọ": "0042",  # a code with a leading zero stays text
        "Tên nhà trọ": "Nhà trọ mẫu",
        "Địa chỉ": "1 đường Mẫu",
        "Mã phường/xã": w.ward_a.code,
        "Vĩ độ": 10.8001,
        "Kinh độ": 106.6001,
        "SĐT chủ nhà trọ": "0912345678",
        "Trạng thái": "đang hoạt động",
        "Mã tổ tự quản": "TPL-TO",
    }
    member = {"Mã tổ": "TPL-TO", "Họ và tên": "Người Mẫu", "Vai trò": "tổ trưởng"}
    for kind, values in (("sites", site), ("teams", team), ("houses", house), ("members", member)):
        data = _filled(await _template(client, app, w.admin, kind), [values])
        r = await post_import(client, app, w.admin, kind, data, name=f"{kind}.xlsx")
        assert r.status_code == 200, (kind, r.text)
        assert (r.json()["rows"], r.json()["created"], r.json()["warnings"]) == (1, 1, []), kind
    stored = (
        await session.scalars(select(BoardingHouse).where(BoardingHouse.code == "0042"))
    ).one()
    assert stored.status == "active"


async def test_size_row_and_type_limits(app, client, world):
    a = world.admin
    big = b"a" * (5 * 1024 * 1024 + 1)
    r = await post_import(client, app, a, "houses", big, dry_run=True)
    assert r.status_code == 413 and r.json()["code"] == "file_too_large"
    rows = [house_row(f"L-{i}", world.ward_a) for i in range(MAX_ROWS + 1)]
    r = await post_import(client, app, a, "houses", csv_bytes(HOUSE_HEADERS, rows), dry_run=True)
    assert r.status_code == 422 and r.json()["code"] == "too_many_rows"
    assert r.json()["max_rows"] == MAX_ROWS
    legacy = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600
    r = await post_import(client, app, a, "houses", legacy, name="old.xls")
    assert r.status_code == 415 and r.json()["code"] == "xls_not_supported"
    r = await post_import(client, app, a, "houses", b"\x89PNG\r\n\x1a\n\x00\x00", name="x.csv")
    assert r.status_code == 415 and r.json()["code"] == "unsupported_file_type"
    r = await post_import(client, app, a, "houses", b"PK\x03\x04 not really a zip")
    assert r.status_code == 422 and r.json()["code"] == "unreadable_file"
    latin = b"M\xe3 nh\xe0 tr\xf2,T\xean\nA,H\xf2a\n"  # Windows-1258, as old Excel saves
    r = await post_import(client, app, a, "houses", latin)
    assert r.status_code == 422 and r.json()["code"] == "invalid_encoding"
    r = await post_import(client, app, a, "houses", b"  \n\n")
    assert r.status_code == 422 and r.json()["code"] == "empty_file"
    r = await post_import(client, app, a, "houses", csv_bytes(["Mã nhà trọ", "Tên"], [["A", "B"]]))
    assert r.status_code == 422 and r.json()["code"] == "invalid_header"
    missing = {(e["header"], e["code"]) for e in r.json()["errors"]}
    assert ("Địa chỉ", "missing_columns") in missing and ("Vĩ độ", "missing_columns") in missing
    twice = csv_bytes(["Mã nhà trọ", "code", "Tên"], [["A", "B", "C"]])
    r = await post_import(client, app, a, "houses", twice)
    assert ("B", "duplicate_column") in {(e["column"], e["code"]) for e in r.json()["errors"]}
    r = await client.post(
        "/api/v1/imports/boats", headers=auth(app, a), files={"file": ("x", b"x")}
    )
    assert r.status_code == 422


async def test_an_xlsx_with_many_rows_reads_in_read_only_mode(app, client, session, world):
    rows = [house_row(f"XL-{i}", world.ward_a) for i in range(300)]
    r = await post_import(
        client, app, world.admin, "houses", xlsx_bytes(HOUSE_HEADERS, rows), dry_run=True
    )
    assert r.status_code == 200, r.text
    assert (r.json()["rows"], r.json()["created"], r.json()["ok"]) == (300, 300, True)
    count = await session.scalar(
        select(func.count()).select_from(BoardingHouse).where(BoardingHouse.code.like("XL-%"))
    )
    assert count == 0


@pytest.mark.parametrize("role", ["team_leader", "team_member", "police_liaison"])
async def test_only_registry_writers_may_import_or_fetch_templates(app, client, world, role):
    user = {"team_leader": world.leader_a, "team_member": world.member_a}.get(role, world.police_a)
    r = await client.get("/api/v1/imports/templates/houses.xlsx", headers=auth(app, user))
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    data = csv_bytes(HOUSE_HEADERS, [house_row("P-1", world.ward_a)])
    r = await post_import(client, app, user, "houses", data)
    assert r.status_code == 403
    r = await client.get("/api/v1/imports/templates/houses.csv")
    assert r.status_code == 401


async def test_an_officer_imports_only_inside_their_subtree(app, client, session, world):
    """Rows outside the officer's scope are errors of those rows, as single writes would be."""
    w = world
    rows = [
        house_row("S-MINE", w.ward_a),  # in site A: union X's
        house_row("S-THEIRS", w.ward_b, lat=10.9701, lon=106.8001),  # in site B: union Y's
        house_row(w.h_b1.code, w.ward_b, lat=10.97, lon=106.80),  # exists, Y's: not visible
        house_row(w.h_a1.code, w.ward_a),  # exists, X's: an update
    ]
    r = await post_import(
        client, app, w.officer_x, "houses", csv_bytes(HOUSE_HEADERS, rows), dry_run=True
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert {(e["row"], e["column"], e["code"]) for e in body["errors"]} == {
        (3, None, "out_of_scope"),
        (4, "A", "code_taken"),
    }
    assert (body["created"], body["updated"]) == (1, 1)
    # The same file is fine for the officer of union Y for its own rows only, mirrored.
    r = await post_import(
        client, app, w.officer_y, "houses", csv_bytes(HOUSE_HEADERS, rows), dry_run=True
    )
    assert {(e["row"], e["code"]) for e in r.json()["errors"]} == {
        (2, "out_of_scope"),
        (5, "code_taken"),
    }


def test_no_header_names_two_columns():
    from backend.imports.kinds import HANDLERS

    for kind, handler in HANDLERS.items():
        owners: dict[str, str] = {}
        for column in handler.columns:
            for key in column.header_keys():
                assert owners.setdefault(key, column.field) == column.field, (kind, key)

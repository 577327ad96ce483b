"""Sites, teams and members imports: polygons, unit codes, roles in Vietnamese, re-imports."""

import json

from sqlalchemy import select

from backend.core import pii
from backend.models import BoardingHouse, Site, Team, TeamMember, UnionUnit
from tests.factories import make_user
from tests.factories_registry import offset, square
from tests.imports.helpers import csv_bytes, located, post_import, xlsx_bytes

SITE_HEADERS = ["Mã khu", "Tên khu", "Loại khu", "Ranh giới", "Mã phường/xã", "Mã công đoàn"]
TEAM_HEADERS = ["Mã tổ", "Tên tổ", "Mã công đoàn cơ sở", "Mã phường/xã", "Ngày thành lập"]
MEMBER_HEADERS = ["Mã tổ", "Họ và tên", "Số điện thoại", "Vai trò", "Từ ngày"]

FAR_WEST = (106.60, 10.90)  # ~16 km west of the world's site A: no house near it


def wkt(geojson: dict) -> str:
    ring = ", ".join(f"{x} {y}" for x, y in geojson["coordinates"][0])
    return f"POLYGON (({ring}))"


async def test_sites_bad_polygons_are_located_and_good_ones_import(app, client, session, world):
    w = world
    bow_tie = {
        "type": "Polygon",
        "coordinates": [
            [[106.6, 10.9], [106.61, 10.91], [106.61, 10.9], [106.6, 10.91], [106.6, 10.9]]
        ],
    }
    west = json.dumps(square(*FAR_WEST))
    rows = [
        ["IMP-KCN-1", "KCN Một", "KCN", west, w.ward_a.code, w.union_x.code],
        ["IMP-KCN-2", "KCX Hai", "khu che xuat", wkt(square(106.62, 10.95)), "", ""],
        ["IMP-KCN-3", "Tự cắt", "KCN", json.dumps(bow_tie), "", ""],
        ["IMP-KCN-4", "Bangkok", "KCN", json.dumps(square(100.5, 13.75)), "", ""],
        ["IMP-KCN-5", "Sai loại", "sân bay", "{không phải json", "P-KHONG", "CD-KHONG"],
    ]
    r = await post_import(
        client, app, w.admin, "sites", csv_bytes(SITE_HEADERS, rows), dry_run=True
    )
    assert r.status_code == 200, r.text
    assert located(r.json()) == {
        (4, "D", "invalid_polygon"),
        (5, "D", "outside_vietnam"),
        (6, "C", "not_allowed"),
        (6, "D", "invalid_geometry"),
        (6, "E", "unknown_unit"),
        (6, "F", "unknown_unit"),
    }
    r = await post_import(client, app, w.admin, "sites", csv_bytes(SITE_HEADERS, rows[:2]))
    assert r.status_code == 200, r.text
    assert r.json()["created"] == 2
    site = (await session.scalars(select(Site).where(Site.code == "IMP-KCN-2"))).one()
    assert site.kind == "export_processing_zone" and site.boundary["type"] == "Polygon"
    again = await post_import(client, app, w.admin, "sites", csv_bytes(SITE_HEADERS, rows[:2]))
    assert again.json()["unchanged"] == 2, again.text


async def test_a_moved_boundary_updates_the_site_and_its_houses(app, client, session, world):
    w = world
    code = w.site_a.code
    house_id = w.h_far.id
    far = (w.h_far.lon, w.h_far.lat)
    row = [code, w.site_a.name, "KCN", json.dumps(square(*far)), w.ward_a.code, w.union_x.code]
    r = await post_import(client, app, w.city_officer, "sites", csv_bytes(SITE_HEADERS, [row]))
    assert r.status_code == 200, r.text
    assert r.json()["updated"] == 1
    session.expire_all()
    assert (await session.get(BoardingHouse, house_id)).site_id is not None


async def test_union_officers_cannot_import_sites(app, client, session, world):
    row = ["IMP-KCN-X", "KCN", "KCN", json.dumps(square(*FAR_WEST)), "", ""]
    r = await post_import(
        client, app, world.officer_x, "sites", csv_bytes(SITE_HEADERS, [row]), dry_run=True
    )
    assert r.status_code == 403 and r.json()["code"] == "forbidden"


async def test_teams_import_and_reimport(app, client, session, world):
    w = world
    cdcs = await session.get(UnionUnit, w.team_a.union_unit_id)
    rows = [
        ["TTQ-1", "Tổ một", cdcs.code, w.ward_a.code, "15/03/2024"],
        ["TTQ-2", "Tổ hai", cdcs.code, w.ward_a.code, ""],
        ["TTQ-3", "Tổ ba", w.union_y.code, w.ward_a.code, "31/02/2024"],  # not X's; bad date
        ["TTQ-4", "Tổ bốn", cdcs.code, w.ward_a.code, "01/01/2099"],
    ]
    r = await post_import(
        client, app, w.officer_x, "teams", csv_bytes(TEAM_HEADERS, rows), dry_run=True
    )
    assert r.status_code == 200, r.text
    assert located(r.json()) == {(4, "E", "invalid_date"), (5, "E", "date_in_future")}
    r = await post_import(client, app, w.officer_x, "teams", csv_bytes(TEAM_HEADERS, rows[:3]))
    assert r.status_code == 422
    # The union check happens in the teams service: still reported at its row and column.
    assert located(r.json()) == {(4, "E", "invalid_date")}
    rows[2][4] = ""
    r = await post_import(client, app, w.officer_x, "teams", csv_bytes(TEAM_HEADERS, rows[:3]))
    assert located(r.json()) == {(4, "C", "unknown_unit")}
    r = await post_import(client, app, w.officer_x, "teams", csv_bytes(TEAM_HEADERS, rows[:2]))
    assert r.status_code == 200 and r.json()["created"] == 2
    rows[1][1] = "Tổ  hai   mới"
    r = await post_import(client, app, w.officer_x, "teams", csv_bytes(TEAM_HEADERS, rows[:2]))
    assert (r.json()["updated"], r.json()["unchanged"]) == (1, 1)
    team = (await session.scalars(select(Team).where(Team.code == "TTQ-2"))).one()
    assert team.name == "Tổ hai mới"
    # Officer Y cannot see team TTQ-1: its code is taken, as the single create would say.
    r = await post_import(
        client, app, w.officer_y, "teams", csv_bytes(TEAM_HEADERS, [rows[0]]), dry_run=True
    )
    assert located(r.json()) == {(2, "A", "code_taken")}


async def test_members_import_roles_accounts_and_reimport(app, client, session, world):
    w = world
    account = await make_user(session, role="team_member", phone="+84977000111")
    await session.commit()
    code_a, code_b = w.team_a.code, w.team_b.code
    rows = [
        [code_a, "Trần Thị Bình", "0977000111", "tổ viên", "01/06/2025"],
        [code_a, "Lê Văn Cường", "0977000222", "to pho", ""],
        [code_a, "Phạm Dũng", "", "Member", ""],
        [code_a, "Lê Văn Cường", "0977000222", "tổ viên", ""],  # duplicate phone in the team
        [code_a, "Ngô Em", "0977000333", "tổ trưởng", ""],  # team A has a leader already
        [code_b, "Hồ Gia", "0977000444", "", ""],  # team B is not officer X's
        ["KHONG-CO", "Vũ Hà", "0977000555", "", ""],
    ]
    data = xlsx_bytes(MEMBER_HEADERS, rows)
    r = await post_import(client, app, w.officer_x, "members", data, dry_run=True)
    assert r.status_code == 200, r.text
    assert located(r.json()) == {
        (5, "C", "duplicate_in_file"),
        (6, "D", "leader_exists"),
        (7, "A", "unknown_team"),
        (8, "A", "unknown_team"),
    }
    good = xlsx_bytes(MEMBER_HEADERS, rows[:3])
    r = await post_import(client, app, w.officer_x, "members", good)
    assert r.status_code == 200, r.text
    assert r.json()["created"] == 3
    linked = (
        await session.scalars(
            select(TeamMember).where(pii.phone_matches(TeamMember.phone_index, "+84977000111"))
        )
    ).one()
    assert linked.user_id == account.id and linked.role == "member"
    deputy = (
        await session.scalars(
            select(TeamMember).where(pii.phone_matches(TeamMember.phone_index, "+84977000222"))
        )
    ).one()
    assert deputy.role == "deputy"
    r = await post_import(client, app, w.officer_x, "members", good)
    assert (r.json()["created"], r.json()["unchanged"]) == (0, 3), r.text
    rows[2][2] = "0977000666"  # the unnamed member gets a phone: matched by name
    rows[0][3] = "tổ phó"  # a second deputy is allowed
    r = await post_import(client, app, w.officer_x, "members", xlsx_bytes(MEMBER_HEADERS, rows[:3]))
    assert (r.json()["created"], r.json()["updated"], r.json()["unchanged"]) == (0, 2, 1), r.text
    session.expire_all()
    dung = (
        await session.scalars(select(TeamMember).where(TeamMember.full_name == "Phạm Dũng"))
    ).one()
    assert dung.phone == "+84977000666"


async def test_team_leaders_and_members_cannot_import(app, client, session, world):
    row = [world.team_a.code, "Tên", "0977000999", "", ""]
    for user in (world.leader_a, world.member_a, world.police_a):
        r = await post_import(client, app, user, "members", csv_bytes(MEMBER_HEADERS, [row]))
        assert r.status_code == 403, r.text


async def test_the_house_in_reach_of_a_new_site_follows_it(app, client, session, world):
    """Creating a site by import re-assigns nearby houses, as the single create does."""
    w = world
    lon, lat = offset(w.h_far.lon, w.h_far.lat, east_m=100)
    house_id = w.h_far.id
    row = ["IMP-KCN-NEW", "KCN mới", "CCN", json.dumps(square(lon, lat, 300)), "", ""]
    r = await post_import(client, app, w.admin, "sites", csv_bytes(SITE_HEADERS, [row]))
    assert r.status_code == 200, r.text
    session.expire_all()
    site = (await session.scalars(select(Site).where(Site.code == "IMP-KCN-NEW"))).one()
    assert (await session.get(BoardingHouse, house_id)).site_id == site.id

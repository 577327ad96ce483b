"""Administration lists and pickers at a city's size: whatever sorts after the first page is one
search away (the forms capped their pickers at 1,000 by name: at 2,000 teams half could not be
picked), the lists say how much they show, and only administrators get any of it."""

import re

import pytest

from backend.console import admin_pickers, admin_qr, admin_teams
from tests.console.conftest import sign_in
from tests.factories import make_user
from tests.factories_teams import make_team

OPTION = re.compile(r'<option value="([^"]*)">([^<]*)</option>')


@pytest.fixture
async def many_teams(session, city):
    """Twelve more teams, named so that "Tổ Đông Hòa" sorts last."""
    made = [
        await make_team(
            session,
            union_unit=city.grassroots_x,
            admin_unit=city.ward_a,
            name=f"Tổ An Bình {n:02}",
            code=f"AB-{n:02}",
        )
        for n in range(11)
    ]
    made.append(
        await make_team(
            session,
            union_unit=city.grassroots_y,
            admin_unit=city.ward_b,
            name="Tổ Đông Hòa",
            code="DH-77",
        )
    )
    await session.commit()
    return made


async def _options(client, path, q=None):
    r = await client.get(path, params={"pick_q": q} if q is not None else {})
    assert r.status_code == 200, r.text
    return OPTION.findall(r.text)


async def test_the_team_picker_reaches_past_its_first_page(client, city, many_teams, monkeypatch):
    monkeypatch.setattr(admin_pickers, "PICK_LIMIT", 5)
    last = many_teams[-1]
    await sign_in(client, city.admin)
    form = await client.get("/admin/houses")
    assert form.status_code == 200 and 'hx-get="/admin/pick/teams"' in form.text
    assert str(last.id) not in form.text  # beyond the first five by name
    first = await _options(client, "/admin/pick/teams")
    assert len([v for v, _ in first if v]) == 5
    for query in ("dong hoa", "ĐÔNG HÒA", "dh-77"):  # diacritics and case ignored; the code
        found = await _options(client, "/admin/pick/teams", query)
        assert found == [("", "(Không chọn)"), (str(last.id), "Tổ Đông Hòa (DH-77)")]
    assert await _options(client, "/admin/pick/teams", "khong co to nay") == [
        ("", "(Không tìm thấy)")
    ]
    assert await _options(client, "/admin/pick/teams", "100%_") == [("", "(Không tìm thấy)")]
    # Picked after a search, the team survives the form coming back with an error.
    bad = await client.post(
        "/admin/houses",
        data={
            "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1),
            "name": "",
            "team_id": str(last.id),
        },
    )
    assert bad.status_code == 422
    assert f'<option value="{last.id}" selected>' in bad.text


async def test_the_account_picker_finds_by_name_or_whole_phone(client, city, session, monkeypatch):
    monkeypatch.setattr(admin_pickers, "PICK_LIMIT", 2)
    member = await make_user(session, role="team_member", phone="0912 345 678")
    member.full_name = "Trần Thị Zung"
    retired = await make_user(session, role="team_member", active=False)
    retired.full_name = "Trần Thị Zung Cũ"
    officer = await make_user(session, role="union_officer")
    officer.full_name = "Trần Văn Zung"
    await session.commit()
    await sign_in(client, city.admin)
    page = await client.get(f"/admin/teams/{city.team_a.id}")
    assert page.status_code == 200 and 'hx-get="/admin/pick/accounts"' in page.text
    for query in ("zung", "0912345678", "+84 912 345 678"):
        found = await _options(client, "/admin/pick/accounts", query)
        # Active team members and leaders only: not the deactivated one, not an officer.
        assert found == [("", "(Không chọn)"), (str(member.id), "Trần Thị Zung (Tổ viên)")]
    assert await _options(client, "/admin/pick/accounts", "0912345") == [("", "(Không tìm thấy)")]


async def test_the_teams_and_qr_lists_say_how_much_they_show(client, city, many_teams, monkeypatch):
    monkeypatch.setattr(admin_teams, "LIST_LIMIT", 3)
    monkeypatch.setattr(admin_qr, "LIST_LIMIT", 3)
    last = many_teams[-1]
    await sign_in(client, city.admin)
    teams = await client.get("/admin/teams")
    assert "Hiển thị 3 trên" in teams.text and str(last.id) not in teams.text
    found = await client.get("/admin/teams", params={"q": "dong hoa"})
    assert str(last.id) in found.text and 'id="teams-shown"' not in found.text
    # The list's file holds every matching team, not the page's first three.
    csv = await client.get("/admin/teams", params={"q": "an binh", "format": "csv"})
    assert csv.status_code == 200
    assert sum("Tổ An Bình" in line for line in csv.text.splitlines()) == 11
    qr = await client.get("/admin/qr")
    assert "Hiển thị 3 trên" in qr.text and str(last.id) not in qr.text
    found = await client.get("/admin/qr", params={"q": "DH-77"})
    assert f"/admin/teams/{last.id}" in found.text and 'id="qr-shown"' not in found.text


@pytest.mark.parametrize("who", ["officer_x", "leader_a", "member_a", "police_a1"])
@pytest.mark.parametrize("path", ["/admin/pick/teams", "/admin/pick/accounts"])
async def test_only_administrators_search_the_pickers(client, city, who, path):
    await sign_in(client, getattr(city, who))
    r = await client.get(path, params={"pick_q": "a"})
    assert r.status_code == 403 and "<option" not in r.text


async def test_the_pickers_need_a_session(client, city):
    r = await client.get("/admin/pick/teams", params={"pick_q": "a"})
    assert r.status_code in (303, 401) and "<option" not in r.text

"""Administration lists and pickers at a city's (and a country's) size: whatever sorts after the
first page is one search away (the forms capped their pickers at 1,000 by name: at 2,000 teams
half could not be picked; units at 1,000–2,000, where a country has ~10,000 wards), the lists say
how much they show, and only administrators get any of it."""

import re

import pytest

from backend.console import admin_houses, admin_pickers, admin_qr, admin_sites, admin_teams
from backend.models import AdminUnit, Enterprise
from tests.console.conftest import sign_in
from tests.factories import make_unit, make_user
from tests.factories_teams import make_team

OPTION = re.compile(r'<option value="([^"]*)">([^<]*)</option>')
# A unit option: (value, " selected" or "", label); a disabled "no match" has no value kept.
UNIT_OPTION = re.compile(r'<option value="([^"]*)"( selected)?(?: disabled)?>([^<]*)</option>')
UNIT_FORMS = [
    "/admin/houses",
    "/admin/teams",
    "/admin/sites",
    "/admin/jurisdictions",
    "/admin/webhooks",
    "/admin/users/new",
    "/admin/trees/union_unit",
]


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


async def test_the_admin_lists_say_how_much_they_show(
    client, city, session, many_teams, monkeypatch
):
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
    houses = [city.house_a, city.house_q, city.house_b]
    monkeypatch.setattr(admin_houses, "LIST_LIMIT", 1)
    page = await client.get("/admin/houses")
    assert "Hiển thị 1 trên 3" in page.text and sum(h.name in page.text for h in houses) == 1
    # The houses' file is streamed from the list's query: every matching house, not the page's.
    csv = (await client.get("/admin/houses", params={"format": "csv"})).text
    assert all(h.name in csv and str(h.id) in csv for h in houses)
    found = (await client.get("/admin/houses", params={"q": "linh trung", "format": "csv"})).text
    assert city.house_b.name in found and city.house_a.name not in found
    monkeypatch.setattr(admin_sites, "LIST_LIMIT", 1)
    other = Enterprise(
        site_id=city.site.id,
        name="Công ty An Phát",
        name_search="cong ty an phat",
        tax_code="0312345678",
    )
    session.add(other)
    await session.commit()
    firms = await client.get("/admin/enterprises")
    assert "Hiển thị 1 trên 2" in firms.text
    for query in ("nidec", "NIDEC"):
        found = await client.get("/admin/enterprises", params={"q": query})
        assert "Công ty Nidec" in found.text and "Công ty An Phát" not in found.text
    by_tax = await client.get("/admin/enterprises", params={"q": "0312345678"})
    assert "Công ty An Phát" in by_tax.text and 'id="enterprises-shown"' not in by_tax.text
    qr = await client.get("/admin/qr")
    assert "Hiển thị 3 trên" in qr.text and str(last.id) not in qr.text
    found = await client.get("/admin/qr", params={"q": "DH-77"})
    assert f"/admin/teams/{last.id}" in found.text and 'id="qr-shown"' not in found.text


async def _picked(client, **params) -> list[tuple[str, str]]:
    r = await client.get("/admin/pick/accounts", params=params)
    assert r.status_code == 200, r.text
    return OPTION.findall(r.text)


async def test_the_liaison_picker_reaches_past_its_first_page(client, city, session, monkeypatch):
    monkeypatch.setattr(admin_pickers, "PICK_LIMIT", 1)
    city.police_site.full_name = "Zương Văn Cuối"  # sorts after every other liaison
    await session.commit()
    await sign_in(client, city.admin)
    page = await client.get("/admin/jurisdictions")
    assert 'hx-get="/admin/pick/accounts?kind=liaison"' in page.text
    assert f'<option value="{city.police_site.id}"' not in page.text
    found = await _picked(client, kind="liaison", pick_q="zương")
    assert found == [("", "(Không chọn)"), (str(city.police_site.id), "Zương Văn Cuối")]
    # A team member is never offered as a liaison, nor a liaison as a member.
    nobody = [("", "(Không tìm thấy)")]
    assert await _picked(client, kind="liaison", pick_q=city.member_a.full_name) == nobody
    assert await _picked(client, pick_q="zương") == nobody  # the member picker's kind
    # Picked after a search, the liaison survives the form coming back with an error.
    bad = await client.post(
        "/admin/jurisdictions",
        data={
            "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1),
            "user_id": str(city.police_site.id),
        },
    )
    assert bad.status_code == 422
    assert f'<option value="{city.police_site.id}" selected>' in bad.text


async def _units(client, params: dict) -> list[tuple[str, str, str]]:
    r = await client.get("/admin/pick/units", params=params)
    assert r.status_code == 200, r.text
    return UNIT_OPTION.findall(r.text)


async def test_unit_pickers_reach_past_their_first_page(client, city, session, monkeypatch):
    monkeypatch.setattr(admin_pickers, "UNIT_LIMIT", 1)  # each tree's root only
    ward = await make_unit(
        session, AdminUnit, "Phường Đông Hòa", parent=city.city, level="Phường", code="P-DH-77"
    )
    await session.commit()
    await sign_in(client, city.admin)
    for path in [*UNIT_FORMS, f"/admin/trees/union_unit/{city.union_x.id}"]:
        page = await client.get(path)
        assert page.status_code == 200 and 'hx-get="/admin/pick/units?tree=' in page.text, path
        assert str(ward.id) not in page.text and str(city.ward_a.id) not in page.text, path
    none, label = ("", "", "(Không chọn)"), "· Phường Đông Hòa (Phường)"
    for query in ("dong hoa", "ĐÔNG HÒA", "p-dh-77"):  # diacritics and case ignored; the code
        found = await _units(client, {"tree": "admin", "pick_q": query})
        assert found == [none, (str(ward.id), "", label)]
    # What the select had picked (sent under its own name) is kept, still selected.
    kept = await _units(
        client, {"tree": "admin", "pick_q": "dong hoa", "admin_unit_id": str(city.ward_a.id)}
    )
    assert (str(city.ward_a.id), " selected", "· · Phường Tân Thuận (Phường)") in kept
    assert (str(ward.id), "", label) in kept and len(kept) == 3
    # Both trees, several picks (the scope picker): no "none" option, both groups kept.
    both = await _units(
        client,
        [
            ("tree", "both"),
            ("multiple", "true"),
            ("pick_q", "dong hoa"),
            ("scope_unit_ids", str(city.union_x.id)),
            ("scope_unit_ids", str(city.ward_b.id)),
        ],
    )
    picked = {value for value, selected, _ in both if selected}
    assert picked == {str(city.union_x.id), str(city.ward_b.id)}
    assert none not in both and (str(ward.id), "", label) in both
    # The webhook form's values name their tree.
    hook = await _units(
        client,
        {"tree": "both", "prefixed": "true", "pick_q": "zzz", "unit": f"union:{city.union_x.id}"},
    )
    assert hook == [none, (f"union:{city.union_x.id}", " selected", "· Công đoàn KCX (Cấp)")]
    assert await _units(client, {"tree": "admin", "pick_q": "khong co"}) == [
        ("", "", "(Không tìm thấy)")
    ]
    assert await _units(client, {"tree": "union", "multiple": "true", "pick_q": "khong co"}) == [
        ("", "", "(Không tìm thấy)")
    ]
    assert (await client.get("/admin/pick/units", params={"tree": "x"})).status_code == 422
    # A form that comes back with an error keeps the ward that was searched for and picked.
    form = await client.get("/admin/houses")
    bad = await client.post(
        "/admin/houses",
        data={
            "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1),
            "name": "",
            "admin_unit_id": str(ward.id),
        },
    )
    assert bad.status_code == 422 and f'<option value="{ward.id}" selected>' in bad.text
    # List rows name their unit whether or not the picker drew it.
    rows = await client.get("/admin/jurisdictions")
    assert "Phường Tân Thuận" in rows.text


PICKERS = [
    ("/admin/pick/teams", {}),
    ("/admin/pick/accounts", {}),
    ("/admin/pick/units", {"tree": "both"}),
]


@pytest.mark.parametrize("who", ["officer_x", "leader_a", "member_a", "police_a1"])
@pytest.mark.parametrize(("path", "params"), PICKERS)
async def test_only_administrators_search_the_pickers(client, city, who, path, params):
    await sign_in(client, getattr(city, who))
    r = await client.get(path, params={**params, "pick_q": "a"})
    assert r.status_code == 403 and "<option" not in r.text


@pytest.mark.parametrize(("path", "params"), PICKERS)
async def test_the_pickers_need_a_session(client, city, path, params):
    r = await client.get(path, params={**params, "pick_q": "a"})
    assert r.status_code in (303, 401) and "<option" not in r.text

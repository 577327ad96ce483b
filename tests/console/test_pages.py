"""Each role's home, the incidents list (search without diacritics, union view), exports,
administration pages and the map layers, each within the caller's scope."""

import html
import re

import pytest
from sqlalchemy import select

from backend.console import union
from backend.models import AuditEvent
from tests.console.conftest import sign_in
from tests.console.test_incidents import theft, trafficking
from tests.incidents.world import report


@pytest.mark.parametrize(
    ("who", "marker"),
    [
        ("admin", "/admin/audit"),
        ("city_officer", "Tổng quan"),
        ("officer_x", "Tổng quan: Công đoàn KCX"),
        ("police_a1", "Hàng chờ xử lý"),
        ("leader_a", "Tổ của bạn"),
        ("member_a", "Tổ của bạn"),
    ],
)
async def test_each_role_lands_on_its_home(client, city, who, marker):
    await sign_in(client, getattr(city, who))
    page = await client.get("/")
    assert page.status_code == 200 and marker in page.text


async def test_team_home_shows_its_own_team_only(client, app, city):
    iid = await theft(client, app, city)
    await sign_in(client, city.leader_b)
    page = await client.get("/")
    assert city.team_b.name in page.text and iid not in page.text
    client.cookies.clear()
    await sign_in(client, city.leader_a)
    page = await client.get("/")
    assert iid in page.text and "Nhà trọ Hòa Bình" in page.text


async def test_incident_list_search_ignores_diacritics_and_scope(client, app, city):
    iid = await trafficking(client, app, city)
    await sign_in(client, city.officer_x)
    found = await client.get("/incidents", params={"q": "nha tro hoa binh"})
    assert iid in found.text
    assert iid not in (await client.get("/incidents", params={"q": "khong co"})).text
    client.cookies.clear()
    await sign_in(client, city.officer_y)
    assert iid not in (await client.get("/incidents")).text


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
async def test_export_is_the_union_view_and_audited(client, app, city, session, fmt):
    iid = await trafficking(client, app, city)
    await sign_in(client, city.officer_x)
    response = await client.get("/incidents", params={"format": fmt, "q": "hoa binh"})
    assert response.status_code == 200
    assert "attachment" in response.headers["content-disposition"]
    if fmt == "csv":
        text = response.content.decode("utf-8-sig")
        assert iid in text and "Nguyễn Thị Lan" not in text and city.member_a.phone not in text
    else:
        assert response.content[:2] == b"PK"
    audit = await session.scalar(
        select(AuditEvent).where(AuditEvent.action == "incident_list.export")
    )
    assert audit is not None and audit.actor_id == city.officer_x.id


async def test_admin_pages_are_for_administrators(client, city):
    await sign_in(client, city.officer_x)
    assert (await client.get("/admin/users")).status_code == 403
    assert (await client.get("/admin/audit")).status_code == 403
    client.cookies.clear()
    await sign_in(client, city.admin)
    users = await client.get("/admin/users", params={"role": "police_liaison"})
    assert users.status_code == 200 and city.police_a1.phone in users.text
    assert city.officer_x.phone not in users.text
    audit = await client.get("/admin/audit", params={"action": "auth."})
    assert "auth.login" in audit.text


async def test_map_layers_are_scoped(client, city):
    await sign_in(client, city.officer_y)
    houses = (await client.get("/map/houses")).json()
    names = {f["properties"]["name"] for f in houses["features"]}
    assert "Nhà trọ Linh Trung" in names and "Nhà trọ Hòa Bình" not in names
    client.cookies.clear()
    await sign_in(client, city.leader_a)
    assert (await client.get("/map/houses")).status_code == 403


async def test_dashboard_of_another_union_is_the_404_page(client, city):
    await sign_in(client, city.officer_x)
    assert (await client.get("/dashboard", params={"unit": str(city.grassroots_x.id)})).is_success
    other = await client.get("/dashboard", params={"unit": str(city.union_y.id)})
    assert other.status_code == 404 and "404" in other.text


async def test_another_wards_police_queue_does_not_list_it(client, app, city):
    iid = await trafficking(client, app, city)
    await sign_in(client, city.police_b)
    assert iid not in (await client.get("/")).text
    assert iid not in (await client.get("/queue/items")).text


async def test_the_filter_forms_empty_choices_and_bad_input(client, app, city):
    iid = await theft(client, app, city)
    await sign_in(client, city.officer_gx)
    params = {"q": "mat xe may", "category": "", "status": "", "severity": ""}
    assert iid in (await client.get("/incidents", params=params)).text
    bad = await client.get("/incidents", params={"severity": "9"})
    assert bad.status_code == 422 and "text/html" in bad.headers["content-type"]


@pytest.mark.parametrize("table", ["teams", "coverage", "uncovered", "completeness"])
async def test_dashboard_tables_and_their_files(client, city, session, table):
    await sign_in(client, city.officer_y)
    page = await client.get(f"/dashboard/tables/{table}")
    assert page.status_code == 200 and "<table" in page.text
    if table == "uncovered":
        assert "Nhà trọ Linh Trung" in page.text and "Nhà trọ Hòa Bình" not in page.text
    csv = await client.get(f"/dashboard/tables/{table}", params={"format": "csv"})
    assert csv.status_code == 200 and "attachment" in csv.headers["content-disposition"]
    audit = await session.scalar(
        select(AuditEvent).where(AuditEvent.action == f"dashboard_{table}.export")
    )
    assert audit is not None
    other = await client.get(f"/dashboard/tables/{table}", params={"unit": str(city.union_x.id)})
    assert other.status_code == 404


async def test_the_incident_list_pages_older_with_its_filters(client, app, city, monkeypatch):
    monkeypatch.setattr(union, "LIST_LIMIT", 2)
    made = [(await report(client, app, city.member_a)).json()["id"] for _ in range(5)]
    other = (await report(client, app, city.leader_b)).json()["id"]  # union Y: not officer_x's
    await sign_in(client, city.officer_x)
    seen, url, pages = [], "/incidents?category=theft", 0
    while url:
        page = await client.get(url)
        assert page.status_code == 200
        ids = [i for i in [*made, other] if i in page.text]
        assert len(ids) <= 2
        seen += ids
        # The files start from the filters, not from the page the link was on.
        assert "cursor=" not in re.search(r'href="(/incidents\?[^"]*format=csv)"', page.text)[1]
        older = re.search(r'id="older" rel="next" href="([^"]+)"', page.text)
        url = html.unescape(older[1]) if older else None
        assert url is None or "category=theft" in url  # the filters go along
        pages += 1
    assert pages == 3 and sorted(seen) == sorted(made) and len(seen) == 5
    bad = await client.get("/incidents", params={"cursor": "not-a-cursor"})
    assert bad.status_code == 422

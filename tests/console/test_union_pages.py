"""The union desk's pages: period and sub-unit pickers, labour events, awareness sessions,
commendations with candidates, their files, and the dashboard's map layers; each within the
caller's union subtree (another union's unit is the 404 page; police and teams get 403)."""

import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, insert, select

from backend.console import tables, union_labour
from backend.core import clock
from backend.dashboards.rollups import rebuild_all
from backend.models import AuditEvent
from backend.models.monitoring import AwarenessTopic, Commendation
from tests.console.conftest import csrf, sign_in
from tests.factories import auth
from tests.incidents.world import report
from tests.monitoring.conftest import _seed_rows as topic_rows
from tests.monitoring.factories import session_body

NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
NOVEMBER = {"period": "custom", "from": "2026-11-01", "to": "2026-11-30"}
UNION_ONLY = ["/labour", "/awareness", "/commendations", "/map/areas/wards"]


@pytest.fixture(autouse=True)
def frozen(_system_clock):
    """The pages' default periods count back from today: today is fixed here."""
    previous = clock.install(clock.FrozenClock(NOW))
    yield
    clock.install(previous)


@pytest.fixture
async def topics(app):
    async with app.state.session_factory() as s:
        if not await s.scalar(select(func.count()).select_from(AwarenessTopic)):
            await s.execute(insert(AwarenessTopic), topic_rows())
            await s.commit()


async def work_stoppage(client, app, city) -> str:
    response = await report(
        client,
        app,
        city.member_a,
        category="labour",
        subtype="work_stoppage",
        severity=2,
        enterprise_id=str(city.enterprise.id),
        workers_involved=1250,
        labour_started_at="2026-11-20T07:00:00+07:00",
        summary="Công nhân ngừng việc tập thể đòi tăng lương",
        house_id=str(city.house_a.id),
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


async def test_period_and_unit_pickers_on_the_dashboard(client, city):
    await sign_in(client, city.officer_x)
    page = await client.get("/dashboard", params={"period": "month", "month": "2026-10"})
    assert page.status_code == 200
    assert "01/10/2026 – 31/10/2026" in page.text
    assert 'id="pk-unit"' in page.text and city.grassroots_x.name in page.text
    quarter = await client.get("/", params={"period": "quarter", "quarter": "2026-Q3"})
    assert "01/07/2026 – 30/09/2026" in quarter.text
    child = await client.get("/dashboard", params={"unit": str(city.grassroots_x.id), **NOVEMBER})
    assert child.status_code == 200 and f"Tổng quan: {city.grassroots_x.name}" in child.text
    assert "01/11/2026 – 30/11/2026" in child.text
    # the running month stops at today
    running = await client.get("/dashboard", params={"period": "month", "month": "2026-12"})
    assert "01/12/2026 – 01/12/2026" in running.text
    for bad in ({"period": "year"}, {"period": "month", "month": "2026-13"}, {"period": "custom"}):
        answer = await client.get("/dashboard", params=bad)
        assert answer.status_code == 422 and "text/html" in answer.headers["content-type"]
    other = await client.get("/dashboard", params={"unit": str(city.union_y.id)})
    assert other.status_code == 404 and "404" in other.text


async def test_table_follows_the_pickers(client, city):
    await sign_in(client, city.officer_x)
    page = await client.get(
        "/dashboard/tables/teams", params={"unit": str(city.grassroots_x.id), **NOVEMBER}
    )
    assert page.status_code == 200 and "01/11/2026 – 30/11/2026" in page.text
    assert f"unit={city.grassroots_x.id}" in page.text  # carried into the file links


async def test_a_long_table_says_so_and_its_file_holds_more(client, city, monkeypatch):
    monkeypatch.setattr(tables, "LIMIT", 1)
    await sign_in(client, city.city_officer)
    houses = [city.house_a, city.house_q, city.house_b]  # none patrolled in November
    page = await client.get("/dashboard/tables/uncovered", params=NOVEMBER)
    assert sum(h.code in page.text for h in houses) == 1
    assert "Hiển thị 1 dòng đầu; tệp CSV/XLSX có tới 10.000 dòng." in page.text
    csv = await client.get("/dashboard/tables/uncovered", params={**NOVEMBER, "format": "csv"})
    assert all(h.code in csv.content.decode("utf-8-sig") for h in houses)
    monkeypatch.setattr(tables, "LIMIT", 3)  # all of them fit: nothing to say
    whole = await client.get("/dashboard/tables/uncovered", params=NOVEMBER)
    assert all(h.code in whole.text for h in houses) and 'id="table-more"' not in whole.text


async def test_labour_events_with_enterprise_and_workers(client, app, city, session):
    iid = await work_stoppage(client, app, city)
    theft = await report(client, app, city.member_a, occurred_at="2026-11-20T08:00:00+07:00")
    assert theft.status_code == 201, theft.text
    await sign_in(client, city.officer_x)
    page = await client.get("/labour", params=NOVEMBER)
    assert page.status_code == 200 and iid in page.text
    assert theft.json()["id"] not in page.text  # same period and subtree, not a labour event
    assert "Công ty Nidec" in page.text and "1.250" in page.text and "20/11/2026 07:00" in page.text
    assert "Ngừng việc" in page.text
    assert iid not in (await client.get("/labour", params={**NOVEMBER, "to": "2026-11-19"})).text
    csv = await client.get("/labour", params={**NOVEMBER, "format": "csv"})
    text = csv.content.decode("utf-8-sig")
    assert csv.status_code == 200 and "Công ty Nidec" in text and "1250" in text and iid in text
    assert await session.scalar(
        select(AuditEvent).where(AuditEvent.action == "labour_events.export")
    )
    client.cookies.clear()
    await sign_in(client, city.officer_y)
    assert iid not in (await client.get("/labour", params=NOVEMBER)).text
    other = await client.get("/labour", params={"unit": str(city.union_x.id)})
    assert other.status_code == 404


async def test_labour_figures_count_every_event_not_the_page(client, app, city, monkeypatch):
    monkeypatch.setattr(union_labour, "SHOWN", 1)
    monkeypatch.setattr(union_labour, "LIMIT", 2)
    made = [await work_stoppage(client, app, city) for _ in range(3)]  # 1,250 workers each
    await sign_in(client, city.officer_x)
    page = await client.get("/labour", params=NOVEMBER)
    assert sum(i in page.text for i in made) == 1
    assert re.search(r'class="n">3</span><span>', page.text)
    assert re.search(r'class="n">3.750</span><span>', page.text)
    assert "Hiển thị 1 trên 3 dòng; tệp CSV/XLSX có 2 dòng mới nhất" in page.text
    csv = (await client.get("/labour", params={**NOVEMBER, "format": "csv"})).text
    assert sum(i in csv for i in made) == 2


async def test_awareness_sessions_of_the_subtree(client, app, city, session, topics):
    sid = uuid.uuid4()
    put = await client.put(
        f"/api/v1/awareness-sessions/{sid}",
        json=session_body(city.team_a, title="Cảnh giác việc làm lương cao"),
        headers=auth(app, city.leader_a),
    )
    assert put.status_code == 201, put.text
    await sign_in(client, city.officer_x)
    page = await client.get("/awareness", params=NOVEMBER)
    assert "Cảnh giác việc làm lương cao" in page.text and city.team_a.name in page.text
    assert "Dụ dỗ" in page.text or "việc làm" in page.text  # topic names, not codes
    found = await client.get("/awareness", params={**NOVEMBER, "q": "canh giac viec lam"})
    assert "Cảnh giác việc làm lương cao" in found.text
    xlsx = await client.get("/awareness", params={**NOVEMBER, "format": "xlsx"})
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert await session.scalar(
        select(AuditEvent).where(AuditEvent.action == "awareness_session.export")
    )
    client.cookies.clear()
    await sign_in(client, city.officer_y)
    assert (
        "Cảnh giác việc làm lương cao" not in (await client.get("/awareness", params=NOVEMBER)).text
    )
    csv = await client.get("/awareness", params={**NOVEMBER, "format": "csv"})
    assert "Cảnh giác" not in csv.content.decode("utf-8-sig")
    assert (
        await client.get("/awareness", params={"unit": str(city.union_x.id)})
    ).status_code == 404


async def test_candidates_and_recording_a_commendation(client, app, city, session, topics):
    put = await client.put(
        f"/api/v1/awareness-sessions/{uuid.uuid4()}",
        json=session_body(city.team_a),
        headers=auth(app, city.leader_a),
    )
    assert put.status_code == 201
    await sign_in(client, city.officer_x)
    page = await client.get("/commendations", params=NOVEMBER)
    assert page.status_code == 200 and f'data-team="{city.team_a.id}"' in page.text
    form = {
        "csrf_token": await csrf(client, "/commendations"),
        "team_id": str(city.team_a.id),
        "level": "district",
        "form": "Giấy khen",
        "decision_number": "15/QĐ-LĐLĐ",
        "decided_on": "2026-11-25",
        "issuing_body": "LĐLĐ Quận 7",
        "reason": "Tuần tra đều, phát hiện sớm môi giới việc làm",
        "back": "period=custom&from=2026-11-01&to=2026-11-30",
    }
    done = await client.post("/commendations", data=form)
    assert done.status_code == 303
    listed = await client.get(done.headers["location"])
    assert "15/QĐ-LĐLĐ" in listed.text and "Đã ghi nhận khen thưởng" in listed.text
    file = await client.get("/commendations", params={**NOVEMBER, "format": "csv"})
    assert "15/QĐ-LĐLĐ" in file.content.decode("utf-8-sig")
    cands = await client.get("/commendations/candidates", params={**NOVEMBER, "format": "csv"})
    assert city.team_a.name in cands.content.decode("utf-8-sig")
    # another union's officer can neither see it nor commend that team (the 404 page)
    client.cookies.clear()
    await sign_in(client, city.officer_y)
    assert "15/QĐ-LĐLĐ" not in (await client.get("/commendations", params=NOVEMBER)).text
    other = await client.post(
        "/commendations",
        data={**form, "csrf_token": await csrf(client, "/commendations"), "decision_number": "9"},
    )
    assert other.status_code == 404 and "404" in other.text
    count = await session.scalar(select(func.count()).select_from(Commendation))
    assert count == 1


async def test_commendation_form_needs_csrf_and_valid_input(client, city):
    await sign_in(client, city.officer_x)
    refused = await client.post("/commendations", data={"team_id": str(city.team_a.id)})
    assert refused.status_code == 403
    bad = await client.post(
        "/commendations",
        data={
            "csrf_token": await csrf(client, "/commendations"),
            "team_id": str(city.team_a.id),
            "level": "galactic",
            "form": "x",
            "decision_number": "1",
            "decided_on": "2026-11-25",
            "issuing_body": "x",
            "reason": "x",
        },
    )
    assert bad.status_code == 422 and "text/html" in bad.headers["content-type"]


@pytest.mark.parametrize("path", UNION_ONLY)
@pytest.mark.parametrize("who", ["police_a1", "leader_a"])
async def test_union_pages_are_not_for_police_or_teams(client, city, path, who):
    await sign_in(client, getattr(city, who))
    assert (await client.get(path)).status_code == 403


async def test_map_layers_follow_the_unit_and_scope(client, app, city, session):
    await work_stoppage(client, app, city)
    await report(client, app, city.member_a, house_id=str(city.house_q.id))
    await rebuild_all(session, now=NOW + timedelta(hours=1))
    await session.commit()
    await sign_in(client, city.officer_x)
    wards = (await client.get("/map/areas/wards", params=NOVEMBER)).json()
    counts = {f["properties"]["name"]: f["properties"]["count"] for f in wards["features"]}
    assert counts == {city.ward_a.name: 1, city.ward_q.name: 1}
    ring = wards["features"][0]["geometry"]["coordinates"][0]
    assert ring[0] == ring[-1] and len(ring) == 9
    sites = (await client.get("/map/areas/sites")).json()
    assert [f["properties"]["code"] for f in sites["features"]] == [city.site.code]
    houses = (await client.get("/map/areas/houses")).json()
    names = {f["properties"]["name"]: f["properties"]["colour"] for f in houses["features"]}
    assert names == {"Nhà trọ Hòa Bình": "red", "Nhà trọ Đức Thành": "red"}
    client.cookies.clear()
    await sign_in(client, city.officer_y)
    wards = (await client.get("/map/areas/wards", params=NOVEMBER)).json()
    assert {f["properties"]["name"]: f["properties"]["count"] for f in wards["features"]} == {
        city.ward_b.name: 0
    }
    assert (await client.get("/map/areas/sites")).json()["features"] == []
    houses = (await client.get("/map/areas/houses")).json()
    assert {f["properties"]["name"] for f in houses["features"]} == {"Nhà trọ Linh Trung"}
    other = await client.get("/map/areas/wards", params={"unit": str(city.union_x.id)})
    assert other.status_code == 404


async def test_dashboard_categories_file(client, app, city, session):
    await work_stoppage(client, app, city)
    await rebuild_all(session, now=NOW + timedelta(hours=1))
    await session.commit()
    await sign_in(client, city.officer_x)
    page = await client.get("/dashboard", params=NOVEMBER)
    assert "/dashboard/categories?" in page.text
    file = await client.get("/dashboard/categories", params={**NOVEMBER, "format": "csv"})
    text = file.content.decode("utf-8-sig")
    assert file.status_code == 200
    # The dashboard's figures for the same unit and period, row for row.
    assert text.splitlines() == ["Loại vụ việc,Mã loại,Số vụ việc", "Quan hệ lao động,labour,1"]
    assert "Quan hệ lao động" in page.text
    assert await session.scalar(
        select(AuditEvent).where(AuditEvent.action == "dashboard_categories.export")
    )
    other = await client.get("/dashboard/categories", params={"unit": str(city.union_y.id)})
    assert other.status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/dashboard",
        "/dashboard/tables/teams",
        "/dashboard/categories",
        "/labour",
        "/awareness",
        "/commendations",
        "/commendations/candidates",
        "/map/areas/wards",
        "/map/areas/sites",
        "/map/areas/houses",
    ],
)
async def test_another_unions_unit_is_the_404_page_everywhere(client, city, path):
    await sign_in(client, city.officer_y)
    assert (await client.get(path, params={"unit": str(city.union_y.id)})).status_code == 200
    other = await client.get(path, params={"unit": str(city.grassroots_x.id)})
    assert other.status_code == 404 and "text/html" in other.headers["content-type"]

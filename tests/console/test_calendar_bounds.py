"""Days and moments a request names lie in the service's calendar (2000-2099): year 1 or 9999
in a query, a body or a console form is a 422, never a 500 from local-day arithmetic overflowing
deep in a query, and never a report "in year 1"."""

import uuid

import pytest

from tests.console.conftest import sign_in
from tests.factories import auth
from tests.incidents.world import report

EDGES = ["0001-01-01", "9999-12-31"]
MOMENTS = ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "1999-12-31T12:00:00Z"]


@pytest.mark.parametrize("day", EDGES)
@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/v1/dashboards/summary", {"from": "{d}", "to": "{d}"}),
        ("/api/v1/dashboards/houses/uncovered", {"from": "{d}", "to": "{d}"}),
        ("/api/v1/awareness-sessions", {"held_from": "{d}"}),
        ("/api/v1/commendations", {"decided_to": "{d}"}),
        ("/api/v1/commendation-candidates", {"period_from": "{d}", "period_to": "{d}"}),
    ],
)
async def test_api_days_outside_the_calendar(client, app, city, path, params, day):
    query = {k: v.format(d=day) for k, v in params.items()}
    if path.startswith("/api/v1/dashboards"):
        query["scope"] = f"union:{city.fed.id}"
    r = await client.get(path, params=query, headers=auth(app, city.city_officer))
    assert r.status_code == 422, r.text


@pytest.mark.parametrize("moment", MOMENTS)
async def test_api_moments_outside_the_calendar(client, app, city, moment):
    h = auth(app, city.officer_x)
    r = await client.get("/api/v1/incidents", params={"occurred_to": moment}, headers=h)
    assert r.status_code == 422, r.text
    made = await report(client, app, city.member_a, occurred_at=moment)
    assert made.status_code == 422 and made.json()["code"] == "validation_error", made.text
    patrol = await client.put(
        f"/api/v1/patrols/{uuid.uuid4()}",
        json={"team_id": str(city.team_a.id), "started_at": moment},
        headers=auth(app, city.member_a),
    )
    assert patrol.status_code == 422, patrol.text


@pytest.mark.parametrize("day", EDGES)
async def test_console_days_outside_the_calendar(client, city, day):
    await sign_in(client, city.city_officer)
    custom = {"period": "custom", "from": day, "to": day}
    for path in ("/dashboard", "/labour", "/awareness", "/commendations", "/dashboard/categories"):
        assert (await client.get(path, params=custom)).status_code == 422, path
    assert (await client.get("/dashboard/tables/uncovered", params=custom)).status_code == 422
    assert (await client.get("/incidents", params={"since": day})).status_code == 422
    client.cookies.clear()
    await sign_in(client, city.admin)
    for field in ("date_from", "date_to"):
        assert (await client.get("/admin/audit", params={field: day})).status_code == 422


async def test_a_report_with_an_offset_keeps_hashing_as_sent(client, app, city):
    """The calendar check leaves a report's moment as sent: its re-send is the same report."""
    iid = uuid.uuid4()
    first = await report(client, app, city.member_a, iid, occurred_at="2026-11-20T21:00:00+07:00")
    again = await report(client, app, city.member_a, iid, occurred_at="2026-11-20T21:00:00+07:00")
    assert first.status_code == 201 and again.status_code in (200, 201), again.text
    assert again.json()["id"] == str(iid)

"""Desk reads are planned for their values; the phones keep their prepared plans.

After a prepared statement's fifth run PostgreSQL may switch to one generic plan for every
value. For a scope path it guesses that one unit matches, and at the documented scale that
read a district's scans in 3.3 s instead of 5 ms and the city's yearly report in 91 s. So the
console (every page) and the API for the desk roles (``backend.policy.roles.DESK_ROLES``) ask
for plans made for the values at hand; the phone roles' requests, keyed by ids and the most
frequent, do not pay the extra planning. Checked with a spy (the setting itself lives only
for the request's transaction; tests/dashboards/test_plan_mode.py reads it on PostgreSQL).
"""

import pytest

from backend.console import web
from backend.policy import caller
from tests.console.conftest import sign_in
from tests.factories import auth


@pytest.fixture
def asked(monkeypatch):
    """Every session that asked for plans per values during a request."""
    seen = []

    def spy_on(module):
        real = module.plan_for_parameters

        async def spy(session):
            seen.append(session)
            await real(session)

        monkeypatch.setattr(module, "plan_for_parameters", spy)

    spy_on(web)
    spy_on(caller)
    return seen


@pytest.mark.parametrize(
    ("who", "path"),
    [
        ("officer_x", "/dashboard"),
        ("officer_x", "/commendations"),
        ("officer_x", "/labour"),
        ("police_a1", "/queue"),
        ("admin", "/admin/users"),
        ("leader_a", "/"),
    ],
)
async def test_every_console_page_is_planned_for_its_values(client, city, asked, who, path):
    await sign_in(client, getattr(city, who))
    asked.clear()
    assert (await client.get(path)).status_code == 200, path
    assert asked, path


@pytest.mark.parametrize(
    ("who", "path", "planned"),
    [
        ("officer_x", "/api/v1/scans", True),
        ("officer_x", "/api/v1/patrols/changes", True),
        ("police_a1", "/api/v1/incidents/queue", True),
        ("city_officer", "/api/v1/incidents", True),
        ("officer_x", "/api/v1/dashboards/summary?scope=union:{union_x}", True),
        ("police_a1", "/api/v1/dashboards/summary?scope=admin:{ward_a}", True),
        ("leader_a", "/api/v1/patrols/changes", False),
        ("leader_a", "/api/v1/incidents", False),
        ("member_a", "/api/v1/scans", False),
    ],
)
async def test_the_api_plans_per_values_for_desks_only(
    client, app, city, asked, who, path, planned
):
    path = path.format(union_x=city.union_x.id, ward_a=city.ward_a.id)
    response = await client.get(path, headers=auth(app, getattr(city, who)))
    assert response.status_code == 200, response.text
    assert bool(asked) is planned

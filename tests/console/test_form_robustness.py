"""Every console form, found from the app's own routes (a new one is covered without a list to
keep), takes hostile values in each of its fields from an administrator, a union officer and a
police liaison without a 500: empty, huge, dates outside the calendar, numbers past any column,
markup, ids of nothing, Vietnamese text."""

import re
import uuid

from sqlalchemy import select

from backend.models import TeamMember, UserScope
from tests.console.conftest import csrf, sign_in
from tests.console.test_incidents import trafficking

HOSTILE = [
    "",
    " ",
    "x" * 5000,
    "0001-01-01",
    "9999-12-31",
    "2026-13-45",
    "99999999999999999999999",
    "-1",
    "NaN",
    "1e309",
    "<script>alert(1)</script>",
    str(uuid.UUID(int=7)),
    f"admin:{uuid.UUID(int=7)}",
    "Nhà trọ Hòa Bình",
    "on",
]
SKIPPED = {"/login", "/logout"}  # sign-in has its own tests (lockout, rate limit)
FILES = {"file", "boundary_file"}


def _routes(app):
    def walk(routes):
        for route in routes:
            if hasattr(route, "original_router"):  # an included router
                yield from walk(route.original_router.routes)
            else:
                yield route

    for route in walk(app.routes):
        path, methods = getattr(route, "path", ""), getattr(route, "methods", None) or set()
        if "POST" not in methods or path.startswith("/api") or path in SKIPPED:
            continue
        fields = [p.name for p in route.dependant.body_params]
        if fields and "body" not in fields:  # a console form, not an API body
            yield path, [f for f in fields if f not in FILES]


async def test_console_forms_take_hostile_values_without_a_500(client, app, city, session):
    incident = await trafficking(client, app, city)
    member = await session.scalar(select(TeamMember).where(TeamMember.team_id == city.team_a.id))
    scope = await session.scalar(select(UserScope).where(UserScope.user_id == city.police_a1.id))
    ids = {
        "incident_id": incident,
        "user_id": city.member_a.id,
        "unit_id": city.ward_a.id,
        "site_id": city.site.id,
        "enterprise_id": city.enterprise.id,
        "house_id": city.house_a.id,
        "team_id": city.team_a.id,
        "member_id": member.id,
        "jurisdiction_id": scope.id,
        "kind": "admin_unit",
    }
    routes = list(_routes(app))
    assert len(routes) >= 25, routes  # the walk found the console's forms
    failures = []
    for who in (city.admin, city.officer_x, city.police_a1):
        client.cookies.clear()
        await sign_in(client, who)
        token = await csrf(client, "/")
        for path, fields in routes:
            url = re.sub(r"\{(\w+)\}", lambda m: str(ids.get(m.group(1), uuid.UUID(int=7))), path)
            for field in fields:
                for value in HOSTILE:
                    r = await client.post(url, data={"csrf_token": token, field: value})
                    if r.status_code >= 500:
                        failures.append((who.role, path, field, value[:20], r.status_code))
    assert failures == []

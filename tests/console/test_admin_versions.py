"""Console edits of houses, sites and teams carry the version the form was read at, as the
API's If-Match does: two administrators saving the same page cannot overwrite each other."""

import re

import pytest
from sqlalchemy import select

from backend.models import BoardingHouse, Site, Team
from tests.console.conftest import csrf, sign_in

VERSION = re.compile(r'name="version" value="(\d+)"')

# (path of the edit page, model, the city's object, a valid form, the column it changes)
CASES = {
    "house": (
        "/admin/houses/{id}",
        BoardingHouse,
        "house_q",
        {
            "name": "Nhà trọ Đức Thành 2",
            "address": "9 Hẻm 3",
            "lat": "10,76",
            "lon": "106,72",
            "status": "active",
        },
        "name",
    ),
    "site": (
        "/admin/sites/{id}",
        Site,
        "site",
        {"name": "KCN Đổi Tên", "kind": "industrial_zone"},
        "name",
    ),
    "team": (
        "/admin/teams/{id}",
        Team,
        "team_a",
        {"name": "Tổ đổi tên", "status": "active"},
        "name",
    ),
}


@pytest.mark.parametrize("kind", sorted(CASES))
async def test_a_stale_or_missing_version_is_refused_and_nothing_changes(
    client, city, session, kind
):
    template, model, attr, form, column = CASES[kind]
    obj = getattr(city, attr)
    path = template.format(id=obj.id)
    await sign_in(client, city.admin)
    read_at = VERSION.search((await client.get(path)).text).group(1)
    token = await csrf(client, path)

    saved = await client.post(path, data={**form, "version": read_at, "csrf_token": token})
    assert saved.status_code == 303, saved.text
    stored = await session.scalar(select(model).where(model.id == obj.id))
    await session.refresh(stored)
    assert getattr(stored, column) == form[column]
    assert stored.version == int(read_at) + 1

    # A second administrator's form, read before that save: refused, shown the news.
    stale = await client.post(
        path, data={**form, column: "Ghi đè", "version": read_at, "csrf_token": token}
    )
    assert stale.status_code == 412 and "người khác thay đổi" in stale.text
    assert VERSION.search(stale.text).group(1) == str(stored.version)
    missing = await client.post(path, data={**form, column: "Ghi đè", "csrf_token": token})
    assert missing.status_code == 428
    await session.refresh(stored)
    assert getattr(stored, column) == form[column]

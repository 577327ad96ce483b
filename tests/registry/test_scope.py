"""Who sees and changes which sites, houses and enterprises: each role, 404 outside scope,
403 inside scope without the permission."""

import pytest

from tests.factories import auth


async def _ids(client, app, user, path):
    r = await client.get(f"/api/v1/{path}", headers=auth(app, user), params={"limit": 200})
    assert r.status_code == 200, r.text
    return {item["id"] for item in r.json()["items"]}


VISIBLE = {
    # role -> (sites, houses, enterprises) by world attribute name
    "admin": ({"site_a", "site_b"}, {"h_a1", "h_a2", "h_b1", "h_far"}, {"e_a", "e_b"}),
    "city_officer": ({"site_a", "site_b"}, {"h_a1", "h_a2", "h_b1", "h_far"}, {"e_a", "e_b"}),
    "officer_x": ({"site_a"}, {"h_a1", "h_a2"}, {"e_a"}),
    "officer_y": ({"site_b"}, {"h_b1"}, {"e_b"}),
    "police_a": ({"site_a"}, {"h_a1", "h_a2"}, {"e_a"}),
    "leader_a": ({"site_a"}, {"h_a1", "h_a2"}, {"e_a"}),
    "member_a": ({"site_a"}, {"h_a1", "h_a2"}, {"e_a"}),
    "leader_b": ({"site_b"}, {"h_b1"}, {"e_b"}),
}


async def test_each_role_sees_its_scope(app, client, world):
    # One world for every role (building it is the slow part); each assertion names the role.
    for role in sorted(VISIBLE):
        await _check_role(app, client, world, role)


async def _check_role(app, client, world, role):
    user = getattr(world, role)
    sites, houses, enterprises = VISIBLE[role]
    ids = lambda names: {str(getattr(world, n).id) for n in names}  # noqa: E731
    assert await _ids(client, app, user, "sites") == ids(sites)
    assert await _ids(client, app, user, "houses") == ids(houses)
    assert await _ids(client, app, user, "enterprises") == ids(enterprises)
    # And one by one: what is not listed answers 404, never 403.
    for name in ("site_a", "site_b"):
        r = await client.get(f"/api/v1/sites/{getattr(world, name).id}", headers=auth(app, user))
        assert r.status_code == (200 if name in sites else 404), (role, name)
    for name in ("h_a1", "h_b1", "h_far"):
        r = await client.get(f"/api/v1/houses/{getattr(world, name).id}", headers=auth(app, user))
        assert r.status_code == (200 if name in houses else 404), (role, name)
    for name in ("e_a", "e_b"):
        r = await client.get(
            f"/api/v1/enterprises/{getattr(world, name).id}", headers=auth(app, user)
        )
        assert r.status_code == (200 if name in enterprises else 404), (role, name)


# (role, object, expected status of a PATCH with the right If-Match)
WRITES = [
    ("officer_x", "h_a1", 200),
    ("officer_x", "h_b1", 404),
    ("officer_y", "h_a1", 404),
    ("police_a", "h_a1", 403),
    ("police_a", "h_b1", 404),
    ("leader_a", "h_a1", 403),
    ("member_a", "h_a1", 403),
    ("leader_b", "h_a1", 404),
    ("city_officer", "h_far", 200),
    ("city_officer", "site_a", 200),
    ("admin", "site_b", 200),
    ("officer_x", "site_a", 403),
    ("officer_x", "site_b", 404),
    ("police_a", "site_a", 403),
    ("leader_b", "site_a", 404),
    ("officer_x", "e_a", 200),
    ("officer_x", "e_b", 404),
    ("police_a", "e_a", 403),
    ("leader_a", "e_a", 403),
    ("leader_a", "e_b", 404),
]
PATHS = {"h": "houses", "s": "sites", "e": "enterprises"}


@pytest.mark.parametrize(("role", "target", "expected"), WRITES)
async def test_writes_404_outside_403_without_permission(
    app, client, world, role, target, expected
):
    obj = getattr(world, target)
    path = f"/api/v1/{PATHS[target[0]]}/{obj.id}"
    headers = auth(app, getattr(world, role)) | {"If-Match": f'"{obj.version}"'}
    r = await client.patch(path, json={"name": f"{obj.name} (sửa)"}, headers=headers)
    assert r.status_code == expected, r.text
    if expected != 200:
        assert r.headers["content-type"].startswith("application/problem+json")
        r = await client.delete(path, params={"reason": "thử xóa"}, headers=headers)
        assert r.status_code == expected, r.text


async def test_site_create_needs_permission(app, client, world):
    from tests.factories_registry import square

    body = {
        "code": "KCN-X",
        "name": "KCN mới",
        "kind": "industrial_zone",
        "boundary": square(106.6, 10.8),
    }
    for role in ("police_a", "leader_a", "member_a", "officer_x"):
        r = await client.post("/api/v1/sites", json=body, headers=auth(app, getattr(world, role)))
        assert r.status_code == 403, (role, r.text)
    r = await client.post("/api/v1/sites", json=body, headers=auth(app, world.city_officer))
    assert r.status_code == 201, r.text


async def test_house_create_outside_own_scope_is_refused(app, client, world):
    """A union officer cannot create a house where they could not see it afterwards."""
    body = {
        "code": "NT-X",
        "name": "Nhà trọ Xa",
        "address": "1 đường Xa",
        "admin_unit_id": str(world.ward_b.id),
        "lat": world.h_far.lat,
        "lon": world.h_far.lon,
    }
    r = await client.post("/api/v1/houses", json=body, headers=auth(app, world.officer_x))
    assert r.status_code == 422, r.text
    assert r.json()["code"] == "out_of_scope"
    # Inside their site it works.
    body |= {"code": "NT-Y", "lat": world.h_a1.lat, "lon": world.h_a1.lon}
    r = await client.post("/api/v1/houses", json=body, headers=auth(app, world.officer_x))
    assert r.status_code == 201, r.text
    assert r.json()["site_id"] == str(world.site_a.id)


async def test_house_create_on_a_team_they_manage(app, client, world):
    """Far from any site, a union officer onboards a house straight onto their team's list."""
    body = {
        "code": "NT-Z",
        "name": "Nhà trọ Mới",
        "address": "9 đường Mới",
        "admin_unit_id": str(world.ward_a.id),
        "lat": world.h_far.lat,
        "lon": world.h_far.lon,
        "team_id": str(world.team_a.id),
    }
    r = await client.post("/api/v1/houses", json=body, headers=auth(app, world.officer_x))
    assert r.status_code == 201, r.text
    assert r.json()["site_id"] is None
    r = await client.get(
        "/api/v1/houses",
        params={"team_id": str(world.team_a.id)},
        headers=auth(app, world.leader_a),
    )
    assert "NT-Z" in {h["code"] for h in r.json()["items"]}
    # Another union's team: as if it did not exist.
    body |= {"code": "NT-W", "team_id": str(world.team_b.id)}
    r = await client.post("/api/v1/houses", json=body, headers=auth(app, world.officer_x))
    assert r.status_code == 422
    assert r.json()["errors"][0] == {
        **r.json()["errors"][0],
        "field": "team_id",
        "code": "unknown_team",
    }


async def test_enterprise_in_invisible_site_is_unknown(app, client, world):
    body = {"name": "Công ty A", "site_id": str(world.site_b.id), "tax_code": "0312345678"}
    r = await client.post("/api/v1/enterprises", json=body, headers=auth(app, world.officer_x))
    assert r.status_code == 422
    assert r.json()["code"] == "unknown_site"
    r = await client.post(
        "/api/v1/enterprises",
        json=body | {"site_id": str(world.site_a.id)},
        headers=auth(app, world.police_a),
    )
    assert r.status_code == 403

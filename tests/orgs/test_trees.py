"""Hierarchies as data: 2- and 3-tier admin trees, the union tree, subtree queries, CRUD rules."""

import uuid

import pytest

from backend.models import AdminUnit, UnionUnit
from tests.factories import auth, make_unit, make_user

ADMIN_URL = "/api/v1/admin-units"


@pytest.fixture
async def admin(session):
    return await make_user(session)


async def two_and_three_tiers(session):
    """A city with wards directly under it (2 tiers) and one district kept with its wards (3)."""
    city = await make_unit(session, AdminUnit, "Thành phố Hồ Chí Minh", level="Thành phố")
    ward_a = await make_unit(session, AdminUnit, "Phường Thuận An", parent=city, level="Phường")
    ward_b = await make_unit(session, AdminUnit, "Phường Dĩ An", parent=city, level="Phường")
    district = await make_unit(session, AdminUnit, "Huyện Củ Chi", parent=city, level="Huyện")
    commune_a = await make_unit(
        session, AdminUnit, "Xã Tân Thạnh Đông", parent=district, level="Xã"
    )
    commune_b = await make_unit(session, AdminUnit, "Xã Phước Hiệp", parent=district, level="Xã")
    other_city = await make_unit(session, AdminUnit, "Tỉnh Bình Dương", level="Tỉnh")
    await session.commit()
    return city, ward_a, ward_b, district, commune_a, commune_b, other_city


async def _names(client, app, user, **params) -> list[str]:
    r = await client.get(ADMIN_URL, params=params, headers=auth(app, user))
    assert r.status_code == 200, r.text
    return [u["name"] for u in r.json()["items"]]


async def test_two_and_three_tier_trees_have_depth_and_levels(app, client, session, admin):
    city, ward_a, _, district, commune_a, _, _ = await two_and_three_tiers(session)
    got = {}
    for unit in (city, ward_a, district, commune_a):
        r = await client.get(f"{ADMIN_URL}/{unit.id}", headers=auth(app, admin))
        assert r.status_code == 200, r.text
        got[r.json()["name"]] = (r.json()["depth"], r.json()["level"], r.json()["parent_id"])
    assert got == {
        "Thành phố Hồ Chí Minh": (0, "Thành phố", None),
        "Phường Thuận An": (1, "Phường", str(city.id)),
        "Huyện Củ Chi": (1, "Huyện", str(city.id)),
        "Xã Tân Thạnh Đông": (2, "Xã", str(district.id)),
    }


async def test_under_lists_a_whole_subtree_in_tree_order(app, client, session, admin):
    city, ward_a, _, district, _, _, _ = await two_and_three_tiers(session)
    assert sorted(await _names(client, app, admin, under=str(city.id))) == sorted(
        [
            "Thành phố Hồ Chí Minh",
            "Phường Thuận An",
            "Phường Dĩ An",
            "Huyện Củ Chi",
            "Xã Tân Thạnh Đông",
            "Xã Phước Hiệp",
        ]
    )
    subtree = await _names(client, app, admin, under=str(district.id))
    assert subtree[0] == "Huyện Củ Chi"  # tree order: a node before its descendants
    assert sorted(subtree) == ["Huyện Củ Chi", "Xã Phước Hiệp", "Xã Tân Thạnh Đông"]
    assert await _names(client, app, admin, under=str(ward_a.id)) == ["Phường Thuận An"]


async def test_tree_order_puts_every_node_before_its_descendants(app, client, session, admin):
    await two_and_three_tiers(session)
    r = await client.get(ADMIN_URL, headers=auth(app, admin))
    seen: set[str] = set()
    for unit in r.json()["items"]:
        assert unit["parent_id"] is None or unit["parent_id"] in seen
        seen.add(unit["id"])
    assert len(seen) == 7


async def test_filters_parent_level_and_diacritic_free_search(app, client, session, admin):
    city, *_ = await two_and_three_tiers(session)
    children = await _names(client, app, admin, parent_id=str(city.id))
    assert sorted(children) == ["Huyện Củ Chi", "Phường Dĩ An", "Phường Thuận An"]
    assert sorted(await _names(client, app, admin, level="Xã")) == [
        "Xã Phước Hiệp",
        "Xã Tân Thạnh Đông",
    ]
    assert await _names(client, app, admin, q="thuan an") == ["Phường Thuận An"]
    assert await _names(client, app, admin, q="CU CHI") == ["Huyện Củ Chi"]
    assert await _names(client, app, admin, q="100%") == []


async def test_cursor_pagination_walks_the_tree_once(app, client, session, admin):
    await two_and_three_tiers(session)
    seen, cursor = [], None
    for _ in range(10):
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = (await client.get(ADMIN_URL, params=params, headers=auth(app, admin))).json()
        assert len(page["items"]) <= 2
        seen += [u["id"] for u in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == 7
    r = await client.get(ADMIN_URL, params={"cursor": "%%%"}, headers=auth(app, admin))
    assert r.status_code == 422 and r.json()["code"] == "invalid_cursor"


async def test_under_unknown_node_is_404(app, client, session, admin):
    await session.commit()
    r = await client.get(ADMIN_URL, params={"under": str(admin.id)}, headers=auth(app, admin))
    assert r.status_code == 404 and r.json()["code"] == "not_found"


async def test_create_via_api_builds_path_and_depth(app, client, session, admin):
    await session.commit()
    h = auth(app, admin)
    r = await client.post(
        ADMIN_URL, json={"code": "79", "name": "TP HCM", "level": "Thành phố"}, headers=h
    )
    assert r.status_code == 201, r.text
    assert r.headers["etag"] == '"1"'
    city = r.json()
    body = {"code": "79-P1", "name": "Phường 1", "level": "Phường", "parent_id": city["id"]}
    ward = (await client.post(ADMIN_URL, json=body, headers=h)).json()
    assert (city["depth"], ward["depth"], ward["parent_id"]) == (0, 1, city["id"])
    stored = await session.get(AdminUnit, uuid.UUID(ward["id"]))
    assert stored.path == f"/{city['id'].replace('-', '')}/{ward['id'].replace('-', '')}/"


async def test_union_tree_with_admin_unit_link(app, client, session, admin):
    city = await make_unit(session, AdminUnit, "TP HCM")
    await session.commit()
    h = auth(app, admin)
    fed = {"code": "LDLD", "name": "LĐLĐ TP", "level": "LĐLĐ", "admin_unit_id": str(city.id)}
    r = await client.post("/api/v1/union-units", json=fed, headers=h)
    assert r.status_code == 201, r.text
    assert r.json()["admin_unit_id"] == str(city.id)
    kcn = {
        "code": "CD-KCN",
        "name": "CĐ KCN",
        "level": "Công đoàn KCN",
        "parent_id": r.json()["id"],
    }
    r2 = await client.post("/api/v1/union-units", json=kcn, headers=h)
    assert r2.json()["depth"] == 1
    bad = kcn | {"code": "X", "admin_unit_id": r.json()["id"]}  # a union id is no admin unit
    r3 = await client.post("/api/v1/union-units", json=bad, headers=h)
    assert r3.status_code == 422 and r3.json()["code"] == "unknown_unit"
    assert await session.get(UnionUnit, uuid.UUID(r2.json()["id"])) is not None


async def test_code_taken_is_409_on_create_and_update(app, client, session, admin):
    await make_unit(session, AdminUnit, "A", code="A-1")
    b = await make_unit(session, AdminUnit, "B", code="B-1")
    await session.commit()
    h = auth(app, admin)
    r = await client.post(ADMIN_URL, json={"code": "A-1", "name": "Khác", "level": "X"}, headers=h)
    assert r.status_code == 409 and r.json()["code"] == "code_taken"
    r = await client.patch(
        f"{ADMIN_URL}/{b.id}", json={"code": "A-1"}, headers=h | {"If-Match": '"1"'}
    )
    assert r.status_code == 409 and r.json()["code"] == "code_taken"
    # The same code exists in the other tree without conflict: codes are per tree.
    r = await client.post(
        "/api/v1/union-units", json={"code": "A-1", "name": "CĐ", "level": "X"}, headers=h
    )
    assert r.status_code == 201, r.text


async def test_if_match_missing_is_428_and_stale_is_412(app, client, session, admin):
    unit = await make_unit(session, AdminUnit, "Phường Cũ")
    await session.commit()
    h = auth(app, admin)
    url = f"{ADMIN_URL}/{unit.id}"
    r = await client.patch(url, json={"name": "Phường Mới"}, headers=h)
    assert r.status_code == 428 and r.json()["code"] == "precondition_required"
    assert r.json()["current_etag"] == '"1"'
    r = await client.patch(url, json={"name": "Phường Mới"}, headers=h | {"If-Match": '"1"'})
    assert r.status_code == 200, r.text
    assert r.headers["etag"] == '"2"' and r.json()["version"] == 2
    r = await client.patch(url, json={"name": "Lần nữa"}, headers=h | {"If-Match": '"1"'})
    assert r.status_code == 412 and r.json()["code"] == "precondition_failed"
    r = await client.delete(url, params={"reason": "sáp nhập"}, headers=h)
    assert r.status_code == 428
    r = await client.delete(url, params={"reason": "sáp nhập"}, headers=h | {"If-Match": '"1"'})
    assert r.status_code == 412
    assert (await client.get(url, headers=h)).json()["name"] == "Phường Mới"

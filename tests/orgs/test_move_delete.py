"""Moving a subtree rewrites every descendant; cycles are refused; deletes are soft, leaves only."""

import uuid

import pytest

from backend.models import AdminUnit, UnionUnit
from tests.factories import auth, make_unit, make_user


@pytest.fixture
async def admin(session):
    return await make_user(session)


def expected_path(*nodes) -> str:
    return "/" + "".join(f"{n.id.hex}/" for n in nodes)


async def _patch(client, app, user, model_url, node, body, version=None):
    version = version if version is not None else node.version
    return await client.patch(
        f"{model_url}/{node.id}", json=body, headers=auth(app, user) | {"If-Match": f'"{version}"'}
    )


async def _reload(session, *nodes):
    """Fresh copies from the database (the API wrote through its own session)."""
    for node in nodes:
        await session.refresh(node)
    return list(nodes)


@pytest.mark.parametrize(
    "model, url", [(AdminUnit, "/api/v1/admin-units"), (UnionUnit, "/api/v1/union-units")]
)
async def test_moving_a_subtree_rewrites_paths_and_depths(app, client, session, admin, model, url):
    root = await make_unit(session, model, "Gốc")
    a = await make_unit(session, model, "A", parent=root)
    b = await make_unit(session, model, "B", parent=root)
    a1 = await make_unit(session, model, "A1", parent=a)
    a11 = await make_unit(session, model, "A11", parent=a1)
    bystander = await make_unit(session, model, "B1", parent=b)
    await session.commit()

    r = await _patch(client, app, admin, url, a, {"parent_id": str(b.id)})
    assert r.status_code == 200, r.text
    assert (r.json()["parent_id"], r.json()["depth"]) == (str(b.id), 2)

    a, a1, a11, bystander = await _reload(session, a, a1, a11, bystander)
    assert a.path == expected_path(root, b, a)
    assert a1.path == expected_path(root, b, a, a1)
    assert a11.path == expected_path(root, b, a, a1, a11)
    assert (a.depth, a1.depth, a11.depth) == (2, 3, 4)
    assert (a1.parent_id, a11.parent_id) == (a.id, a1.id)  # inner links untouched
    assert bystander.path == expected_path(root, b, bystander) and bystander.depth == 2

    under_b = await client.get(url, params={"under": str(b.id)}, headers=auth(app, admin))
    assert sorted(u["name"] for u in under_b.json()["items"]) == ["A", "A1", "A11", "B", "B1"]


async def test_moving_to_the_root_and_back(app, client, session, admin):
    url = "/api/v1/admin-units"
    city = await make_unit(session, AdminUnit, "TP")
    district = await make_unit(session, AdminUnit, "Huyện", parent=city)
    ward = await make_unit(session, AdminUnit, "Xã", parent=district)
    await session.commit()
    r = await _patch(client, app, admin, url, district, {"parent_id": None})
    assert r.status_code == 200, r.text
    district, ward = await _reload(session, district, ward)
    assert (district.path, district.depth, district.parent_id) == (expected_path(district), 0, None)
    assert (ward.path, ward.depth) == (expected_path(district, ward), 1)
    r = await _patch(client, app, admin, url, district, {"parent_id": str(city.id)})
    assert r.status_code == 200, r.text
    (ward,) = await _reload(session, ward)
    assert (ward.path, ward.depth) == (expected_path(city, district, ward), 2)


async def test_move_with_rename_in_one_patch(app, client, session, admin):
    url = "/api/v1/admin-units"
    a = await make_unit(session, AdminUnit, "A")
    b = await make_unit(session, AdminUnit, "B")
    await session.commit()
    r = await _patch(client, app, admin, url, b, {"parent_id": str(a.id), "name": "Bê"})
    assert r.status_code == 200, r.text
    assert (r.json()["name"], r.json()["depth"], r.json()["version"]) == ("Bê", 1, 2)


@pytest.mark.parametrize("target", ["self", "child", "grandchild"])
async def test_cycles_are_refused(app, client, session, admin, target):
    url = "/api/v1/admin-units"
    top = await make_unit(session, AdminUnit, "Trên")
    child = await make_unit(session, AdminUnit, "Con", parent=top)
    grandchild = await make_unit(session, AdminUnit, "Cháu", parent=child)
    await session.commit()
    new_parent = {"self": top, "child": child, "grandchild": grandchild}[target]
    r = await _patch(client, app, admin, url, top, {"parent_id": str(new_parent.id)})
    assert r.status_code == 422, r.text
    assert r.json()["code"] == "tree_cycle"
    (top,) = await _reload(session, top)
    assert (top.path, top.parent_id, top.version) == (expected_path(top), None, 1)


async def test_move_under_a_missing_or_deleted_parent_is_refused(app, client, session, admin):
    url = "/api/v1/admin-units"
    a = await make_unit(session, AdminUnit, "A")
    gone = await make_unit(session, AdminUnit, "Đã xoá")
    await session.commit()
    r = await client.delete(
        f"{url}/{gone.id}",
        params={"reason": "sáp nhập"},
        headers=auth(app, admin) | {"If-Match": '"1"'},
    )
    assert r.status_code == 204, r.text
    for parent in (gone.id, uuid.uuid4()):
        r = await _patch(client, app, admin, url, a, {"parent_id": str(parent)})
        assert r.status_code == 422 and r.json()["code"] == "unknown_unit", r.text


async def test_delete_with_children_is_409(app, client, session, admin):
    url = "/api/v1/admin-units"
    parent = await make_unit(session, AdminUnit, "Cha")
    child = await make_unit(session, AdminUnit, "Con", parent=parent)
    await session.commit()
    h = auth(app, admin) | {"If-Match": '"1"'}
    r = await client.delete(f"{url}/{parent.id}", params={"reason": "giải thể"}, headers=h)
    assert r.status_code == 409 and r.json()["code"] == "has_children"
    # Once the child is gone, the parent may go too.
    assert (
        await client.delete(f"{url}/{child.id}", params={"reason": "giải thể"}, headers=h)
    ).status_code == 204
    assert (
        await client.delete(f"{url}/{parent.id}", params={"reason": "giải thể"}, headers=h)
    ).status_code == 204


async def test_soft_delete_hides_but_keeps_the_row(app, client, session, admin):
    url = "/api/v1/union-units"
    parent = await make_unit(session, UnionUnit, "LĐLĐ")
    leaf = await make_unit(session, UnionUnit, "CĐCS", parent=parent)
    await session.commit()
    h = auth(app, admin)
    r = await client.delete(
        f"{url}/{leaf.id}",
        params={"reason": "doanh nghiệp đóng cửa"},
        headers=h | {"If-Match": '"1"'},
    )
    assert r.status_code == 204, r.text
    assert (await client.get(f"{url}/{leaf.id}", headers=h)).status_code == 404
    listed = (await client.get(url, headers=h)).json()["items"]
    assert [u["name"] for u in listed] == ["LĐLĐ"]
    under = (await client.get(url, params={"under": str(parent.id)}, headers=h)).json()["items"]
    assert [u["name"] for u in under] == ["LĐLĐ"]
    r = await _patch(client, app, admin, url, leaf, {"name": "Sống lại"}, version=2)
    assert r.status_code == 404
    (stored,) = await _reload(session, leaf)
    assert stored is not None and stored.deleted_at is not None


async def test_delete_needs_a_reason(app, client, session, admin):
    unit = await make_unit(session, AdminUnit, "A")
    await session.commit()
    r = await client.delete(
        f"/api/v1/admin-units/{unit.id}", headers=auth(app, admin) | {"If-Match": '"1"'}
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "query.reason"

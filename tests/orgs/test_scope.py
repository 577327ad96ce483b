"""Scope over the hierarchy routes: outside the caller's scope is 404 (on reads and writes);
inside it, a role without the permission gets 403."""

import uuid

import pytest

from backend.models import AdminUnit, UnionUnit
from tests.factories import auth, make_unit, make_user

UNION_URL = "/api/v1/union-units"
ADMIN_URL = "/api/v1/admin-units"


@pytest.fixture
async def world(session):
    """City federation → KCN union → two grassroots unions; a district union beside it."""
    fed = await make_unit(session, UnionUnit, "LĐLĐ TP", level="LĐLĐ thành phố")
    kcn = await make_unit(session, UnionUnit, "CĐ KCN", parent=fed, level="Công đoàn KCN")
    cdcs_a = await make_unit(session, UnionUnit, "CĐCS A", parent=kcn, level="CĐCS")
    cdcs_b = await make_unit(session, UnionUnit, "CĐCS B", parent=kcn, level="CĐCS")
    district = await make_unit(session, UnionUnit, "LĐLĐ Quận", parent=fed, level="LĐLĐ quận")
    cdcs_c = await make_unit(session, UnionUnit, "CĐCS C", parent=district, level="CĐCS")
    ward = await make_unit(session, AdminUnit, "Phường Thuận An")
    officer = await make_user(session, role="union_officer", units=[kcn])
    await session.commit()
    return {
        "fed": fed,
        "kcn": kcn,
        "cdcs_a": cdcs_a,
        "cdcs_b": cdcs_b,
        "district": district,
        "cdcs_c": cdcs_c,
        "ward": ward,
        "officer": officer,
    }


def names(r) -> list[str]:
    assert r.status_code == 200, r.text
    return sorted(u["name"] for u in r.json()["items"])


async def test_union_officer_lists_only_their_subtree(app, client, world):
    h = auth(app, world["officer"])
    assert names(await client.get(UNION_URL, headers=h)) == ["CĐ KCN", "CĐCS A", "CĐCS B"]
    r = await client.get(UNION_URL, params={"under": str(world["kcn"].id)}, headers=h)
    assert names(r) == ["CĐ KCN", "CĐCS A", "CĐCS B"]
    r = await client.get(UNION_URL, params={"parent_id": str(world["fed"].id)}, headers=h)
    assert names(r) == ["CĐ KCN"]  # the sibling district union stays hidden


@pytest.mark.parametrize("outside", ["fed", "district", "cdcs_c"])
async def test_union_officer_gets_404_outside_scope_on_get_patch_delete(
    app, client, world, outside
):
    h = auth(app, world["officer"]) | {"If-Match": '"1"'}
    url = f"{UNION_URL}/{world[outside].id}"
    for r in (
        await client.get(url, headers=h),
        await client.patch(url, json={"name": "Đổi tên"}, headers=h),
        await client.delete(url, params={"reason": "thử xoá"}, headers=h),
    ):
        assert r.status_code == 404, r.text
        assert r.json()["code"] == "not_found"
    r = await client.get(UNION_URL, params={"under": str(world[outside].id)}, headers=h)
    assert r.status_code == 404, r.text


async def test_out_of_scope_and_nonexistent_answer_the_same(app, client, world):
    h = auth(app, world["officer"])
    hidden = await client.get(f"{UNION_URL}/{world['fed'].id}", headers=h)
    missing = await client.get(f"{UNION_URL}/{uuid.uuid4()}", headers=h)
    strip = {"instance", "request_id"}
    assert {k: v for k, v in hidden.json().items() if k not in strip} == {
        k: v for k, v in missing.json().items() if k not in strip
    }


@pytest.mark.parametrize("inside", ["kcn", "cdcs_a"])
async def test_union_officer_gets_403_on_writes_inside_scope(app, client, world, inside):
    h = auth(app, world["officer"]) | {"If-Match": '"1"'}
    url = f"{UNION_URL}/{world[inside].id}"
    assert (await client.get(url, headers=h)).status_code == 200
    for r in (
        await client.patch(url, json={"name": "Đổi tên"}, headers=h),
        await client.delete(url, params={"reason": "thử xoá"}, headers=h),
    ):
        assert r.status_code == 403, r.text
        assert r.json()["code"] == "forbidden"


async def test_non_admin_cannot_create_units(app, client, world):
    h = auth(app, world["officer"])
    body = {"code": "X", "name": "X", "level": "X", "parent_id": str(world["kcn"].id)}
    r = await client.post(UNION_URL, json=body, headers=h)
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    r = await client.post(ADMIN_URL, json=body | {"parent_id": None}, headers=h)
    assert r.status_code == 403


@pytest.mark.parametrize("role", ["police_liaison", "team_leader", "team_member"])
async def test_police_and_team_roles_see_no_union_units(app, client, session, world, role):
    user = await make_user(
        session, role=role, units=[world["ward"]] if role == "police_liaison" else []
    )
    await session.commit()
    h = auth(app, user) | {"If-Match": '"1"'}
    assert names(await client.get(UNION_URL, headers=h)) == []
    for unit in ("fed", "kcn", "cdcs_a"):
        url = f"{UNION_URL}/{world[unit].id}"
        assert (await client.get(url, headers=h)).status_code == 404
        assert (await client.patch(url, json={"name": "x"}, headers=h)).status_code == 404


@pytest.mark.parametrize("role", ["system_admin", "city_union_officer"])
async def test_admin_and_city_federation_see_every_union_unit(app, client, session, world, role):
    user = await make_user(session, role=role)
    await session.commit()
    assert len(names(await client.get(UNION_URL, headers=auth(app, user)))) == 6


@pytest.mark.parametrize(
    "role", ["city_union_officer", "union_officer", "police_liaison", "team_leader", "team_member"]
)
async def test_admin_units_are_reference_data_but_read_only_for_non_admins(
    app, client, session, world, role
):
    user = await make_user(session, role=role)
    await session.commit()
    h = auth(app, user) | {"If-Match": '"1"'}
    url = f"{ADMIN_URL}/{world['ward'].id}"
    assert names(await client.get(ADMIN_URL, headers=h)) == ["Phường Thuận An"]
    assert (await client.get(url, headers=h)).status_code == 200
    assert (await client.patch(url, json={"name": "x"}, headers=h)).status_code == 403
    assert (await client.delete(url, params={"reason": "thử xoá"}, headers=h)).status_code == 403


async def test_scope_follows_a_moved_subtree(app, client, session, world):
    """Moving CĐCS C under the KCN union brings it into the KCN officer's scope."""
    admin = await make_user(session)
    await session.commit()
    h_admin = auth(app, admin) | {"If-Match": '"1"'}
    url = f"{UNION_URL}/{world['cdcs_c'].id}"
    h = auth(app, world["officer"])
    assert (await client.get(url, headers=h)).status_code == 404
    r = await client.patch(url, json={"parent_id": str(world["kcn"].id)}, headers=h_admin)
    assert r.status_code == 200, r.text
    assert (await client.get(url, headers=h)).status_code == 200


async def test_anonymous_gets_401_everywhere(client, world):
    for r in (
        await client.get(UNION_URL),
        await client.get(f"{ADMIN_URL}/{world['ward'].id}"),
        await client.post(ADMIN_URL, json={}),
    ):
        assert r.status_code == 401 and r.json()["code"] == "unauthorized"

"""User administration: system admins manage accounts; everyone else sees only themselves."""

import uuid

import pytest
from sqlalchemy import select

from backend.models import AdminUnit, AuditEvent, UnionUnit
from tests.accounts.flows import assert_problem, password_login
from tests.factories import auth, make_unit, make_user

URL = "/api/v1/users"
NEW = {"phone": "0912345678", "password": "mat-khau-moi-123", "full_name": "Nguyễn Văn A"}


async def test_admin_creates_a_scoped_union_officer_who_can_sign_in(app, client, session):
    admin = await make_user(session)
    kcn = await make_unit(session, UnionUnit, "CĐ KCN")
    await session.commit()
    body = NEW | {"role": "union_officer", "scope_unit_ids": [str(kcn.id)]}
    r = await client.post(URL, json=body, headers=auth(app, admin))
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["scope_unit_ids"] == [str(kcn.id)]
    assert "password" not in created and "password_hash" not in created
    assert r.headers["etag"] == '"1"'
    login = await password_login(client, "+84912345678", NEW["password"])
    assert login.status_code == 200, login.text


@pytest.mark.parametrize(
    "role, unit_kind, code",
    [
        ("union_officer", "admin", "unknown_unit"),  # a union officer needs a union unit
        ("police_liaison", "union", "unknown_unit"),  # a police liaison needs an admin unit
        ("system_admin", "admin", "invalid_scope"),  # admins have no scope to give
        ("union_officer", "none", "unknown_unit"),
    ],
)
async def test_scope_must_fit_the_role(app, client, session, role, unit_kind, code):
    admin = await make_user(session)
    union = await make_unit(session, UnionUnit, "CĐ")
    ward = await make_unit(session, AdminUnit, "Phường")
    await session.commit()
    unit_id = {"admin": ward.id, "union": union.id, "none": uuid.uuid4()}[unit_kind]
    body = NEW | {"role": role, "scope_unit_ids": [str(unit_id)]}
    r = await client.post(URL, json=body, headers=auth(app, admin))
    assert_problem(r, 422, code)


async def test_unknown_role_is_a_validation_error(app, client, session):
    admin = await make_user(session)
    await session.commit()
    r = await client.post(URL, json=NEW | {"role": "chief"}, headers=auth(app, admin))
    assert_problem(r, 422, "validation_error")
    assert r.json()["errors"][0]["field"] == "body.role"


async def test_short_password_is_refused(app, client, session):
    admin = await make_user(session)
    await session.commit()
    body = NEW | {"role": "team_member", "password": "short"}
    r = await client.post(URL, json=body, headers=auth(app, admin))
    assert_problem(r, 422, "validation_error")
    assert r.json()["errors"][0]["field"] == "body.password"


async def test_update_with_if_match_and_audit(app, client, session):
    admin = await make_user(session)
    target = await make_user(session, role="team_member")
    ward = await make_unit(session, AdminUnit, "Phường")
    await session.commit()
    url = f"{URL}/{target.id}"
    h = auth(app, admin)
    assert_problem(
        await client.patch(url, json={"full_name": "B"}, headers=h), 428, "precondition_required"
    )
    body = {
        "role": "police_liaison",
        "scope_unit_ids": [str(ward.id)],
        "password": "mat-khau-khac-1",
    }
    r = await client.patch(url, json=body, headers=h | {"If-Match": '"1"'})
    assert r.status_code == 200, r.text
    assert (r.json()["role"], r.json()["scope_unit_ids"], r.headers["etag"]) == (
        "police_liaison",
        [str(ward.id)],
        '"2"',
    )
    stale = await client.patch(url, json={"full_name": "C"}, headers=h | {"If-Match": '"1"'})
    assert_problem(stale, 412, "precondition_failed")
    event = await session.scalar(select(AuditEvent).where(AuditEvent.action == "user.update"))
    assert event.actor_id == admin.id and event.object_id == str(target.id)
    assert (event.before["role"], event.after["role"]) == ("team_member", "police_liaison")
    assert event.after["scope_unit_ids"] == [str(ward.id)]
    assert event.detail == {"password_changed": True}
    assert "password_hash" not in event.before and "password_hash" not in event.after


async def test_disabling_a_user_cuts_their_access(app, client, session):
    admin = await make_user(session)
    target = await make_user(session, role="team_member")
    await session.commit()
    h_target = auth(app, target)
    assert (await client.get("/api/v1/me", headers=h_target)).status_code == 200
    r = await client.patch(
        f"{URL}/{target.id}",
        json={"is_active": False},
        headers=auth(app, admin) | {"If-Match": '"1"'},
    )
    assert r.status_code == 200, r.text
    assert_problem(await client.get("/api/v1/me", headers=h_target), 401, "unauthorized")


@pytest.mark.parametrize(
    "role", ["city_union_officer", "union_officer", "police_liaison", "team_leader", "team_member"]
)
async def test_non_admin_sees_only_self_and_cannot_manage(app, client, session, role):
    me = await make_user(session, role=role)
    other = await make_user(session, role=role)
    await make_user(session)
    await session.commit()
    h = auth(app, me) | {"If-Match": '"1"'}
    listed = await client.get(URL, headers=h)
    assert [u["id"] for u in listed.json()["items"]] == [str(me.id)]
    assert (await client.get(f"{URL}/{me.id}", headers=h)).status_code == 200
    assert_problem(await client.get(f"{URL}/{other.id}", headers=h), 404, "not_found")
    # Writing: inside scope (self) is a 403, outside scope a 404 that reveals nothing.
    assert_problem(
        await client.patch(f"{URL}/{me.id}", json={"role": "system_admin"}, headers=h),
        403,
        "forbidden",
    )
    assert_problem(
        await client.patch(f"{URL}/{other.id}", json={"full_name": "x"}, headers=h),
        404,
        "not_found",
    )
    assert_problem(
        await client.post(URL, json=NEW | {"role": "team_member"}, headers=h), 403, "forbidden"
    )


async def test_admin_lists_everyone_with_role_filter_and_cursor(app, client, session):
    admin = await make_user(session)
    members = [await make_user(session, role="team_member") for _ in range(3)]
    await session.commit()
    h = auth(app, admin)
    seen, cursor = [], None
    for _ in range(5):
        params = {"limit": 2, "role": "team_member"} | ({"cursor": cursor} if cursor else {})
        page = (await client.get(URL, params=params, headers=h)).json()
        seen += [u["id"] for u in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(str(m.id) for m in members)
    assert (await client.get(URL, params={"limit": 0}, headers=h)).status_code == 422

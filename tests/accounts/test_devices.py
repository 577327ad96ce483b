"""Logout and my devices: a signed-out or revoked device loses its refresh and access tokens."""

import uuid

from sqlalchemy import select

from backend.models import AuditEvent
from tests.accounts.flows import assert_problem, bearer, refresh, tokens
from tests.factories import auth, make_user


async def test_logout_ends_this_device_only(client, session):
    user = await make_user(session)
    await session.commit()
    a = await tokens(client, user.phone, "phone-A")
    b = await tokens(client, user.phone, "phone-B")
    r = await client.post("/api/v1/auth/logout", headers=bearer(a))
    assert r.status_code == 204, r.text
    assert_problem(await client.get("/api/v1/me", headers=bearer(a)), 401, "unauthorized")
    assert_problem(
        await refresh(client, a["refresh_token"], "phone-A"), 401, "invalid_refresh_token"
    )
    assert (await client.get("/api/v1/me", headers=bearer(b))).status_code == 200
    assert (await refresh(client, b["refresh_token"], "phone-B")).status_code == 200


async def test_logout_needs_a_token(client):
    assert_problem(await client.post("/api/v1/auth/logout"), 401, "unauthorized")


async def test_sign_in_again_on_a_logged_out_phone(client, session):
    user = await make_user(session)
    await session.commit()
    first = await tokens(client, user.phone, "phone-A")
    await client.post("/api/v1/auth/logout", headers=bearer(first))
    again = await tokens(client, user.phone, "phone-A")
    assert (await client.get("/api/v1/me", headers=bearer(again))).status_code == 200
    devices = (await client.get("/api/v1/me/devices", headers=bearer(again))).json()["items"]
    assert len(devices) == 1 and devices[0]["revoked_at"] is None


async def test_new_sign_in_on_same_phone_starts_a_new_family(client, session):
    user = await make_user(session)
    await session.commit()
    old = await tokens(client, user.phone, "phone-A")
    await tokens(client, user.phone, "phone-A")
    assert_problem(await refresh(client, old["refresh_token"]), 401, "invalid_refresh_token")


async def test_list_and_revoke_my_devices(client, session):
    user = await make_user(session)
    await session.commit()
    a = await tokens(client, user.phone, "phone-A")
    b = await tokens(client, user.phone, "phone-B")
    listed = (await client.get("/api/v1/me/devices", headers=bearer(a))).json()["items"]
    assert {d["device_id"]: d["current"] for d in listed} == {"phone-A": True, "phone-B": False}
    lost = next(d for d in listed if d["device_id"] == "phone-B")

    r = await client.delete(f"/api/v1/me/devices/{lost['id']}", headers=bearer(a))
    assert r.status_code == 204, r.text
    assert_problem(await client.get("/api/v1/me", headers=bearer(b)), 401, "unauthorized")
    assert_problem(
        await refresh(client, b["refresh_token"], "phone-B"), 401, "invalid_refresh_token"
    )
    assert (await client.get("/api/v1/me", headers=bearer(a))).status_code == 200
    listed = (await client.get("/api/v1/me/devices", headers=bearer(a))).json()["items"]
    assert [d["revoked_at"] is not None for d in listed if d["device_id"] == "phone-B"] == [True]
    event = await session.scalar(
        select(AuditEvent).where(AuditEvent.action == "auth.device_revoked")
    )
    assert event.object_id == lost["id"] and event.actor_id == user.id


async def test_cannot_see_or_revoke_someone_elses_device(app, client, session):
    owner = await make_user(session, role="team_member")
    other = await make_user(session, role="team_member")
    await session.commit()
    theirs = await tokens(client, owner.phone, "phone-A")
    device_id = (await client.get("/api/v1/me/devices", headers=bearer(theirs))).json()["items"][0][
        "id"
    ]

    assert (await client.get("/api/v1/me/devices", headers=auth(app, other))).json()["items"] == []
    r = await client.delete(f"/api/v1/me/devices/{device_id}", headers=auth(app, other))
    assert_problem(r, 404, "not_found")
    r = await client.delete(f"/api/v1/me/devices/{uuid.uuid4()}", headers=auth(app, other))
    assert_problem(r, 404, "not_found")
    assert (await client.get("/api/v1/me", headers=bearer(theirs))).status_code == 200

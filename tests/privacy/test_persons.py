"""A data subject's requests: export and erasure by phone number, admins only, audited."""

import pytest
from sqlalchemy import select

from backend.models import AuditEvent, BoardingHouse, TeamMember, User
from backend.models.contact import UserContact
from tests.factories import PASSWORD, auth
from tests.factories_teams import add_member

REASON = "Yêu cầu xóa dữ liệu của chủ thể, đơn ngày 01/12/2026"


async def _person(session, world):
    """The leader of team A: an account, a membership, a landlord, a contact, a listed number."""
    leader = world.leader_a
    house = await session.get(BoardingHouse, world.house_a2.id)
    house.landlord_name, house.landlord_phone = "Chủ trọ Lý", leader.phone
    await add_member(
        session, world.team_b, full_name="Anh Lý (không tài khoản)", phone=leader.phone
    )
    session.add(UserContact(user_id=leader.id, channel="sms", phone=leader.phone))
    await session.commit()
    return leader


async def test_export_gathers_everything_under_the_number(app, client, session, world):
    leader = await _person(session, world)
    local = leader.phone.replace("+84", "0")
    r = await client.get(
        "/api/v1/persons/export", params={"phone": local}, headers=auth(app, world.admin)
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["phone"] == leader.phone
    assert [a["id"] for a in body["accounts"]] == [str(leader.id)]
    assert body["accounts"][0]["phone"] == leader.phone
    assert {m["team_id"] for m in body["memberships"]} == {
        str(world.team_a.id),
        str(world.team_b.id),
    }
    assert [h["code"] for h in body["landlord_of"]] == [world.house_a2.code]
    assert [c["channel"] for c in body["contacts"]] == ["sms"]
    assert "p1." not in r.text and "phone_index" not in r.text
    event = (
        await session.scalars(select(AuditEvent).where(AuditEvent.action == "personal_data.export"))
    ).one()
    assert event.actor_id == world.admin.id and event.detail["accounts"] == 1
    assert event.detail["phone"] != leader.phone and event.detail["phone"].endswith(
        leader.phone[-2:]
    )


@pytest.mark.parametrize("who", ["officer_x", "city_officer", "police_a", "leader_a"])
async def test_only_admins_may_export_or_erase(app, client, session, world, who):
    leader = await _person(session, world)
    user = getattr(world, who)
    r = await client.get(
        "/api/v1/persons/export", params={"phone": leader.phone}, headers=auth(app, user)
    )
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    r = await client.post(
        "/api/v1/persons/erase",
        json={"phone": leader.phone, "reason": REASON},
        headers=auth(app, user),
    )
    assert r.status_code == 403
    session.expunge_all()
    assert (await session.get(User, leader.id)).full_name == leader.full_name


async def test_erasure_anonymises_and_stops_sign_in(app, client, session, world):
    leader = await _person(session, world)
    phone = leader.phone
    r = await client.post(
        "/api/v1/persons/erase",
        json={"phone": phone, "reason": REASON},
        headers=auth(app, world.admin),
    )
    assert r.status_code == 200, r.text
    assert r.json() == {
        "phone": r.json()["phone"],
        "accounts": 1,
        "memberships": 2,
        "houses": 1,
        "contacts": 1,
        "reported_incidents": 0,
    }
    assert phone not in r.text
    r = await client.post("/api/v1/auth/token", data={"username": phone, "password": PASSWORD})
    assert r.status_code == 401
    session.expunge_all()
    user = await session.get(User, leader.id)
    assert not user.is_active and user.full_name == "Đã xóa theo yêu cầu"
    assert user.phone.startswith("xoa-")
    members = (
        await session.scalars(select(TeamMember).where(TeamMember.user_id == leader.id))
    ).all()
    assert members and all(
        m.full_name == "Đã xóa theo yêu cầu" and m.phone is None for m in members
    )
    house = await session.get(BoardingHouse, world.house_a2.id)
    assert house.landlord_name is None and house.landlord_phone is None
    assert (await session.scalars(select(UserContact))).all() == []
    event = (
        await session.scalars(select(AuditEvent).where(AuditEvent.action == "personal_data.erase"))
    ).one()
    assert event.detail["reason"] == REASON and phone not in str(event.detail)
    # Nothing is left under the number: a second export finds nobody.
    r = await client.get(
        "/api/v1/persons/export", params={"phone": phone}, headers=auth(app, world.admin)
    )
    body = r.json()
    assert body["accounts"] == body["memberships"] == body["landlord_of"] == []


async def test_a_number_that_is_not_one_is_a_422(app, client, world):
    r = await client.get(
        "/api/v1/persons/export", params={"phone": "12345"}, headers=auth(app, world.admin)
    )
    assert r.status_code == 422 and r.json()["code"] == "invalid_phone"

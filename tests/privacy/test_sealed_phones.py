"""Phone numbers are sealed at rest, found by blind index, and answered exactly as before."""

from datetime import timedelta

import pytest
from sqlalchemy import select, text
from sqlmodel import SQLModel

from backend.core import clock, pii
from backend.core.config import Settings
from backend.core.pii import KeyUnavailable
from backend.models import AuditEvent, BoardingHouse, LoginAttempt, TeamMember, User
from backend.models.contact import UserContact
from tests.accounts.flows import bearer, refresh, tokens
from tests.conftest import TEST_SECRET
from tests.factories import PASSWORD, auth, make_user
from tests.factories_teams import add_member

# A start day in the past whatever the date the suite runs on (never a fixed date: see clock).
SINCE = (clock.today() - timedelta(days=30)).isoformat()
MEMBER = "0933111222"  # +84933111222
LANDLORD = "0903777888"  # +84903777888
ACCOUNT = "+84987654321"
CONTACT = "0912000111"  # +84912000111


def _another_secrets_keyring() -> pii.Keyring:
    """The keys a deployment with another secret derives: none of them opens this test's seals."""
    return pii.keyring_for(
        Settings(environment="test", secret_key=TEST_SECRET + "-rotated-away", database_url="x")
    )


async def _dump(session) -> str:
    """Every row of every table, as text: what someone holding a copy of the database reads."""
    out = []
    for name in SQLModel.metadata.tables:
        rows = (await session.execute(text(f'SELECT * FROM "{name}"'))).all()
        out.extend(str(tuple(r)) for r in rows)
    return "\n".join(out)


async def test_no_phone_number_is_stored_in_the_clear(app, client, session, world):
    user = await make_user(session, role="team_member", phone=ACCOUNT)
    await add_member(session, world.team_a, full_name="Nguyễn Thị Đào", phone=MEMBER)
    house = await session.get(BoardingHouse, world.house_a1.id)
    house.landlord_name, house.landlord_phone = "Chủ trọ Ba", "+84903777888"
    session.add(UserContact(user_id=user.id, channel="sms", phone="+84912000111"))
    session.add(UserContact(user_id=user.id, channel="zalo", pending_phone="+84912555666"))
    await session.commit()
    # Through the API: a failed sign-in and one by the number's local form.
    r = await client.post("/api/v1/auth/token", data={"username": "0987654321", "password": "x"})
    assert r.status_code == 401
    r = await client.post(
        "/api/v1/auth/token", data={"username": "0987 654 321", "password": PASSWORD}
    )
    assert r.status_code == 200, r.text

    dump = await _dump(session)
    for digits in ("987654321", "933111222", "903777888", "912000111", "912555666"):
        assert digits not in dump, digits
    raw = (await session.execute(text("SELECT phone_sealed, phone_index FROM user_account"))).all()
    ring = pii.keyring()
    assert all(s.startswith(f"p1.{ring.seal_key_id}.") for s, _ in raw)
    assert all(i.startswith(f"{ring.index_key_id}:") and len(i) <= 100 for _, i in raw)


async def test_answers_carry_the_number_as_before(app, client, session, world):
    await add_member(session, world.team_a, full_name="Nguyễn Thị Đào", phone=MEMBER)
    house = await session.get(BoardingHouse, world.house_a1.id)
    house.landlord_phone = "+84903777888"
    await session.commit()
    r = await client.get(f"/api/v1/users/{world.leader_a.id}", headers=auth(app, world.admin))
    assert r.status_code == 200 and r.json()["phone"] == world.leader_a.phone
    assert r.json()["phone"].startswith("+84")
    r = await client.get(f"/api/v1/teams/{world.team_a.id}/members", headers=auth(app, world.admin))
    phones = {m["full_name"]: m["phone"] for m in r.json()["items"]}
    assert phones["Nguyễn Thị Đào"] == "+84933111222"
    r = await client.get(f"/api/v1/houses/{world.house_a1.id}", headers=auth(app, world.admin))
    assert r.json()["landlord_phone"] == "+84903777888"
    assert "p1." not in r.text and "phone_index" not in r.text


async def test_audit_keeps_masked_numbers_never_seals_or_indexes(app, client, session, world):
    r = await client.post(
        f"/api/v1/teams/{world.team_a.id}/members",
        json={"full_name": "Lê Văn Tư", "phone": MEMBER, "since": SINCE},
        headers=auth(app, world.admin),
    )
    assert r.status_code == 201, r.text
    assert r.json()["phone"] == "+84933111222"
    event = (
        await session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "team_member.create",
                AuditEvent.object_id == r.json()["id"],
            )
        )
    ).one()
    assert event.after["phone"] == "+8493*****22"
    assert "phone_index" not in event.after and "p1." not in str(event.after)


async def test_lookups_go_through_the_blind_index(app, client, session, world):
    await add_member(session, world.team_a, full_name="Nguyễn Thị Đào", phone=MEMBER)
    await session.commit()
    # The same number in another form is the same person: taken.
    r = await client.post(
        "/api/v1/users",
        json={
            "phone": world.leader_a.phone.replace("+84", "0"),
            "password": "mot-mat-khau-dai-du-manh",
            "role": "team_member",
            "full_name": "Trùng số",
        },
        headers=auth(app, world.admin),
    )
    assert r.status_code == 409 and r.json()["code"] == "phone_taken"
    r = await client.post(
        f"/api/v1/teams/{world.team_a.id}/members",
        json={"full_name": "Đào khác", "phone": "+84 933 111 222", "since": SINCE},
        headers=auth(app, world.admin),
    )
    assert r.status_code == 409 and r.json()["code"] == "member_exists"
    # People search: a whole number finds its person; a fragment cannot (nothing to match).
    for q, found in (("0933 111 222", {"Nguyễn Thị Đào"}), ("0933 111", set())):
        r = await client.get(
            "/api/v1/team-members", headers=auth(app, world.admin), params={"q": q}
        )
        assert {m["full_name"] for m in r.json()["items"]} == found, q


async def test_failed_sign_ins_are_counted_without_the_number(client, session, world):
    for _ in range(2):
        r = await client.post(
            "/api/v1/auth/token", data={"username": "0911222333", "password": "sai-mat-khau"}
        )
        assert r.status_code == 401
    attempts = (await session.scalars(select(LoginAttempt))).all()
    assert [a.phone_index for a in attempts] == [pii.phone_index("+84911222333")] * 2


def test_a_sealed_column_refuses_comparison():
    with pytest.raises(TypeError, match="blind index"):
        select(User).where(User.phone == "+84912345678")
    with pytest.raises(TypeError):
        select(TeamMember).where(TeamMember.phone.in_(["+84912345678"]))
    select(TeamMember).where(TeamMember.phone.is_(None))  # NULL tests stay allowed


async def test_a_seal_opens_only_in_its_own_column(session, world):
    sealed = await session.scalar(
        text("SELECT phone_sealed FROM user_account WHERE id = :id"),
        {
            "id": world.member_a.id.hex
            if session.bind.dialect.name == "sqlite"
            else world.member_a.id
        },
    )
    await session.execute(
        text("UPDATE team_member SET phone_sealed = :s WHERE id = :id"),
        {
            "s": sealed,
            "id": world.member_a_row.id.hex
            if session.bind.dialect.name == "sqlite"
            else world.member_a_row.id,
        },
    )
    await session.commit()
    session.expunge_all()
    with pytest.raises(KeyUnavailable):
        await session.get(TeamMember, world.member_a_row.id)


async def test_a_key_this_deployment_lacks_answers_503_key_unavailable(app, client, world):
    pii.install(_another_secrets_keyring())
    r = await client.get(f"/api/v1/users/{world.leader_a.id}", headers=auth(app, world.admin))
    assert r.status_code == 503, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["code"] == "key_unavailable"
    assert body["title"].startswith("Không giải mã được")
    assert "p1." not in r.text and "Traceback" not in r.text
    r = await client.get(
        f"/api/v1/users/{world.leader_a.id}",
        headers={**auth(app, world.admin), "Accept-Language": "en"},
    )
    assert r.json()["title"].startswith("Protected data cannot be opened")


async def test_a_lost_phone_key_only_stops_what_shows_a_number(app, client, world):
    # The caller's own number is opened where it is shown (GET /me), not at every request nor
    # at a token refresh: a deployment that lost the key still takes a leader's patrols and
    # reports, for as long as the phone's refresh token lives.
    pair = await tokens(client, world.leader_a.phone)
    pii.install(_another_secrets_keyring())
    r = await refresh(client, pair["refresh_token"])
    assert r.status_code == 200, r.text
    headers = bearer(r.json())
    r = await client.get("/api/v1/sites", headers=headers)
    assert r.status_code == 200, r.text
    r = await client.get("/api/v1/me", headers=headers)
    assert r.status_code == 503, r.text
    assert r.json()["code"] == "key_unavailable"
    assert "p1." not in r.text


async def test_signing_in_does_not_need_the_phone_key(app, client, world):
    # A deployment that lost the key sealing phone numbers but kept the blind-index key (they
    # are set apart, TTQ_PII_KEYS and TTQ_PII_INDEX_KEYS) still finds the account by its
    # number and signs the phone in; only what shows the number answers 503.
    kept, lost = pii.keyring(), _another_secrets_keyring()
    pii.install(
        pii.Keyring(
            seal_keys=lost.seal_keys,
            seal_key_id=lost.seal_key_id,
            index_keys=kept.index_keys,
            index_key_id=kept.index_key_id,
        )
    )
    pair = await tokens(client, world.leader_a.phone)
    r = await client.get("/api/v1/sites", headers=bearer(pair))
    assert r.status_code == 200, r.text
    r = await client.get("/api/v1/me", headers=bearer(pair))
    assert r.status_code == 503 and r.json()["code"] == "key_unavailable", r.text

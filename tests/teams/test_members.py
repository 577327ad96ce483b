"""Team members: leaders keep their own list, members cannot, the union decides the leader."""

from datetime import timedelta

from sqlalchemy import select

from backend.core import clock
from backend.models import AuditEvent, TeamMember
from tests.factories import auth, make_user
from tests.factories_teams import add_member

TEAMS = "/api/v1/teams"


def _members(team) -> str:
    return f"{TEAMS}/{team.id}/members"


async def test_leader_adds_a_person_without_account(app, client, session, world):
    r = await client.post(
        _members(world.team_a),
        headers=auth(app, world.leader_a),
        json={"full_name": "Trần Văn Đức", "phone": "0912 345 678", "role": "deputy"},
    )
    assert r.status_code == 201, r.text
    member = r.json()
    assert member["phone"] == "+84912345678" and member["user_id"] is None
    assert member["since"] == clock.today().isoformat() and member["until"] is None
    assert r.headers["etag"] == '"1"'
    event = (
        await session.scalars(select(AuditEvent).where(AuditEvent.object_id == member["id"]))
    ).one()
    assert event.action == "team_member.create" and event.actor_id == world.leader_a.id


async def test_leader_may_not_hand_out_or_end_the_leader_role(app, client, world):
    headers = auth(app, world.leader_a)
    r = await client.post(
        _members(world.team_a), headers=headers, json={"full_name": "Lê B", "role": "leader"}
    )
    assert r.status_code == 403 and r.json()["code"] == "leader_reserved"
    url = f"{_members(world.team_a)}/{world.leader_a_row.id}"
    r = await client.patch(
        url, headers=headers | {"If-Match": '"1"'}, json={"until": clock.today().isoformat()}
    )
    assert r.status_code == 403 and r.json()["code"] == "leader_reserved"
    # Their own name and phone are theirs to fix.
    r = await client.patch(url, headers=headers | {"If-Match": '"1"'}, json={"phone": "0987654321"})
    assert r.status_code == 200, r.text


async def test_member_cannot_manage_the_list(app, client, world):
    headers = auth(app, world.member_a)
    r = await client.post(_members(world.team_a), headers=headers, json={"full_name": "Lê C"})
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    r = await client.delete(
        f"{_members(world.team_a)}/{world.member_a_row.id}",
        headers=headers | {"If-Match": '"1"'},
        params={"reason": "tự xóa"},
    )
    assert r.status_code == 403
    # Reading the team's list is fine.
    r = await client.get(_members(world.team_a), headers=headers)
    assert r.status_code == 200 and len(r.json()["items"]) == 2


async def test_leader_of_one_team_is_not_manager_of_another_they_belong_to(
    app, client, session, world
):
    await add_member(session, world.team_b, user=world.leader_a)
    await session.commit()
    headers = auth(app, world.leader_a)
    r = await client.get(_members(world.team_b), headers=headers)
    assert r.status_code == 200
    r = await client.post(_members(world.team_b), headers=headers, json={"full_name": "Lê D"})
    assert r.status_code == 403 and r.json()["code"] == "not_team_manager"


async def test_out_of_scope_member_paths_are_404(app, client, world):
    url = f"{_members(world.team_a)}/{world.member_a_row.id}"
    for who in ("leader_b", "officer_y"):
        headers = auth(app, getattr(world, who)) | {"If-Match": '"1"'}
        assert (await client.get(url, headers=headers)).status_code == 404
        r = await client.patch(url, headers=headers, json={"full_name": "X"})
        assert r.status_code == 404, who
        r = await client.delete(url, headers=headers, params={"reason": "xóa nhầm"})
        assert r.status_code == 404, who
    # A member id under the wrong team is not found either.
    wrong = f"{_members(world.team_b)}/{world.member_a_row.id}"
    assert (await client.get(wrong, headers=auth(app, world.admin))).status_code == 404


async def test_accounts_duplicates_and_the_single_leader(app, client, session, world):
    newcomer = await make_user(session, role="team_member")
    officer = await make_user(session, role="union_officer", units=[world.union_x])
    await session.commit()
    headers = auth(app, world.officer_x)
    url = _members(world.team_a)
    r = await client.post(url, headers=headers, json={"user_id": str(newcomer.id)})
    assert r.status_code == 201, r.text
    assert r.json()["full_name"] == newcomer.full_name and r.json()["phone"] == newcomer.phone
    r = await client.post(url, headers=headers, json={"user_id": str(newcomer.id)})
    assert r.status_code == 409 and r.json()["errors"][0]["field"] == "user_id"
    r = await client.post(url, headers=headers, json={"user_id": str(officer.id)})
    assert r.status_code == 422 and r.json()["code"] == "invalid_member_user"
    r = await client.post(url, headers=headers, json={"full_name": "Lê E", "role": "leader"})
    assert r.status_code == 409 and r.json()["code"] == "leader_exists"


async def test_bad_member_input_names_the_field(app, client, world):
    headers = auth(app, world.officer_x)
    url = _members(world.team_a)
    future = str(clock.today() + timedelta(days=2))
    cases = [
        ({"full_name": "Lê F", "phone": "12345"}, "invalid_phone", "phone"),
        ({"phone": "0912345679"}, "required", "full_name"),
        ({"full_name": "Lê G", "since": future}, "since_in_future", "since"),
        (
            {"full_name": "Lê H", "since": "2025-01-10", "until": "2025-01-01"},
            "invalid_period",
            "until",
        ),
        ({"full_name": "Lê I", "role": "captain"}, "validation_error", "body.role"),
    ]
    for body, code, field in cases:
        r = await client.post(url, headers=headers, json=body)
        assert r.status_code == 422, body
        assert r.json()["code"] == code
        assert r.json()["errors"][0]["field"] == field


async def test_update_etag_and_soft_delete(app, client, session, world):
    url = f"{_members(world.team_a)}/{world.member_a_row.id}"
    headers = auth(app, world.leader_a)
    r = await client.patch(url, headers=headers | {"If-Match": '"1"'}, json={"role": "deputy"})
    assert r.status_code == 200 and r.json()["role"] == "deputy"
    r = await client.patch(url, headers=headers | {"If-Match": '"1"'}, json={"role": "member"})
    assert r.status_code == 412 and r.json()["current"]["role"] == "deputy"
    # Before: the member sees the team.
    team_url = f"{TEAMS}/{world.team_a.id}"
    assert (await client.get(team_url, headers=auth(app, world.member_a))).status_code == 200
    r = await client.delete(
        url, headers=headers | {"If-Match": '"2"'}, params={"reason": "nhập nhầm"}
    )
    assert r.status_code == 204
    assert (await client.get(url, headers=headers)).status_code == 404
    assert (await client.get(team_url, headers=auth(app, world.member_a))).status_code == 404
    row = await session.scalar(
        select(TeamMember.delete_reason).where(TeamMember.id == world.member_a_row.id)
    )
    assert row == "nhập nhầm"
    actions = (
        await session.scalars(
            select(AuditEvent.action).where(AuditEvent.object_id == str(world.member_a_row.id))
        )
    ).all()
    assert sorted(actions) == ["team_member.create", "team_member.delete", "team_member.update"]


async def test_people_search_ignores_diacritics_and_stays_in_scope(app, client, session, world):
    await add_member(session, world.team_a, full_name="Nguyễn Thị Đào", phone="0933111222")
    await add_member(session, world.team_b, full_name="Đào Văn Nam")
    await session.commit()

    async def names(user, q):
        r = await client.get("/api/v1/team-members", headers=auth(app, user), params={"q": q})
        assert r.status_code == 200, r.text
        return {m["full_name"] for m in r.json()["items"]}

    assert await names(world.admin, "dao") == {"Nguyễn Thị Đào", "Đào Văn Nam"}
    assert await names(world.officer_x, "DAO") == {"Nguyễn Thị Đào"}
    assert await names(world.leader_b, "đào") == {"Đào Văn Nam"}
    # Phone numbers are sealed at rest: a whole number finds its person, a fragment nobody.
    assert await names(world.admin, "0933 111 222") == {"Nguyễn Thị Đào"}
    assert await names(world.admin, "+84933111222") == {"Nguyễn Thị Đào"}
    assert await names(world.admin, "0933 111") == set()
    r = await client.get(
        _members(world.team_a), headers=auth(app, world.leader_a), params={"q": "nguyen thi"}
    )
    assert [m["full_name"] for m in r.json()["items"]] == ["Nguyễn Thị Đào"]

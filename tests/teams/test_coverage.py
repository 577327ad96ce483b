"""The houses a team covers: add, end, list; who may, and what becomes visible."""

from datetime import timedelta

from sqlalchemy import select

from backend.core import clock
from backend.models import AuditEvent, BoardingHouse
from backend.policy import load_subject, scoped
from tests.factories import auth

TEAMS = "/api/v1/teams"


def _houses(team) -> str:
    return f"{TEAMS}/{team.id}/houses"


async def _visible_house_ids(session, user) -> set:
    subject = await load_subject(session, user)
    rows = await session.scalars(scoped(select(BoardingHouse.id), subject, BoardingHouse))
    return set(rows.all())


async def test_leader_adds_a_house_of_the_teams_area_and_then_sees_it(app, client, session, world):
    assert world.house_free_a.id not in await _visible_house_ids(session, world.leader_a)
    r = await client.post(
        _houses(world.team_a),
        headers=auth(app, world.leader_a),
        json={"house_id": str(world.house_free_a.id)},
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["house"]["name"] == "Nhà trọ Cô Ba" and body["until"] is None
    assert world.house_free_a.id in await _visible_house_ids(session, world.leader_a)
    assert world.house_free_a.id in await _visible_house_ids(session, world.member_a)
    r = await client.post(
        _houses(world.team_a),
        headers=auth(app, world.leader_a),
        json={"house_id": str(world.house_free_a.id)},
    )
    assert r.status_code == 409 and r.json()["code"] == "already_covered"


async def test_houses_outside_the_team_area_cannot_be_named(app, client, world):
    r = await client.post(
        _houses(world.team_a),
        headers=auth(app, world.leader_a),
        json={"house_id": str(world.house_b1.id)},
    )
    assert r.status_code == 422
    assert r.json()["code"] == "unknown_house"
    assert r.json()["errors"][0]["field"] == "house_id"
    # The admin may (a team may cover across a ward boundary).
    r = await client.post(
        _houses(world.team_a),
        headers=auth(app, world.admin),
        json={"house_id": str(world.house_b1.id)},
    )
    assert r.status_code == 201


async def test_member_and_other_teams_cannot_change_the_list(app, client, world):
    body = {"house_id": str(world.house_free_a.id)}
    r = await client.post(_houses(world.team_a), headers=auth(app, world.member_a), json=body)
    assert r.status_code == 403
    r = await client.post(_houses(world.team_a), headers=auth(app, world.officer_y), json=body)
    assert r.status_code == 404
    r = await client.post(
        f"{_houses(world.team_a)}/{world.house_a1.id}/end", headers=auth(app, world.member_a)
    )
    assert r.status_code == 403


async def test_end_coverage_today_hides_the_house_at_once(app, client, session, world):
    url = f"{_houses(world.team_a)}/{world.house_a2.id}/end"
    headers = auth(app, world.officer_x)
    tomorrow = str(clock.today() + timedelta(days=1))
    r = await client.post(url, headers=headers, json={"until": tomorrow})
    assert r.status_code == 422 and r.json()["code"] == "until_in_future"
    r = await client.post(url, headers=headers)
    assert r.status_code == 200, r.text
    assert r.json()["until"] == clock.today().isoformat()
    assert world.house_a2.id not in await _visible_house_ids(session, world.leader_a)
    r = await client.post(url, headers=headers)
    assert r.status_code == 404 and r.json()["code"] == "not_covered"
    r = await client.get(_houses(world.team_a), headers=auth(app, world.leader_a))
    assert {c["house_id"] for c in r.json()["items"]} == {str(world.house_a1.id)}
    r = await client.get(
        _houses(world.team_a), headers=auth(app, world.officer_x), params={"include_ended": True}
    )
    ended = [c for c in r.json()["items"] if c["house_id"] == str(world.house_a2.id)]
    assert ended[0]["until"] == clock.today().isoformat()
    actions = (
        await session.scalars(
            select(AuditEvent.action).where(AuditEvent.object_type == "team_house")
        )
    ).all()
    assert "team_house.end" in actions


async def test_list_hides_houses_the_caller_may_not_see(app, client, session, world):
    # Police of ward A see team A; a house it covers in ward B is listed without its details.
    r = await client.post(
        _houses(world.team_a),
        headers=auth(app, world.admin),
        json={"house_id": str(world.house_b1.id)},
    )
    assert r.status_code == 201
    r = await client.get(_houses(world.team_a), headers=auth(app, world.police_a))
    briefs = {c["house_id"]: c["house"] for c in r.json()["items"]}
    assert briefs[str(world.house_a1.id)]["name"] == "Nhà trọ Hòa Bình"
    assert briefs[str(world.house_b1.id)] is None


async def test_pagination_of_coverage(app, client, world):
    headers = auth(app, world.admin)
    seen, cursor = [], None
    while True:
        params = {"limit": 1} | ({"cursor": cursor} if cursor else {})
        page = (await client.get(_houses(world.team_a), headers=headers, params=params)).json()
        seen += [c["id"] for c in page["items"]]
        if not (cursor := page["next_cursor"]):
            break
    assert len(seen) == len(set(seen)) == 2

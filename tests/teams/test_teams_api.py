"""Teams: who sees and changes which team, search, pagination, ETags, soft delete, audit."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from backend.core import clock
from backend.core.errors import DomainError
from backend.models import AuditEvent, Team, TeamHouse, TeamMember
from backend.teams import service
from tests.factories import auth
from tests.factories_teams import make_team

TEAMS = "/api/v1/teams"


async def _names(client, app, user, **params) -> set[str]:
    r = await client.get(TEAMS, headers=auth(app, user), params=params)
    assert r.status_code == 200, r.text
    return {t["name"] for t in r.json()["items"]}


async def test_each_role_sees_its_teams(app, client, world):
    a, b = world.team_a.name, world.team_b.name
    expected = {
        "admin": {a, b},
        "city_officer": {a, b},
        "officer_x": {a},
        "officer_y": {b},
        "police_a": {a},
        "leader_a": {a},
        "member_a": {a},
        "leader_b": {b},
    }
    for who, names in expected.items():
        assert await _names(client, app, getattr(world, who)) == names, who


@pytest.mark.parametrize(
    ("who", "team"),
    [
        ("officer_y", "team_a"),
        ("leader_b", "team_a"),
        ("police_a", "team_b"),
        ("member_a", "team_b"),
    ],
)
async def test_out_of_scope_read_is_404(app, client, world, who, team):
    team_id = getattr(world, team).id
    headers = auth(app, getattr(world, who))
    for path in ("", "/members", "/houses"):
        r = await client.get(f"{TEAMS}/{team_id}{path}", headers=headers)
        assert r.status_code == 404, (path, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["code"] == "not_found"


async def test_out_of_scope_write_is_404(app, client, world):
    a = world.team_a
    officer_y = auth(app, world.officer_y) | {"If-Match": '"1"'}
    r = await client.patch(f"{TEAMS}/{a.id}", headers=officer_y, json={"name": "Chiếm tổ"})
    assert r.status_code == 404
    r = await client.delete(f"{TEAMS}/{a.id}", headers=officer_y, params={"reason": "thử xóa"})
    assert r.status_code == 404
    leader_b = auth(app, world.leader_b)
    r = await client.post(f"{TEAMS}/{a.id}/members", headers=leader_b, json={"full_name": "X"})
    assert r.status_code == 404
    r = await client.post(
        f"{TEAMS}/{a.id}/houses", headers=leader_b, json={"house_id": str(world.house_free_a.id)}
    )
    assert r.status_code == 404
    r = await client.post(f"{TEAMS}/{a.id}/houses/{world.house_a1.id}/end", headers=leader_b)
    assert r.status_code == 404


async def test_roles_without_team_write_get_403(app, client, world):
    for who in ("leader_a", "member_a", "police_a"):
        headers = auth(app, getattr(world, who)) | {"If-Match": '"1"'}
        r = await client.patch(f"{TEAMS}/{world.team_a.id}", headers=headers, json={"name": "X"})
        assert r.status_code == 403, who
        assert r.json()["code"] == "forbidden"
        r = await client.post(
            TEAMS,
            headers=headers,
            json={
                "name": "Tổ mới",
                "union_unit_id": str(world.grassroots_x.id),
                "admin_unit_id": str(world.ward_a.id),
            },
        )
        assert r.status_code == 403, who


async def test_union_officer_creates_teams_only_in_their_subtree(app, client, world):
    headers = auth(app, world.officer_x)
    body = {
        "name": "  Tổ tự quản   khu trọ Bình Hòa ",
        "code": "TTQ-BH-01",
        "union_unit_id": str(world.grassroots_x.id),
        "admin_unit_id": str(world.ward_a.id),
        "founded_on": "2024-03-26",
        "gps_tracking": True,
    }
    r = await client.post(TEAMS, headers=headers, json=body)
    assert r.status_code == 201, r.text
    team = r.json()
    assert team["name"] == "Tổ tự quản khu trọ Bình Hòa"
    assert team["gps_tracking"] is True and team["status"] == "active"
    assert r.headers["etag"] == '"1"'
    r = await client.post(TEAMS, headers=headers, json=body)
    assert r.status_code == 409 and r.json()["code"] == "code_taken"
    r = await client.post(
        TEAMS, headers=headers, json=body | {"code": "X2", "union_unit_id": str(world.union_y.id)}
    )
    assert r.status_code == 422
    assert r.json()["code"] == "unknown_unit"
    assert r.json()["errors"][0]["field"] == "union_unit_id"


async def test_generated_code_and_bad_input(app, client, world):
    headers = auth(app, world.admin)
    base = {"union_unit_id": str(world.grassroots_y.id), "admin_unit_id": str(world.ward_b.id)}
    r = await client.post(TEAMS, headers=headers, json=base | {"name": "Tổ Linh Xuân 2"})
    assert r.status_code == 201 and r.json()["code"].startswith("TTQ-")
    for body, code, field in [
        (base, "validation_error", "body.name"),
        (base | {"name": "A", "status": "sleeping"}, "validation_error", "body.status"),
        (base | {"name": "   "}, "required", "name"),
        (
            base | {"name": "A", "founded_on": str(clock.today() + timedelta(days=3))},
            "date_in_future",
            "founded_on",
        ),
        (base | {"name": "A", "admin_unit_id": str(world.union_x.id)}, "unknown_unit", None),
    ]:
        r = await client.post(TEAMS, headers=headers, json=body)
        assert r.status_code == 422, body
        assert r.headers["content-type"].startswith("application/problem+json")
        problem = r.json()
        assert problem["code"] == code
        if field:
            assert problem["errors"][0]["field"] == field
    r = await client.get(TEAMS, headers=headers, params={"cursor": "not-a-cursor"})
    assert r.status_code == 422 and r.json()["code"] == "invalid_cursor"


async def test_update_needs_current_etag(app, client, world):
    url = f"{TEAMS}/{world.team_a.id}"
    headers = auth(app, world.officer_x)
    r = await client.get(url, headers=headers)
    etag = r.headers["etag"]
    r = await client.patch(url, headers=headers, json={"status": "inactive"})
    assert r.status_code == 428
    r = await client.patch(
        url, headers=headers | {"If-Match": etag}, json={"status": "inactive", "gps_tracking": True}
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "inactive" and r.headers["etag"] != etag
    r = await client.patch(url, headers=headers | {"If-Match": etag}, json={"name": "Cũ"})
    assert r.status_code == 412
    problem = r.json()
    assert problem["code"] == "precondition_failed"
    assert problem["current"]["status"] == "inactive"
    assert problem["current_etag"] == r.headers["etag"] == '"2"'


async def test_moving_a_team_out_of_the_officers_subtree(app, client, world):
    url = f"{TEAMS}/{world.team_a.id}"
    admin = auth(app, world.admin) | {"If-Match": '"1"'}
    r = await client.patch(url, headers=admin, json={"union_unit_id": str(world.grassroots_y.id)})
    assert r.status_code == 200, r.text
    assert (await client.get(url, headers=auth(app, world.officer_x))).status_code == 404
    assert (await client.get(url, headers=auth(app, world.officer_y))).status_code == 200


async def test_soft_delete_with_reason_is_audited(app, client, session, world):
    url = f"{TEAMS}/{world.team_a.id}"
    team_id, team_name, officer_id = world.team_a.id, world.team_a.name, world.officer_x.id
    headers = auth(app, world.officer_x) | {"If-Match": '"1"'}
    r = await client.delete(url, headers=headers)
    assert r.status_code == 422  # the reason is required
    r = await client.delete(url, headers=headers, params={"reason": "Tổ giải thể theo quyết định"})
    assert r.status_code == 204, r.text
    for who in ("officer_x", "admin", "leader_a"):
        assert (await client.get(url, headers=auth(app, getattr(world, who)))).status_code == 404
    assert team_name not in await _names(client, app, world.admin)
    session.expire_all()
    team = await session.get(Team, team_id)
    assert team.deleted_at is not None and team.delete_reason == "Tổ giải thể theo quyết định"
    live_cover = await session.scalars(
        select(TeamHouse).where(TeamHouse.team_id == team.id, TeamHouse.until.is_(None))
    )
    assert live_cover.all() == []
    ended = await session.scalars(select(TeamMember.until).where(TeamMember.team_id == team.id))
    assert set(ended.all()) == {clock.today()}
    event = (
        await session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "team.delete", AuditEvent.object_id == str(team.id)
            )
        )
    ).one()
    assert event.actor_id == officer_id
    assert event.detail == {"reason": "Tổ giải thể theo quyết định", "houses_ended": 2}
    assert event.before["name"] == team_name


async def test_search_ignores_diacritics(app, client, world):
    admin = world.admin
    assert await _names(client, app, admin, q="tan thuan dong") == {world.team_a.name}
    assert await _names(client, app, admin, q="TÂN THUẬN") == {world.team_a.name}
    assert await _names(client, app, admin, q="100%") == set()
    assert await _names(client, app, admin, q=world.team_b.code.lower()) == {world.team_b.name}
    # Search never widens scope.
    assert await _names(client, app, world.officer_y, q="tan thuan") == set()


async def test_filters(app, client, world):
    admin = world.admin
    assert await _names(client, app, admin, union_unit_id=str(world.union_x.id)) == {
        world.team_a.name
    }
    assert await _names(client, app, admin, admin_unit_id=str(world.ward_b.id)) == {
        world.team_b.name
    }
    assert await _names(client, app, admin, admin_unit_id=str(world.city.id)) == {
        world.team_a.name,
        world.team_b.name,
    }
    assert await _names(client, app, admin, house_id=str(world.house_b1.id)) == {world.team_b.name}
    assert await _names(client, app, admin, status="dissolved") == set()


async def test_keyset_pagination_walks_every_team_once(app, client, session, world):
    for i in range(5):
        await make_team(
            session, union_unit=world.grassroots_x, admin_unit=world.ward_a, name=f"Tổ {i}"
        )
    await session.commit()
    seen, cursor = [], None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        r = await client.get(TEAMS, headers=auth(app, world.officer_x), params=params)
        page = r.json()
        assert len(page["items"]) <= 2
        seen += [t["id"] for t in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == 6


async def test_null_for_a_required_field_is_a_422(app, client, world):
    headers = auth(app, world.admin) | {"If-Match": '"1"'}
    for field in ("union_unit_id", "admin_unit_id", "status", "gps_tracking"):
        r = await client.patch(f"{TEAMS}/{world.team_a.id}", headers=headers, json={field: None})
        assert r.status_code == 422, field
        assert r.json()["errors"][0]["field"] in (field, f"body.{field}")


async def test_service_errors_name_the_field_for_the_importer(session, world):
    """The CSV/XLSX import calls the services directly; every refusal names its column."""
    cases = [
        ({"name": " "}, "required", "name"),
        ({"union_unit_id": "not-a-uuid"}, "invalid_id", "union_unit_id"),
        ({"admin_unit_id": world.grassroots_x.id}, "unknown_unit", "admin_unit_id"),
        ({"status": "asleep"}, "not_allowed", "status"),
        ({"code": world.team_a.code}, "code_taken", "code"),
    ]
    base = {
        "name": "Tổ nhập từ Excel",
        "union_unit_id": world.grassroots_x.id,
        "admin_unit_id": world.ward_a.id,
    }
    for change, code, field in cases:
        with pytest.raises(DomainError) as caught:
            await service.create_team(session, actor=None, **(base | change))
        assert caught.value.code == code
        assert caught.value.extra["errors"][0]["field"] == field
    with pytest.raises(TypeError):  # keyword-only: a positional call is a programming error
        await service.create_team(session, None, "Tổ", world.grassroots_x.id, world.ward_a.id)
    team = await service.get_team_by_code(session, code=world.team_a.code)
    assert team.id == world.team_a.id

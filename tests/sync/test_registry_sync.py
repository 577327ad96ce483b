"""The phones' offline registry cache: first sync, increments, tombstones, scope changes."""

import os

import pytest
from sqlalchemy import text

from backend.core.text import fold
from backend.models import AdminUnit
from backend.sync.changes import CHANGE_LOG_LOCK_KEY, record_change
from backend.teams import coverage, members, service
from tests.factories import auth, make_unit, make_user
from tests.factories_teams import add_member, cover, make_house, make_world

SYNC = "/api/v1/sync/registry"
KINDS = {"sites": "site", "houses": "boarding_house", "teams": "team", "members": "team_member"}


class Phone:
    """A phone's local cache, kept the way the mobile app is told to keep it."""

    def __init__(self, client, app, user):
        self.client, self.headers = client, auth(app, user)
        self.cache: dict[tuple[str, str], dict] = {}
        self.cursor: str | None = None
        self.pages: list[dict] = []

    async def sync(self, limit: int = 500) -> list[dict]:
        """Sync to the end; return the pages received."""
        pages = []
        while True:
            params = {"limit": limit} | ({"since": self.cursor} if self.cursor else {})
            r = await self.client.get(SYNC, headers=self.headers, params=params)
            assert r.status_code == 200, r.text
            assert "checkpoint_token" not in r.text
            page = r.json()
            self.apply(page)
            pages.append(page)
            if not page["has_more"]:
                break
        self.pages += pages
        return pages

    def apply(self, page: dict) -> None:
        if page["reset"]:
            self.cache.clear()
        for key, kind in KINDS.items():
            for obj in page[key]:
                self.cache[(kind, obj["id"])] = obj
        for tomb in page["tombstones"]:
            self.cache.pop((tomb["type"], tomb["id"]), None)
        self.cursor = page["next_cursor"]

    def ids(self, kind: str) -> set[str]:
        return {i for k, i in self.cache if k == kind}


def tombstones(pages) -> set[tuple[str, str]]:
    return {(t["type"], t["id"]) for p in pages for t in p["tombstones"]}


def upserts(pages) -> set[tuple[str, str]]:
    return {(kind, o["id"]) for p in pages for key, kind in KINDS.items() for o in p[key]}


async def test_first_sync_is_the_team_scope_without_secrets(app, client, session):
    w = await make_world(session)
    await session.commit()
    phone = Phone(client, app, w.leader_a)
    pages = await phone.sync()
    assert pages[0]["reset"] is True
    assert phone.ids("boarding_house") == {str(w.house_a1.id), str(w.house_a2.id)}
    assert phone.ids("team") == {str(w.team_a.id)}
    assert phone.ids("team_member") == {str(w.leader_a_row.id), str(w.member_a_row.id)}
    assert phone.ids("site") == {str(w.site_a.id)}
    house = phone.cache[("boarding_house", str(w.house_a1.id))]
    assert house["checkpoint_id"] == str(w.house_a1.checkpoint_id)
    assert house["team_ids"] == [str(w.team_a.id)]
    site = phone.cache[("site", str(w.site_a.id))]
    assert site["admin_unit_ids"] == [str(w.ward_a.id)]
    # Nothing changed: the next sync is empty.
    again = await phone.sync()
    assert again[0]["reset"] is False and upserts(again) == set() and tombstones(again) == set()


async def test_each_role_gets_its_scope(app, client, session):
    w = await make_world(session)
    await session.commit()
    expected_houses = {
        "admin": [w.house_a1, w.house_a2, w.house_b1, w.house_free_a],
        "officer_x": [w.house_a1, w.house_a2],  # covered by its team / in its site
        "officer_y": [w.house_b1],
        "police_a": [w.house_a1, w.house_a2, w.house_free_a],  # the whole ward
        "member_a": [w.house_a1, w.house_a2],
        "leader_b": [w.house_b1],
    }
    for who, houses in expected_houses.items():
        phone = Phone(client, app, getattr(w, who))
        await phone.sync()
        assert phone.ids("boarding_house") == {str(h.id) for h in houses}, who


async def test_paginated_first_sync_misses_nothing_changed_meanwhile(app, client, session):
    w = await make_world(session)
    await session.commit()
    phone = Phone(client, app, w.admin)
    r = await client.get(SYNC, headers=phone.headers, params={"limit": 2})
    first = r.json()
    phone.apply(first)
    assert first["reset"] and first["has_more"] and len(first["sites"]) == 1
    # While the phone pages on, someone renames a house and adds a member.
    w.house_a1.name = "Nhà trọ Hòa Bình (mới)"
    w.house_a1.name_search = fold(w.house_a1.name)
    session.add(w.house_a1)
    await record_change(session, obj=w.house_a1)
    newcomer = await add_member(session, w.team_b, full_name="Phan Văn Mới")
    await session.commit()
    await phone.sync(limit=2)
    assert phone.cache[("boarding_house", str(w.house_a1.id))]["name"] == "Nhà trọ Hòa Bình (mới)"
    assert ("team_member", str(newcomer.id)) in phone.cache
    assert len(phone.ids("boarding_house")) == 4 and len(phone.ids("team")) == 2
    # Limit 2 never sends more than two objects in a page.
    assert all(sum(len(p[k]) for k in KINDS) <= 2 for p in phone.pages)


async def test_added_house_and_member_appear(app, client, session):
    w = await make_world(session)
    await session.commit()
    phone = Phone(client, app, w.member_a)
    await phone.sync()
    await cover(session, w.team_a, w.house_free_a)
    person = await add_member(session, w.team_a, full_name="Võ Thị Hoa", phone="0977000111")
    await session.commit()
    pages = await phone.sync()
    assert pages[0]["reset"] is False
    assert ("boarding_house", str(w.house_free_a.id)) in upserts(pages)
    assert phone.cache[("team_member", str(person.id))]["phone"] == "+84977000111"
    assert phone.cache[("boarding_house", str(w.house_free_a.id))]["team_ids"] == [str(w.team_a.id)]


async def test_ending_coverage_sends_a_tombstone_to_that_team_only(app, client, session):
    w = await make_world(session)
    await session.commit()
    phone_a, phone_b = Phone(client, app, w.leader_a), Phone(client, app, w.leader_b)
    police = Phone(client, app, w.police_a)
    for phone in (phone_a, phone_b, police):
        await phone.sync()
    await coverage.end_house(session, actor=None, team=w.team_a, house_id=w.house_a2.id)
    await session.commit()
    pages_a = await phone_a.sync()
    assert ("boarding_house", str(w.house_a2.id)) in tombstones(pages_a)
    assert str(w.house_a2.id) not in phone_a.ids("boarding_house")
    # Team B never had the house: not a word about it.
    pages_b = await phone_b.sync()
    assert upserts(pages_b) == set() and tombstones(pages_b) == set()
    # The ward's police still see it (in their ward): an update, not a tombstone.
    pages_p = await police.sync()
    assert ("boarding_house", str(w.house_a2.id)) in upserts(pages_p)
    assert police.cache[("boarding_house", str(w.house_a2.id))]["team_ids"] == []
    # The last covered house of a zone goes: the zone goes from the team's phones too.
    await coverage.end_house(session, actor=None, team=w.team_a, house_id=w.house_a1.id)
    await session.commit()
    pages_a = await phone_a.sync()
    assert {("boarding_house", str(w.house_a1.id)), ("site", str(w.site_a.id))} == tombstones(
        pages_a
    )
    assert phone_a.ids("team") == {str(w.team_a.id)} and phone_a.ids("site") == set()


async def test_deleted_member_and_team_become_tombstones(app, client, session):
    w = await make_world(session)
    person = await add_member(session, w.team_b, full_name="Đỗ Văn Tạm")
    await session.commit()
    officer_y, leader_b = Phone(client, app, w.officer_y), Phone(client, app, w.leader_b)
    await officer_y.sync()
    await leader_b.sync()
    assert str(person.id) in officer_y.ids("team_member")
    await members.delete_member(session, actor=None, member=person, reason="nhập nhầm")
    await session.commit()
    pages = await officer_y.sync()
    assert tombstones(pages) == {("team_member", str(person.id))}
    await service.delete_team(session, actor=None, team=w.team_b, reason="giải thể")
    await session.commit()
    pages = await officer_y.sync()
    assert {("team", str(w.team_b.id)), ("boarding_house", str(w.house_b1.id))} <= tombstones(pages)
    assert officer_y.ids("team") == set() and officer_y.ids("team_member") == set()
    assert officer_y.ids("boarding_house") == set()
    # The leader lost their team: their scope changed, so the cache is rebuilt (empty).
    pages = await leader_b.sync()
    assert pages[0]["reset"] is True and leader_b.cache == {}


async def test_no_tombstones_for_what_was_never_in_scope(app, client, session):
    w = await make_world(session)
    await session.commit()
    phone_b = Phone(client, app, w.leader_b)
    officer_y = Phone(client, app, w.officer_y)
    await phone_b.sync()
    await officer_y.sync()
    await coverage.end_house(session, actor=None, team=w.team_a, house_id=w.house_a1.id)
    await members.delete_member(session, actor=None, member=w.member_a_row, reason="nhập nhầm")
    await service.delete_team(session, actor=None, team=w.team_a, reason="giải thể")
    await session.commit()
    for phone in (phone_b, officer_y):
        pages = await phone.sync()
        assert tombstones(pages) == set() and upserts(pages) == set()


async def test_a_house_leaving_a_ward_is_a_tombstone_for_its_police(app, client, session):
    w = await make_world(session)
    await session.commit()
    police = Phone(client, app, w.police_a)
    await police.sync()
    house = w.house_free_a
    await record_change(session, obj=house)  # before: stamped with ward A
    house.admin_unit_id = w.ward_b.id
    session.add(house)
    await record_change(session, obj=house)
    await session.commit()
    pages = await police.sync()
    assert tombstones(pages) == {("boarding_house", str(house.id))}


async def test_scope_change_resets_the_cache(app, client, session):
    w = await make_world(session)
    await session.commit()
    phone = Phone(client, app, w.leader_b)
    await phone.sync()
    assert phone.ids("team") == {str(w.team_b.id)}
    await add_member(session, w.team_a, user=w.leader_b)
    await session.commit()
    pages = await phone.sync()
    assert pages[0]["reset"] is True
    assert phone.ids("team") == {str(w.team_a.id), str(w.team_b.id)}


async def test_incremental_pages_are_bounded_and_complete(app, client, session):
    w = await make_world(session)
    await session.commit()
    phone = Phone(client, app, w.leader_a)
    await phone.sync()
    created = [
        await make_house(session, admin_unit=w.ward_a, name=f"Nhà trọ {i}") for i in range(5)
    ]
    for house in created:
        await cover(session, w.team_a, house)
    await session.commit()
    pages = await phone.sync(limit=2)
    assert len(pages) >= 3
    assert all(sum(len(p[k]) for k in KINDS) + len(p["tombstones"]) <= 2 for p in pages)
    assert {str(h.id) for h in created} <= phone.ids("boarding_house")


async def test_bad_cursor_is_a_422(app, client, session):
    w = await make_world(session)
    await session.commit()
    for cursor in ("garbage", "WyJ4IiwxXQ"):  # the second is ["x",1]
        r = await client.get(SYNC, headers=auth(app, w.admin), params={"since": cursor})
        assert r.status_code == 422
        assert r.json()["code"] == "invalid_cursor"
    r = await client.get(SYNC, headers=auth(app, w.admin), params={"limit": 0})
    assert r.status_code == 422


@pytest.mark.skipif(
    not os.environ.get("TTQ_TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="PostgreSQL only: SQLite has a single writer anyway",
)
async def test_change_log_writers_hold_the_ordering_lock_until_commit(app, session):
    city = await make_unit(session, AdminUnit, "Thành phố")
    w_house = await make_house(session, admin_unit=city)  # takes the lock, keeps it
    other = app.state.session_factory()
    async with other:
        probe = text("SELECT pg_try_advisory_xact_lock(:k)")
        assert (await other.scalar(probe, {"k": CHANGE_LOG_LOCK_KEY})) is False
        await other.rollback()
        await session.commit()
        assert (await other.scalar(probe, {"k": CHANGE_LOG_LOCK_KEY})) is True
        await other.rollback()
    assert w_house.id


async def test_moving_a_union_moves_its_registry_between_the_officers_phones(app, client, session):
    """A grassroots union moved to another district union takes its team (members, covered
    houses) out of the old district officer's cache and into the new one's."""
    w = await make_world(session)
    await session.commit()
    old, new = Phone(client, app, w.officer_x), Phone(client, app, w.officer_y)
    await old.sync()
    await new.sync()
    team, members = str(w.team_a.id), {str(w.leader_a_row.id), str(w.member_a_row.id)}
    assert team in old.ids("team") and team not in new.ids("team")
    assert str(w.house_a2.id) in old.ids("boarding_house")  # covered by team A only

    r = await client.patch(
        f"/api/v1/union-units/{w.grassroots_x.id}",
        json={"parent_id": str(w.union_y.id)},
        headers=auth(app, w.admin) | {"If-Match": f'"{w.grassroots_x.version}"'},
    )
    assert r.status_code == 200, r.text

    gone = tombstones(await old.sync())
    assert ("team", team) in gone and {("team_member", m) for m in members} <= gone
    assert ("boarding_house", str(w.house_a2.id)) in gone
    assert str(w.house_a1.id) in old.ids("boarding_house")  # still in union X's site
    await new.sync()
    assert team in new.ids("team") and members <= new.ids("team_member")
    assert str(w.house_a2.id) in new.ids("boarding_house")


async def test_moving_a_ward_moves_its_houses_between_the_police_phones(app, client, session):
    w = await make_world(session)
    other_city = await make_unit(session, AdminUnit, "Thành phố khác", level="Thành phố")
    city_police = await make_user(session, role="police_liaison", units=[w.city])
    other_police = await make_user(session, role="police_liaison", units=[other_city])
    await session.commit()
    old, new = Phone(client, app, city_police), Phone(client, app, other_police)
    await old.sync()
    await new.sync()
    ward_houses = {str(h.id) for h in (w.house_a1, w.house_a2, w.house_free_a)}
    assert ward_houses <= old.ids("boarding_house") and not new.ids("boarding_house")

    r = await client.patch(
        f"/api/v1/admin-units/{w.ward_a.id}",
        json={"parent_id": str(other_city.id)},
        headers=auth(app, w.admin) | {"If-Match": f'"{w.ward_a.version}"'},
    )
    assert r.status_code == 200, r.text

    gone = tombstones(await old.sync())
    assert {("boarding_house", h) for h in ward_houses} <= gone
    assert str(w.house_b1.id) in old.ids("boarding_house")  # ward B stayed in the city
    await new.sync()
    assert new.ids("boarding_house") == ward_houses

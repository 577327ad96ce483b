"""Two registry follow-ups done with the import work: a site changing union re-stamps its
houses for the phones' sync, and the change log is written set-based (same rows as one object
at a time)."""

from sqlalchemy import select

from backend.models import RegistryChange, Site
from backend.sync import changes
from tests.factories import auth
from tests.factories_registry import make_house
from tests.factories_teams import add_member
from tests.registry.world import A
from tests.sync.test_registry_sync import Phone


async def test_a_site_changing_union_moves_its_houses_in_the_officers_sync(
    app, client, session, world
):
    w = world
    # A house seen by union X only through site A (no team covers it).
    house = await make_house(session, admin_unit=w.ward_a, lon=A[0], lat=A[1])
    await session.commit()
    assert house.site_id == w.site_a.id
    old, new = Phone(client, app, w.officer_x), Phone(client, app, w.officer_y)
    await old.sync()
    await new.sync()
    assert str(house.id) in old.ids("boarding_house")
    assert str(house.id) not in new.ids("boarding_house")
    r = await client.patch(
        f"/api/v1/sites/{w.site_a.id}",
        json={"union_unit_id": str(w.union_y.id)},
        headers=auth(app, w.admin) | {"If-Match": f'"{w.site_a.version}"'},
    )
    assert r.status_code == 200, r.text
    await old.sync()
    await new.sync()
    assert str(house.id) not in old.ids("boarding_house")  # a tombstone reached union X
    assert str(house.id) in new.ids("boarding_house")  # and the house reached union Y
    # Houses covered by union X's team stay with union X.
    assert str(w.h_a1.id) in old.ids("boarding_house")


def _rows(found) -> set[tuple]:
    return {
        (r.object_type, r.object_id, r.team_id, r.union_path, r.admin_path, r.site_id)
        for r in found
    }


async def test_batched_stamps_equal_one_object_at_a_time(session, world, monkeypatch):
    w = world
    monkeypatch.setattr(changes, "_CHUNK", 2)  # several chunks even for a few objects
    member = await add_member(session, w.team_a, full_name="Tổ viên thử")
    site_b = await session.get(Site, w.site_b.id)
    objs = [w.h_a1, w.h_a2, w.h_b1, w.h_far, w.site_a, site_b, w.team_a, w.team_b, member]
    await session.flush()
    start = await changes.high_water_mark(session)
    await changes.record_changes(session, objs=objs)
    await session.flush()
    batched = (
        await session.scalars(
            select(RegistryChange).where(RegistryChange.id > start).order_by(RegistryChange.id)
        )
    ).all()
    middle = await changes.high_water_mark(session)
    for obj in objs:
        monkeypatch.setattr(changes, "_CHUNK", 500)
        await changes.record_changes(session, objs=[obj])
    single = (
        await session.scalars(
            select(RegistryChange).where(RegistryChange.id > middle).order_by(RegistryChange.id)
        )
    ).all()
    assert _rows(batched) == _rows(single)
    assert len(batched) == len(single) > len(objs)  # houses with teams carry two stamps
    # Ids follow the order of the objects, as the cursor needs.
    assert (batched[0].object_id, batched[-1].object_id) == (w.h_a1.id, member.id)

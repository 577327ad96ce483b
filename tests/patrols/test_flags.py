"""Each flag: a scan that raises it and one that does not. Flagged scans are always kept."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from backend.models.patrol import CheckpointScan
from tests.factories_patrols import (
    T0,
    World,
    cover,
    iso,
    make_house,
    make_world,
    patrol_item,
    retire_token,
    scan_item,
    upload,
)


async def _flags(client, app, w: World, *scans, patrol=None, sent_at=None) -> list[list[str]]:
    """Upload a patrol and scans of it; the flags answered for each scan."""
    patrol = patrol or patrol_item(w)
    items = [patrol, *[{**s, "patrol_id": patrol["id"]} for s in scans]]
    r = await upload(client, app, w.member, items, sent_at=sent_at)
    assert r.status_code == 200, r.text
    results = r.json()["results"]
    assert all(x["status"] == "created" for x in results), results
    return [x["flags"] for x in results[1:]]


@pytest.fixture
async def world(session) -> World:
    w = await make_world(session, houses=3)
    await session.commit()
    return w


async def test_far_from_house(app, client, world):
    pid = uuid.uuid4()
    near, far = await _flags(
        client,
        app,
        world,
        scan_item(world, pid, metres=140),
        scan_item(world, pid, house=1, metres=400),
    )
    assert near == [] and far == ["far_from_house"]


async def test_distance_is_kept(app, client, session, world):
    sid = uuid.uuid4()
    await _flags(client, app, world, scan_item(world, None, metres=400, sid=sid))
    scan = await session.get(CheckpointScan, sid)
    assert 395 < scan.distance_m < 405


async def test_gps_accuracy_and_fix(app, client, world):
    good, poor, unknown, nofix = await _flags(
        client,
        app,
        world,
        scan_item(world, None, house=0, accuracy=20),
        scan_item(world, None, house=1, accuracy=250),
        scan_item(world, None, house=2, accuracy=None),
        scan_item(world, None, house=0, fix=False, at=T0 + timedelta(minutes=40)),
    )
    assert good == []
    assert poor == ["poor_gps_accuracy"]
    assert unknown == ["poor_gps_accuracy"]  # a fix of unknown accuracy cannot be trusted
    assert nofix == ["no_gps_fix"]  # and no distance is judged without a fix


async def test_clock_skew_is_judged_on_the_batch_clock(app, client, world):
    now = datetime.now(UTC)
    [ok] = await _flags(
        client, app, world, scan_item(world, None), sent_at=now + timedelta(minutes=4)
    )
    [fast] = await _flags(
        client, app, world, scan_item(world, None), sent_at=now + timedelta(minutes=10)
    )
    [slow] = await _flags(
        client, app, world, scan_item(world, None), sent_at=now - timedelta(minutes=10)
    )
    assert ok == [] and fast == ["clock_skew"] and slow == ["clock_skew"]


async def test_phone_offline_for_a_day_is_not_skewed(app, client, session, world):
    """Scans a day old arrive now from a phone with a right clock: no clock flag."""
    yesterday = datetime.now(UTC) - timedelta(days=1, hours=2)
    patrol = patrol_item(world, start=yesterday)
    sid = uuid.uuid4()
    [flags] = await _flags(
        client,
        app,
        world,
        scan_item(world, None, at=yesterday + timedelta(minutes=10), sid=sid),
        patrol=patrol,
    )
    assert flags == []
    scan = await session.get(CheckpointScan, sid)
    assert abs(scan.clock_offset_s) < 60
    assert scan.received_at - scan.scanned_at > timedelta(hours=20)


async def test_rescan_within_window(app, client, world):
    first, soon, later, other_house = await _flags(
        client,
        app,
        world,
        scan_item(world, None, at=T0 + timedelta(minutes=5)),
        scan_item(world, None, at=T0 + timedelta(minutes=8)),
        scan_item(world, None, at=T0 + timedelta(minutes=40)),
        scan_item(world, None, house=1, at=T0 + timedelta(minutes=6)),
    )
    assert first == [] and soon == ["rescan"] and later == [] and other_house == []


async def test_rescan_does_not_depend_on_arrival_order(app, client, session, world):
    """The later scan arrives first; when the earlier one comes, the later one is flagged."""
    patrol = patrol_item(world)
    pid = patrol["id"]
    early, late = uuid.uuid4(), uuid.uuid4()
    await upload(client, app, world.member, [patrol])
    r = await upload(
        client, app, world.member, [scan_item(world, pid, sid=late, at=T0 + timedelta(minutes=9))]
    )
    assert r.json()["results"][0]["flags"] == []
    r = await upload(
        client, app, world.member, [scan_item(world, pid, sid=early, at=T0 + timedelta(minutes=6))]
    )
    assert r.json()["results"][0]["flags"] == []
    stored = await session.get(CheckpointScan, late, populate_existing=True)
    assert stored.flags == 16 and stored.review_status == "pending"


async def test_unknown_and_retired_tokens(app, client, session, world):
    old = await retire_token(session, world.houses[1])
    await session.commit()
    current, retired, unknown = await _flags(
        client,
        app,
        world,
        scan_item(world, None, house=0),
        scan_item(world, None, house=1, token=old),
        scan_item(world, None, house=2, token="khong-phai-ma-qr"),
    )
    assert current == [] and retired == ["retired_token"] and unknown == ["unknown_token"]


async def test_house_not_covered(app, client, session, world):
    other = await make_house(session, ward=world.ward, lat=10.95, lon=106.76)
    ended = world.houses[2]
    from sqlalchemy import update

    from backend.models import TeamHouse

    await session.execute(  # coverage of house 2 ended the day before the patrol
        update(TeamHouse)
        .where(TeamHouse.house_id == ended.id)
        .values(until=(T0 - timedelta(days=1)).date())
    )
    await session.commit()
    covered, foreign, lapsed = await _flags(
        client,
        app,
        world,
        scan_item(world, None, house=0),
        {
            **scan_item(world, None),
            "token": other.checkpoint_token,
            "lat": other.lat,
            "lon": other.lon,
        },
        scan_item(world, None, house=2),
    )
    assert covered == [] and foreign == ["house_not_covered"] and lapsed == ["house_not_covered"]


async def test_coverage_judged_on_local_date(app, client, session, world):
    """Coverage starting on a local date counts from local midnight (UTC+7), not UTC's."""
    house = await make_house(session, ward=world.ward, lat=10.96, lon=106.76)
    start_day = (T0 + timedelta(hours=12)).date()  # 2026-11-21
    await cover(session, world.team, house, since=start_day)
    await session.commit()
    # 2026-11-20 17:30 UTC = 2026-11-21 00:30 in Hồ Chí Minh City: covered already
    at = datetime(2026, 11, 20, 17, 30, tzinfo=UTC)
    scan = {
        **scan_item(world, None, at=at),
        "token": house.checkpoint_token,
        "lat": house.lat,
        "lon": house.lon,
    }
    patrol = patrol_item(world, start=at - timedelta(minutes=30))
    [flags] = await _flags(client, app, world, scan, patrol=patrol)
    assert flags == []


async def test_outside_patrol(app, client, world):
    patrol = patrol_item(world, start=T0, end=T0 + timedelta(hours=1))
    inside, before, after, grace = await _flags(
        client,
        app,
        world,
        scan_item(world, None, house=0, at=T0 + timedelta(minutes=30)),
        scan_item(world, None, house=1, at=T0 - timedelta(minutes=30)),
        scan_item(world, None, house=2, at=T0 + timedelta(hours=2)),
        scan_item(world, None, house=0, at=T0 + timedelta(hours=1, minutes=1)),
        patrol=patrol,
    )
    assert inside == [] and before == ["outside_patrol"] and after == ["outside_patrol"]
    assert grace == []  # within the grace after the end


async def test_outside_patrol_when_the_end_arrives_later(app, client, session, world):
    patrol = patrol_item(world)
    sid_in, sid_out = uuid.uuid4(), uuid.uuid4()
    await _flags(
        client,
        app,
        world,
        scan_item(world, None, sid=sid_in, at=T0 + timedelta(minutes=20)),
        scan_item(world, None, house=1, sid=sid_out, at=T0 + timedelta(hours=3)),
        patrol=patrol,
    )
    end = {"kind": "patrol_end", "id": patrol["id"], "ended_at": iso(T0 + timedelta(hours=1))}
    r = await upload(client, app, world.member, [end])
    assert r.json()["results"][0]["status"] == "created"
    assert (await session.get(CheckpointScan, sid_in, populate_existing=True)).flags == 0
    late = await session.get(CheckpointScan, sid_out, populate_existing=True)
    assert late.flags == 256 and late.review_status == "pending"


async def test_flagged_scans_are_kept_and_wait_for_review(app, client, session, world):
    sid = uuid.uuid4()
    [flags] = await _flags(
        client, app, world, scan_item(world, None, sid=sid, token="??", fix=False)
    )
    assert set(flags) == {"unknown_token", "no_gps_fix"}
    scan = await session.get(CheckpointScan, sid)
    assert scan.house_id is None and scan.token == "??" and scan.review_status == "pending"

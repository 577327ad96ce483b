"""The policy's rules are built once per caller and day, and a new day builds them again."""

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select, update

from backend.core import clock
from backend.models import BoardingHouse, Team, TeamHouse
from backend.policy import load_subject, scoped, visible
from backend.policy.scopes import register_rule


async def _house_ids(session, subject) -> set:
    return set(
        (await session.scalars(scoped(select(BoardingHouse.id), subject, BoardingHouse))).all()
    )


async def test_one_rule_object_per_caller_and_day(session, world):
    leader = await load_subject(session, world.leader_a)
    again = await load_subject(session, world.leader_a)  # an equal subject, another object
    other = await load_subject(session, world.leader_b)
    assert visible(leader, BoardingHouse) is visible(again, BoardingHouse)
    assert visible(leader, BoardingHouse) is not visible(other, BoardingHouse)
    assert visible(leader, Team) is not visible(leader, BoardingHouse)


async def test_a_cover_ending_tomorrow_hides_the_house_when_tomorrow_comes(session, world):
    """The rule holds today's date: the memo must not carry yesterday's into a new day."""
    today = clock.today()
    await session.execute(
        update(TeamHouse)
        .where(TeamHouse.team_id == world.team_a.id, TeamHouse.house_id == world.house_a2.id)
        .values(until=today + timedelta(days=1))
    )
    await session.commit()
    leader = await load_subject(session, world.leader_a)
    assert world.house_a2.id in await _house_ids(session, leader)
    before = visible(leader, BoardingHouse)
    # Noon of tomorrow in Vietnam, whatever the day the suite runs.
    noon = datetime.combine(today + timedelta(days=1), time(5), tzinfo=UTC)
    with clock.installed(clock.FrozenClock(noon)):
        assert visible(leader, BoardingHouse) is not before
        assert world.house_a2.id not in await _house_ids(session, leader)
        assert world.house_a1.id in await _house_ids(session, leader)
    assert visible(leader, BoardingHouse) is before  # today's rule is still today's


async def test_registering_a_rule_forgets_the_built_ones(session, world):
    leader = await load_subject(session, world.leader_a)
    before = visible(leader, BoardingHouse)
    from backend.policy.scopes import RULES

    rule = RULES[BoardingHouse]
    register_rule(BoardingHouse, rule)  # the same rule again: built anew, not served stale
    assert visible(leader, BoardingHouse) is not before

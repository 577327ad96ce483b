"""A populated world (two teams, houses, one account per role) for the team tests."""

import pytest

from tests.factories_teams import World, make_world


@pytest.fixture
async def world(session) -> World:
    w = await make_world(session)
    await session.commit()
    return w

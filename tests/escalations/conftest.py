import pytest

from tests.incidents.world import make_city


@pytest.fixture
async def city(session):
    world = await make_city(session)
    await session.commit()
    return world

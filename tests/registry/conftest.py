import pytest

from tests.registry.world import make_world


@pytest.fixture
async def world(session):
    w = await make_world(session)
    await session.commit()
    return w

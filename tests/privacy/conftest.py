"""A populated world (two teams, houses, one account per role) and a keyring helper."""

import pytest

from backend.core import pii
from tests.factories_teams import World, make_world


@pytest.fixture
async def world(session) -> World:
    w = await make_world(session)
    await session.commit()
    return w


@pytest.fixture(autouse=True)
def _restore_keyring():
    """Tests here install other keys; the next test starts with whatever was installed."""
    previous = pii.install(pii.keyring())
    yield
    pii.install(previous)

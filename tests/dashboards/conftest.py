from datetime import timedelta

import pytest

from backend.dashboards.rollups import refresh
from backend.models import utcnow
from tests.dashboards.world import make_world
from tests.factories import auth


@pytest.fixture
async def world(session):
    built = await make_world(session)
    await session.commit()
    # The job, from an empty watermark, as it would run a moment later: folds in everything.
    await refresh(session, now=utcnow() + timedelta(seconds=10))
    await session.commit()
    return built


async def get(client, app, user, endpoint: str, scope: str | None = None, **params):
    """GET a dashboard endpoint as a user; asserts 200 and returns the JSON body."""
    if scope is not None:
        params["scope"] = scope
    response = await client.get(
        f"/api/v1/dashboards/{endpoint}", params=params, headers=auth(app, user)
    )
    assert response.status_code == 200, response.text
    return response.json()

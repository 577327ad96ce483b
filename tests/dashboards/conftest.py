from datetime import UTC, datetime, timedelta

import pytest

from backend.core import clock
from backend.core.clock import FrozenClock
from backend.dashboards.rollups import refresh
from backend.models import utcnow
from tests.dashboards.world import make_world
from tests.factories import auth

# The test city's data is October 2026; its figures ("overdue now") are read as of a fixed day
# after it, so they hold whatever the date the suite runs on.
AS_OF = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _as_of():
    with clock.installed(FrozenClock(AS_OF)):
        yield


@pytest.fixture
async def world(session):
    built = await make_world(session)
    await session.commit()
    # The job, from an empty watermark, as it would run a moment later: folds in everything.
    await refresh(session, now=utcnow() + timedelta(seconds=10))
    await session.commit()
    return built


PAGED = {"teams", "coverage", "houses/uncovered"}


async def get(client, app, user, endpoint: str, scope: str | None = None, **params):
    """GET a dashboard endpoint as a user; asserts 200 and returns the JSON body."""
    if scope is not None:
        params["scope"] = scope
    response = await client.get(
        f"/api/v1/dashboards/{endpoint}", params=params, headers=auth(app, user)
    )
    assert response.status_code == 200, response.text
    body = response.json()
    if endpoint in PAGED:  # one list shape everywhere: {items, next_cursor}
        assert set(body) == {"items", "next_cursor"}
        return body["items"]
    return body

"""``seconds_before`` moves a stored UTC timestamp back by whole seconds, exact to the
microsecond on both engines (the coverage table's 30 days before an incident hang on it)."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import literal, select

from backend.dashboards.sqlfuncs import seconds_before
from backend.models.base import UTCDateTime

MONTH = 30 * 86400


def stamp(value: datetime):
    return literal(value, UTCDateTime())


@pytest.mark.parametrize("micro", [0, 123456, 999999])
@pytest.mark.parametrize(
    ("offset", "inside"),
    [(timedelta(0), True), (timedelta(microseconds=1), True), (timedelta(microseconds=-1), False)],
)
async def test_seconds_before_is_exact_at_its_boundary(session, micro, offset, inside):
    at = datetime(2026, 3, 1, 0, 0, 5, micro, tzinfo=UTC)  # across a month end and a day
    value = at - timedelta(seconds=MONTH) + offset
    found = await session.scalar(select(stamp(value) >= seconds_before(stamp(at), MONTH)))
    assert bool(found) is inside


async def test_seconds_before_reads_back_as_the_moment(session):
    at = datetime(2026, 10, 31, 16, 30, 0, 123456, tzinfo=UTC)
    moved = await session.scalar(select(seconds_before(stamp(at), MONTH)))
    assert moved == at - timedelta(days=30)

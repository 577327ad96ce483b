"""A patrol's GPS track: points recorded as the phone moves, each with its accuracy, kept on the
phone offline and stored by the server exactly once, even when the first answer is lost."""

from datetime import datetime

import pytest

from backend.patrols.tracks import decode
from tests.factories_patrols import BASE_LAT, BASE_LON
from tests.field.phone import (
    online_losing_first_answer,
    query,
    waiting,
)

# A browser test runs on one engine (tests/conftest.py): this one on SQLite, the embedded default.
pytestmark = pytest.mark.engine("sqlite")

# A walk down the alley: about 55 m between points, the fix getting better then worse.
WALK = [
    (BASE_LAT + 0.0001 + i * 0.0005, BASE_LON + i * 0.0002, accuracy)
    for i, accuracy in enumerate([12, 8, 5, 20, 35])
]


def test_a_patrol_track_arrives_once_with_its_accuracy(open_phone, settings):
    phone = open_phone(houses=2, gps_tracking=True)
    world, context, log, page = phone.world, phone.context, phone.log, phone.page
    context.set_geolocation({"latitude": WALK[0][0], "longitude": WALK[0][1], "accuracy": 12})

    context.set_offline(True)
    page.goto("/field/#/patrol")
    page.click("#start")
    page.wait_for_selector("[data-testid=track-points]")
    for n, (lat, lon, accuracy) in enumerate(WALK, start=1):
        context.set_geolocation({"latitude": lat, "longitude": lon, "accuracy": accuracy})
        page.wait_for_function(
            f"document.querySelector('[data-testid=track-points]').textContent === '{n}'"
        )
        if n == 2:
            page.fill("#token", world.tokens[0])
            page.click("#typed button[type=submit]")
            page.wait_for_function(
                "document.querySelector('[data-testid=scan-count]').textContent === '1'"
            )
    # Standing still (GPS jitter of 3 m) adds no point.
    lat, lon, _ = WALK[-1]
    context.set_geolocation({"latitude": lat + 0.00003, "longitude": lon, "accuracy": 35})
    page.wait_for_function(
        f"document.querySelector('#gps').textContent.includes('{lat + 0.00003:.5f}')"
    )
    assert page.text_content("[data-testid=track-points]") == str(len(WALK))

    page.reload()  # offline: the points wait in IndexedDB with the patrol
    page.wait_for_selector("[data-testid=track-points]")
    page.click("#end")
    page.wait_for_selector("[data-testid=registry-info]")
    assert waiting(page) == 4  # patrol, scan, track chunk, end

    calls = online_losing_first_answer(context, page, "**/api/v1/sync/upload")
    assert len(calls) == 2 and calls[1] == (calls[0][0], "true")

    segments = query(settings, "SELECT started_at, point_count, points FROM track_segment")
    assert len(segments) == 1 and segments[0].point_count == len(WALK)
    start = segments[0].started_at  # a string on SQLite
    start = datetime.fromisoformat(start) if isinstance(start, str) else start
    points = decode(start, bytes(segments[0].points))
    got = [(round(p.lat, 6), round(p.lon, 6), p.accuracy_m) for p in points]
    assert got == [(round(lat, 6), round(lon, 6), float(acc)) for lat, lon, acc in WALK]
    assert len(query(settings, "SELECT id FROM patrol")) == 1
    assert len(query(settings, "SELECT id FROM checkpoint_scan")) == 1
    assert log.foreign() == []

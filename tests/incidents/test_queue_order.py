"""The queue read per (side, status) and merged gives the queue's own order, page by page.

``queries.queue`` reads each status of the queue apart in deadline order and merges them. This
holds it to the plain definition on a mixed set (both sides, every status, deadlines shared by
several incidents and missing ones): the incidents the caller sees whose (side, status) is in
their queue, unacknowledged first, then by deadline (missing last), then by id, for several
roles and page sizes, each page reached by the previous page's cursor.
"""

import random
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from backend.incidents.workflow import AWAITING_ACK
from backend.models.incident import Incident
from backend.policy.incidents import POLICE_QUEUE, UNION_QUEUE
from tests.factories import auth
from tests.incidents.world import report

STATUSES = ("submitted", "escalated", "acknowledged", "triaged", "in_progress", "closed")
FAR = datetime(9999, 12, 31, tzinfo=UTC)


async def _walk(client, app, user, url, limit):
    seen, cursor = [], None
    for _ in range(200):  # a cursor that stops advancing fails here, not by hanging
        params = {"limit": limit, **({"cursor": cursor} if cursor else {})}
        r = await client.get(url, params=params, headers=auth(app, user))
        assert r.status_code == 200, r.text
        seen += [uuid.UUID(i["id"]) for i in r.json()["items"]]
        cursor = r.json()["next_cursor"]
        if not cursor:
            return seen
    raise AssertionError(f"{url}: still paging after 200 pages")


def _expected(rows, visible, side_statuses):
    def key(i):
        _, status, deadline = rows[i]
        return (0 if status in AWAITING_ACK else 1, deadline or FAR, str(i))

    return sorted((i for i in visible if rows[i][:2] in side_statuses), key=key)


async def test_queue_pages_follow_the_plain_order(app, client, city, session):
    rng = random.Random(20261205)
    base = datetime(2026, 6, 1, tzinfo=UTC)  # fixed values: the order, not the clock, is tested
    deadlines = [None, base, base + timedelta(hours=1), base + timedelta(hours=5)]
    # Enough per (side, status) that each is read over several pages, with shared deadlines.
    reporters = [city.member_a] * 30 + [city.leader_b] * 18
    rows = {}
    for reporter in reporters:
        r = await report(client, app, reporter)
        assert r.status_code == 201, r.text
        incident_id = uuid.UUID(r.json()["id"])
        rows[incident_id] = (
            rng.choice(("union", "police")),
            rng.choice(STATUSES),
            rng.choice(deadlines),
        )
    for incident_id, (kind, status, deadline) in rows.items():
        await session.execute(
            update(Incident)
            .where(Incident.id == incident_id)
            .values(handler_kind=kind, status=status, ack_deadline_at=deadline)
        )
    await session.commit()
    police = {("police", s) for s in POLICE_QUEUE}
    union = {("union", s) for s in UNION_QUEUE}
    cases = [
        (city.admin, police | union),
        (city.city_officer, union),
        (city.officer_gx, union),
        (city.police_a1, police),
        (city.police_d, police),
    ]
    checked = 0
    for user, side_statuses in cases:
        visible = set(await _walk(client, app, user, "/api/v1/incidents", 50))
        expected = _expected(rows, visible, side_statuses)
        for limit in (1, 3, 50):
            assert await _walk(client, app, user, "/api/v1/incidents/queue", limit) == expected
        checked += len(expected)
    assert checked > 20  # the set is mixed enough to order something for every role


@pytest.mark.parametrize("status", ["closed", "draft"])
async def test_nothing_outside_the_queue_states(app, client, city, session, status):
    r = await report(client, app, city.member_a)
    incident_id = uuid.UUID(r.json()["id"])
    await session.execute(update(Incident).where(Incident.id == incident_id).values(status=status))
    await session.commit()
    assert await _walk(client, app, city.admin, "/api/v1/incidents/queue", 10) == []

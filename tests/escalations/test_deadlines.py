"""Deadlines with a frozen clock: expiry climbs the ladder, acknowledgement stops it."""

import asyncio
from datetime import timedelta

import pytest

from backend.escalations.tasks import check_deadlines
from tests.conftest import IS_PG
from tests.factories import auth
from tests.incidents.world import (
    act,
    escalations,
    open_escalation,
    outbox,
    report,
    stored,
    timeline,
)

SECOND = timedelta(seconds=1)


def _ids(users):
    return [str(u.id) for u in users]


async def _tick(session, settings, now):
    opened = await check_deadlines(session, now=now, settings=settings)
    await session.commit()
    return opened


async def test_police_ladder_climbs_to_the_federation(app, client, session, settings, city):
    # No house: the team's ward A (liaisons A1, A2), then district 1 (D), then the federation.
    iid = (await report(client, app, city.member_a, category="trafficking", severity=2)).json()[
        "id"
    ]
    esc = await open_escalation(session, iid)
    assert esc.recipient_user_ids == _ids([city.police_a1])
    # One second before the deadline nothing happens.
    assert await _tick(session, settings, esc.deadline_at - SECOND) == []
    assert (await open_escalation(session, iid)).id == esc.id
    expected = [
        ("police", _ids([city.police_a2]), city.ward_a.id),  # another liaison of the unit
        ("police", _ids([city.police_d]), city.district1.id),  # the level above
        ("federation", _ids([city.city_officer]), None),  # the city federation
    ]
    now = esc.deadline_at
    for level, (kind, recipients, unit) in enumerate(expected, start=1):
        now = now + SECOND
        opened = await _tick(session, settings, now)
        assert len(opened) == 1
        current = await open_escalation(session, iid)
        assert (current.target_kind, current.recipient_user_ids) == (kind, recipients)
        assert current.level == level and current.reason == "deadline"
        if unit:
            assert current.admin_unit_id == unit
        assert current.deadline_at == now + timedelta(hours=1)
        now = current.deadline_at
    # Nobody is left above the federation: the timeline says so and the clock stops.
    assert await _tick(session, settings, now + SECOND) == []
    assert await open_escalation(session, iid) is None
    assert (await stored(session, iid)).ack_deadline_at is None
    history = await escalations(session, iid)
    assert [e.status for e in history] == ["expired"] * 4
    lines = [e for e in await timeline(session, iid) if e.kind == "escalation"]
    assert [e.detail["reason"] for e in lines] == [
        "routing",
        "deadline",
        "deadline",
        "deadline",
        "ladder_exhausted",
    ]
    assert all(e.actor_role == "system" for e in lines)
    told = [e.recipient_user_ids for e in await outbox(session, "incident.escalated")]
    assert told == [_ids([city.police_a1])] + [r for _, r, _ in expected]
    # Each step's new recipient can see the incident.
    for user in (city.police_a2, city.police_d, city.city_officer):
        r = await client.get(f"/api/v1/incidents/{iid}", headers=auth(app, user))
        assert r.status_code == 200


async def test_acknowledgement_stops_the_clock(app, client, session, settings, city):
    iid = (await report(client, app, city.member_a, category="drugs", severity=1)).json()["id"]
    esc = await open_escalation(session, iid)
    assert (esc.deadline_at - esc.created_at) == timedelta(minutes=15)
    r = await act(client, app, city.police_a1, iid, "acknowledge")
    assert r.status_code == 200 and r.json()["ack_deadline_at"] is None
    assert await _tick(session, settings, esc.deadline_at + timedelta(days=3)) == []
    [only] = await escalations(session, iid)
    assert only.status == "acknowledged" and only.acknowledged_by == city.police_a1.id


async def test_late_acknowledgement_by_the_next_rung(app, client, session, settings, city):
    iid = (await report(client, app, city.member_a, category="drugs", severity=3)).json()["id"]
    first = await open_escalation(session, iid)
    await _tick(session, settings, first.deadline_at + SECOND)
    r = await act(client, app, city.police_a2, iid, "acknowledge")
    assert r.status_code == 200
    history = await escalations(session, iid)
    assert [(e.status, e.acknowledged_by) for e in history] == [
        ("expired", None),
        ("acknowledged", city.police_a2.id),
    ]
    assert await _tick(session, settings, history[1].deadline_at + timedelta(days=1)) == []


async def test_union_ladder(app, client, session, settings, city):
    iid = (await report(client, app, city.member_a, severity=4)).json()["id"]
    first = await open_escalation(session, iid)
    assert first.recipient_user_ids == _ids([city.officer_gx])
    assert first.deadline_at - first.created_at == timedelta(hours=24)
    await _tick(session, settings, first.deadline_at + SECOND)
    second = await open_escalation(session, iid)
    assert (second.union_unit_id, second.recipient_user_ids) == (
        city.union_x.id,
        _ids([city.officer_x]),
    )
    # The union officer above triages it: that acknowledges, the clock stops.
    r = await act(client, app, city.officer_x, iid, "triage")
    assert r.status_code == 200
    assert await _tick(session, settings, second.deadline_at + SECOND) == []
    assert (await stored(session, iid)).status == "triaged"


async def test_handoff_gets_its_own_deadline(app, client, session, settings, city):
    iid = (await report(client, app, city.member_a, category="drugs", severity=2)).json()["id"]
    await act(client, app, city.police_a1, iid, "acknowledge")
    r = await act(
        client,
        app,
        city.police_a1,
        iid,
        "hand_on",
        target_admin_unit_id=str(city.district1.id),
        comment="Vượt thẩm quyền phường",
    )
    assert r.status_code == 200 and r.json()["status"] == "escalated"
    esc = await open_escalation(session, iid)
    assert (esc.reason, esc.recipient_user_ids) == ("handoff", _ids([city.police_d]))
    # Not acknowledged in time: the ladder goes on above the people already told.
    await _tick(session, settings, esc.deadline_at + SECOND)
    nxt = await open_escalation(session, iid)
    assert nxt.recipient_user_ids == _ids([city.police_a2])


@pytest.mark.skipif(not IS_PG, reason="PostgreSQL only: SQLite has a single writer anyway")
async def test_two_workers_escalate_once(app, client, session, settings, city):
    iid = (await report(client, app, city.member_a, category="drugs", severity=2)).json()["id"]
    esc = await open_escalation(session, iid)
    now = esc.deadline_at + SECOND

    async def worker():
        async with app.state.session_factory() as own:
            opened = await check_deadlines(own, now=now, settings=settings)
            await own.commit()
            return len(opened)

    assert sorted(await asyncio.gather(worker(), worker())) == [0, 1]
    assert [e.status for e in await escalations(session, iid)] == ["expired", "open"]

"""SMS behind the provider interface, with the recording double."""

import httpx

from backend.notifications.outbox import enqueue
from backend.notifications.wiring import build_channels
from tests.factories import make_user
from tests.notifications.helpers import deliveries


async def test_urgent_events_go_by_sms(session, make_dispatcher, sms):
    liaison = await make_user(session, role="police_liaison")
    officer = await make_user(session, role="union_officer")
    escalated = await enqueue(
        session,
        event_type="incident.escalated",
        payload={"severity": 2},
        recipient_user_ids=[liaison.id],
    )
    life = await enqueue(
        session,
        event_type="incident.submitted",
        payload={"severity": 1},
        recipient_user_ids=[officer.id],
    )
    routine = await enqueue(
        session,
        event_type="incident.submitted",
        payload={"severity": 3},
        recipient_user_ids=[officer.id],
    )
    await session.commit()

    await make_dispatcher().deliver_once()

    assert sorted((m.phone, m.reference) for m in sms.sent) == sorted(
        [
            (liaison.phone, f"{escalated.id}:{liaison.id}"),
            (officer.phone, f"{life.id}:{officer.id}"),
        ]
    )
    for message in sms.sent:
        assert message.text.isascii() and len(message.text) <= 160
        assert message.text.startswith("[TTQ] ")
    assert "sms" not in {d.channel for d in await deliveries(session, routine.id)}


async def test_no_provider_no_sms(session, make_dispatcher, app, settings):
    user = await make_user(session, role="police_liaison")
    event = await enqueue(
        session, event_type="incident.escalated", payload={}, recipient_user_ids=[user.id]
    )
    await session.commit()
    async with httpx.AsyncClient() as http:
        channels = build_channels(settings, app.state.session_factory, http)
        assert "sms" not in channels
        await make_dispatcher(channels=channels).deliver_once()
    assert [d.channel for d in await deliveries(session, event.id)] == ["stream"]

"""Fan-out and delivery in one process: signatures, retries, backoff, leases, give-ups."""

import json
import uuid

from backend.models import AdminUnit
from backend.notifications import signing
from backend.notifications.outbox import enqueue
from tests.factories import make_unit, make_user
from tests.notifications.helpers import (
    deliveries,
    event_status,
    make_subscription,
    make_union,
)


async def _hooked(session, settings, receiver, path="/hook", **kw):
    unit = await make_union(session)
    sub, secret = await make_subscription(
        session, settings, url=receiver.url(path), union_unit=unit, **kw
    )
    receiver.secrets[path] = secret
    return unit, sub


async def test_webhook_is_signed_and_carries_the_event_id(
    session, settings, receiver, make_dispatcher
):
    unit, _ = await _hooked(session, settings, receiver)
    event = await enqueue(
        session, event_type="incident.escalated", payload={"incident_id": "x"}, unit_ids=[unit.id]
    )
    await session.commit()

    assert await make_dispatcher().deliver_once() == 1

    [got] = receiver.received
    assert got.event_id == got.body_id == str(event.id)
    assert got.attempt == 1
    assert json.loads(got.body) == {
        "id": str(event.id),
        "type": "incident.escalated",
        "created_at": event.created_at.isoformat(),
        "data": {"incident_id": "x"},
    }
    assert not receiver.rejected
    [d] = await deliveries(session, event.id)
    assert (d.channel, d.status, d.attempts) == ("webhook", "delivered", 1)
    assert await event_status(session, event.id) == "delivered"


async def test_subscriptions_match_subtree_types_and_unit_kind(
    session, settings, receiver, make_dispatcher
):
    city = await make_union(session)
    district = await make_union(session, "LĐLĐ Quận", parent=city)
    ward = await make_unit(session, AdminUnit, "Phường An Phú")
    whole, s1 = await make_subscription(session, settings, url=receiver.url("/a"), union_unit=city)
    only_city, s2 = await make_subscription(
        session, settings, url=receiver.url("/b"), union_unit=city, include_subtree=False
    )
    patrols, s3 = await make_subscription(
        session, settings, url=receiver.url("/c"), union_unit=district, event_types=["patrol.*"]
    )
    police, s4 = await make_subscription(session, settings, url=receiver.url("/d"), admin_unit=ward)
    receiver.secrets.update({"/a": s1, "/b": s2, "/c": s3, "/d": s4})
    event = await enqueue(
        session, event_type="incident.submitted", payload={}, unit_ids=[district.id, ward.id]
    )
    await session.commit()

    await make_dispatcher().deliver_once()

    targets = {d.target for d in await deliveries(session, event.id)}
    assert targets == {str(whole.id), str(police.id)}
    assert {r.path for r in receiver.received} == {"/a", "/d"}
    assert only_city.id and patrols.id


async def test_retryable_error_backs_off_then_succeeds_with_same_id(
    session, settings, receiver, make_dispatcher, clock
):
    unit, _ = await _hooked(session, settings, receiver)
    receiver.statuses["/hook"] = [503]
    event = await enqueue(session, event_type="patrol.missed", payload={}, unit_ids=[unit.id])
    await session.commit()
    dispatcher = make_dispatcher(notify_retry_base_seconds=5)

    await dispatcher.deliver_once()
    [d] = await deliveries(session, event.id)
    assert (d.status, d.attempts) == ("pending", 1)
    assert "HTTP 503" in d.last_error
    assert (d.next_attempt_at - clock.now).total_seconds() == 5  # base, no jitter (rng 0.5)

    clock.advance(4)
    assert await dispatcher.deliver_once() == 0  # not due yet
    clock.advance(1)
    assert await dispatcher.deliver_once() == 1

    [d] = await deliveries(session, event.id)
    assert (d.status, d.attempts) == ("delivered", 2)
    assert [(r.event_id, r.attempt, r.status) for r in receiver.received] == [
        (str(event.id), 1, 503),
        (str(event.id), 2, 200),
    ]


async def test_backoff_schedule_and_give_up_after_max_attempts(
    session, settings, receiver, make_dispatcher, clock
):
    unit, _ = await _hooked(session, settings, receiver)
    receiver.statuses["/hook"] = [500] * 10
    event = await enqueue(session, event_type="patrol.missed", payload={}, unit_ids=[unit.id])
    await session.commit()
    dispatcher = make_dispatcher(notify_max_attempts=4, notify_retry_base_seconds=5)

    waits = []
    for _ in range(4):
        await dispatcher.deliver_once()
        [d] = await deliveries(session, event.id)
        if d.status == "pending":
            waits.append((d.next_attempt_at - clock.now).total_seconds())
            clock.advance(waits[-1])
    assert waits == [5, 10, 20]
    assert (d.status, d.attempts) == ("failed", 4)
    assert await event_status(session, event.id) == "failed"
    clock.advance(10_000)
    assert await dispatcher.deliver_once() == 0


async def test_permanent_error_fails_at_once(session, settings, receiver, make_dispatcher):
    unit, _ = await _hooked(session, settings, receiver)
    receiver.statuses["/hook"] = [400]
    event = await enqueue(session, event_type="patrol.missed", payload={}, unit_ids=[unit.id])
    await session.commit()

    await make_dispatcher().deliver_once()

    [d] = await deliveries(session, event.id)
    assert (d.status, d.attempts) == ("failed", 1)
    assert d.last_error.startswith("HTTP 400")
    assert await event_status(session, event.id) == "failed"


async def test_retry_after_is_honoured(session, settings, receiver, make_dispatcher, clock):
    unit, _ = await _hooked(session, settings, receiver)
    receiver.statuses["/hook"] = [429]
    event = await enqueue(session, event_type="patrol.missed", payload={}, unit_ids=[unit.id])
    await session.commit()

    await make_dispatcher().deliver_once()

    [d] = await deliveries(session, event.id)
    assert (d.next_attempt_at - clock.now).total_seconds() == 120


async def test_network_error_is_retryable(session, settings, make_dispatcher):
    unit = await make_union(session)
    # Nothing listens on port 9 of the loopback: connection refused.
    await make_subscription(session, settings, url="http://127.0.0.1:9/x", union_unit=unit)
    event = await enqueue(session, event_type="patrol.missed", payload={}, unit_ids=[unit.id])
    await session.commit()

    await make_dispatcher().deliver_once()

    [d] = await deliveries(session, event.id)
    assert d.status == "pending" and "Connect" in d.last_error


async def test_lease_keeps_a_claim_until_it_expires(
    session, settings, receiver, make_dispatcher, clock
):
    unit, _ = await _hooked(session, settings, receiver)
    event = await enqueue(session, event_type="patrol.missed", payload={}, unit_ids=[unit.id])
    await session.commit()
    first = make_dispatcher(worker_id="w1", notify_lease_seconds=30)
    second = make_dispatcher(worker_id="w2", notify_lease_seconds=30)

    await first.fanout_once()
    [claim] = await first.claim(10)  # ... and w1 dies before sending
    assert await second.claim(10) == []
    clock.advance(29)
    assert await second.claim(10) == []
    clock.advance(1)
    [again] = await second.claim(10)
    assert (again.delivery_id, again.attempt) == (claim.delivery_id, 2)
    assert await second.deliver(again) == "delivered"
    # The dead worker's late outcome cannot overwrite the new owner's.
    assert await first.deliver(claim) == "delivered"
    [d] = await deliveries(session, event.id)
    assert d.locked_by == again.token
    assert {r.event_id for r in receiver.received} == {str(event.id)}


async def test_deleted_subscription_drops_delivery(session, settings, receiver, make_dispatcher):
    unit, sub = await _hooked(session, settings, receiver)
    event = await enqueue(session, event_type="patrol.missed", payload={}, unit_ids=[unit.id])
    await session.commit()
    dispatcher = make_dispatcher()
    await dispatcher.fanout_once()
    sub.is_active = False
    await session.commit()

    await dispatcher.deliver_once()

    [d] = await deliveries(session, event.id)
    assert d.status == "dropped"
    assert receiver.received == []


async def test_event_without_targets_is_done(session, make_dispatcher):
    nobody = uuid.uuid4()
    event = await enqueue(
        session, event_type="patrol.missed", payload={}, recipient_user_ids=[nobody]
    )
    await session.commit()

    await make_dispatcher().deliver_once()

    assert await deliveries(session, event.id) == []
    assert await event_status(session, event.id) == "delivered"


async def test_user_channels_and_explicit_channel_choice(session, make_dispatcher, sms):
    user = await make_user(session, role="police_liaison")
    inactive = await make_user(session, role="police_liaison", active=False)
    both = [user.id, inactive.id]
    plain = await enqueue(
        session, event_type="incident.submitted", payload={}, recipient_user_ids=both
    )
    urgent = await enqueue(
        session, event_type="incident.submitted", payload={"severity": 1}, recipient_user_ids=both
    )
    only_sms = await enqueue(
        session, event_type="x.y", payload={}, recipient_user_ids=both, channels=["sms"]
    )
    await session.commit()

    await make_dispatcher().deliver_once()

    got = {
        e.id: sorted((d.channel, d.target, d.status) for d in await deliveries(session, e.id))
        for e in (plain, urgent, only_sms)
    }
    me = str(user.id)
    assert got[plain.id] == [("stream", me, "delivered")]  # no device: no push
    assert got[urgent.id] == [("sms", me, "delivered"), ("stream", me, "delivered")]
    assert got[only_sms.id] == [("sms", me, "delivered")]
    assert [m.phone for m in sms.sent] == [user.phone, user.phone]


async def test_signature_header_verifies_with_the_stored_secret(
    session, settings, receiver, make_dispatcher
):
    unit, _ = await _hooked(session, settings, receiver)
    await enqueue(session, event_type="patrol.missed", payload={}, unit_ids=[unit.id])
    await session.commit()
    await make_dispatcher().deliver_once()
    [got] = receiver.received
    t = signing.verify(receiver.secrets["/hook"], got.body, got.signature)
    assert got.signature.startswith(f"t={t},v1=")

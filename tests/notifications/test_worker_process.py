"""`ttq worker` as real processes: SIGKILL mid-delivery, restart, two workers at once."""

import asyncio
import time
from collections import Counter

import httpx
from sqlalchemy import func, select

from backend.models.notification import NotificationDelivery
from backend.notifications import signing
from backend.notifications.outbox import enqueue
from tests.notifications.helpers import make_subscription, make_union
from tests.notifications.procs import service_env


async def _setup(session, settings, receiver, count: int) -> list[str]:
    unit = await make_union(session)
    _, secret = await make_subscription(
        session, settings, url=receiver.url("/hook"), union_unit=unit
    )
    receiver.secrets["/hook"] = secret
    ids = []
    for n in range(count):
        event = await enqueue(
            session, event_type="incident.escalated", payload={"n": n}, unit_ids=[unit.id]
        )
        ids.append(str(event.id))
    await session.commit()
    return ids


async def _wait_all_delivered(session, count: int, within: float = 90) -> None:
    deadline = time.monotonic() + within
    stmt = select(func.count()).where(NotificationDelivery.status == "delivered")
    while time.monotonic() < deadline:
        if await session.scalar(stmt) == count:
            await session.commit()  # end the read transaction
            return
        await session.commit()
        await asyncio.sleep(0.2)
    raise AssertionError("not every event was delivered in time")


async def test_sigkill_mid_delivery_then_restart_delivers_everything(
    session, settings, receiver, procs, database_url
):
    ids = await _setup(session, settings, receiver, count=30)
    receiver.delay = 1.0  # requests stay open, so the kill lands in the middle of some
    env = service_env(
        database_url,
        notify_lease_seconds=8,
        notify_http_timeout_seconds=5,
        notify_concurrency=4,
    )
    first = procs.worker("worker-1", env)
    in_flight: list[int] = []

    def mid_delivery(r) -> bool:
        if len(r.received) >= 4 and sum(r.inflight.values()) > 0:
            in_flight.append(sum(r.inflight.values()))
            return True
        return False

    assert await asyncio.to_thread(receiver.wait_for, mid_delivery, 90), procs.log("worker-1")
    procs.kill(first)  # SIGKILL: no clean-up, its claims stay leased until they expire
    leased = await session.scalar(
        select(func.count()).where(
            NotificationDelivery.status == "pending", NotificationDelivery.locked_until.is_not(None)
        )
    )
    await session.commit()
    assert in_flight[0] > 0 and leased > 0
    assert len(receiver.ids()) < len(ids)

    procs.worker("worker-2", env)
    await _wait_all_delivered(session, len(ids))

    with receiver.lock:
        received = [r for r in receiver.received if r.status == 200]
    assert {r.event_id for r in received} == set(ids)  # every event, at least once
    assert all(r.event_id == r.body_id for r in received)  # the stable id, header and body
    twice = [i for i, n in Counter(r.event_id for r in received).items() if n > 1]
    assert twice, "the requests cut off by the kill are sent again"
    for event_id in twice:  # sent again as a new attempt of the same delivery
        attempts = [r.attempt for r in received if r.event_id == event_id]
        assert len(set(attempts)) == len(attempts) and min(attempts) == 1
    # Only a request cut in half by the kill may fail its signature check.
    assert len(receiver.rejected) == receiver.truncated

    # A captured request replayed after the window closes is refused by the receiver.
    replay = received[0]
    receiver.clock_offset = receiver.tolerance + 60
    async with httpx.AsyncClient() as http:
        r = await http.post(
            receiver.url("/hook"),
            content=replay.body,
            headers={
                signing.SIGNATURE_HEADER: replay.signature,
                signing.EVENT_ID_HEADER: replay.event_id,
                "Content-Type": "application/json",
            },
        )
    assert r.status_code == 400
    assert receiver.rejected[-1] == "timestamp outside the tolerance window"


async def test_two_workers_never_send_one_event_at_once(
    session, settings, receiver, procs, database_url
):
    env = service_env(
        database_url, notify_lease_seconds=10, notify_http_timeout_seconds=5, notify_concurrency=4
    )
    procs.worker("worker-a", env)
    procs.worker("worker-b", env)
    for name in ("worker-a", "worker-b"):
        await asyncio.to_thread(procs.wait_log, name, "dispatcher started")
    receiver.delay = 0.1
    ids = await _setup(session, settings, receiver, count=80)

    await _wait_all_delivered(session, len(ids))

    with receiver.lock:
        sent = Counter(r.event_id for r in receiver.received)
        overlaps = list(receiver.overlaps)
        most_at_once = receiver.max_inflight
    assert overlaps == []  # never the same event in flight twice
    assert set(sent) == set(ids) and set(sent.values()) == {1}
    by_worker = Counter((await session.scalars(select(NotificationDelivery.locked_by))).all())
    workers = Counter(token.split("/")[0] for token in by_worker)
    assert set(workers) == {"worker-a", "worker-b"}, workers  # both really worked
    assert most_at_once > 4  # more than one worker's worth in flight at once

"""Failed deliveries: visible to system admins, and retried on request."""

import uuid

from sqlalchemy import select

from backend.models import AuditEvent
from backend.notifications.outbox import enqueue
from tests.factories import auth, make_user
from tests.notifications.helpers import deliveries, event_status, make_subscription, make_union


async def _failed_delivery(session, settings, receiver, make_dispatcher):
    unit = await make_union(session)
    _, secret = await make_subscription(
        session, settings, url=receiver.url("/hook"), union_unit=unit
    )
    receiver.secrets["/hook"] = secret
    receiver.statuses["/hook"] = [410]
    event = await enqueue(session, event_type="incident.escalated", payload={}, unit_ids=[unit.id])
    await session.commit()
    await make_dispatcher().deliver_once()
    [d] = await deliveries(session, event.id)
    assert d.status == "failed"
    return event, d


async def test_admin_sees_failed_and_retries(
    app, client, session, settings, receiver, make_dispatcher
):
    admin = await make_user(session)
    event, d = await _failed_delivery(session, settings, receiver, make_dispatcher)
    h = auth(app, admin)

    r = await client.get("/api/v1/notifications/failed", headers=h)
    assert r.status_code == 200, r.text
    [item] = r.json()["items"]
    assert item["id"] == str(d.id) and item["event_id"] == str(event.id)
    assert (item["channel"], item["event_type"], item["attempts"]) == (
        "webhook",
        "incident.escalated",
        1,
    )
    assert item["last_error"].startswith("HTTP 410")
    assert (await client.get("/api/v1/notifications/failed?channel=push", headers=h)).json()[
        "items"
    ] == []

    r = await client.post(f"/api/v1/notifications/failed/{d.id}/retry", headers=h)
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["attempts"]) == ("pending", 0)
    assert await event_status(session, event.id) == "dispatched"
    audit = await session.scalar(
        select(AuditEvent).where(AuditEvent.action == "notification.retry")
    )
    assert audit.object_id == str(d.id) and audit.actor_id == admin.id

    await make_dispatcher().deliver_once()
    [d] = await deliveries(session, event.id)
    assert (d.status, d.attempts) == ("delivered", 1)
    assert await event_status(session, event.id) == "delivered"
    assert [r.event_id for r in receiver.received] == [str(event.id)] * 2

    r = await client.post(f"/api/v1/notifications/failed/{d.id}/retry", headers=h)
    assert r.status_code == 409 and r.json()["code"] == "delivery_not_failed"
    assert (await client.get("/api/v1/notifications/failed", headers=h)).json()["items"] == []


async def test_failed_list_pages(app, client, session, settings, receiver, make_dispatcher):
    admin = await make_user(session)
    unit = await make_union(session)
    _, secret = await make_subscription(session, settings, url=receiver.url("/h"), union_unit=unit)
    receiver.secrets["/h"] = secret
    receiver.statuses["/h"] = [400] * 3
    for _ in range(3):
        await enqueue(session, event_type="patrol.missed", payload={}, unit_ids=[unit.id])
    await session.commit()
    await make_dispatcher().deliver_once()
    h = auth(app, admin)
    seen, cursor = [], None
    while True:
        url = "/api/v1/notifications/failed?limit=2" + (f"&cursor={cursor}" if cursor else "")
        body = (await client.get(url, headers=h)).json()
        seen += [i["id"] for i in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == 3


async def test_not_for_others(app, client, session, settings, receiver, make_dispatcher):
    unit = await make_union(session)
    officer = await make_user(session, role="union_officer", units=[unit])
    liaison = await make_user(session, role="police_liaison")
    _, d = await _failed_delivery(session, settings, receiver, make_dispatcher)
    for user in (officer, liaison):
        h = auth(app, user)
        r = await client.get("/api/v1/notifications/failed", headers=h)
        assert r.status_code == 403 and r.json()["code"] == "forbidden"
        # the delivery is out of their scope: 404, as for any object they cannot see
        r = await client.post(f"/api/v1/notifications/failed/{d.id}/retry", headers=h)
        assert r.status_code == 404 and r.json()["code"] == "not_found"


async def test_bad_input(app, client, session):
    admin = await make_user(session)
    await session.commit()
    h = auth(app, admin)
    r = await client.post(f"/api/v1/notifications/failed/{uuid.uuid4()}/retry", headers=h)
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    r = await client.get("/api/v1/notifications/failed?channel=fax", headers=h)
    assert r.status_code == 422 and r.json()["code"] == "validation_error"
    r = await client.get("/api/v1/notifications/failed?cursor=bm9wZQ", headers=h)
    assert r.status_code == 422 and r.json()["code"] == "invalid_cursor"

"""One-tap link tokens and the SpeedSMS receipt route."""

import uuid
from datetime import UTC, datetime, timedelta

from backend.notifications import links, receipts
from backend.notifications.texts import sms_text
from tests.notifications.helpers import envelope

NOW = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)


def test_token_round_trip_and_expiry(settings):
    oid = uuid.uuid4()
    token = links.sign(settings, kind=links.ESCALATION, object_id=oid, recipient_index=3, now=NOW)
    assert len(token) == links.TOKEN_CHARS and token.isascii()
    link = links.verify(settings, token, now=NOW)
    assert (link.kind, link.object_id, link.recipient_index) == (links.ESCALATION, oid, 3)
    later = NOW + timedelta(hours=settings.notify_link_ttl_hours + 2)
    assert links.verify(settings, token, now=later) is None
    other = settings.model_copy(update={"secret_key": "x" * 40})
    assert links.verify(other, token, now=NOW) is None  # signed with this service's key only
    assert links.verify(settings, token[:-1], now=NOW) is None
    assert links.verify(settings, "!" * links.TOKEN_CHARS, now=NOW) is None


def test_sms_with_link_fits_one_segment(settings):
    s = settings.model_copy(update={"notify_public_base_url": "https://canhbao.ttq.gov.vn"})
    for event_type in ("incident.escalated", "escalation.overdue", "patrol.missed", "x"):
        event = envelope(event_type, escalation_id=str(uuid.uuid4()), severity=1)
        url = links.link_for_recipient(
            s, payload=event.payload, recipients=["a"], user_id="a", now=NOW
        )
        text = sms_text(event, url)
        assert text.isascii() and len(text) <= 160 and text.endswith(url), text


async def test_speedsms_receipt_needs_the_shared_secret(app, client, session, settings):
    from backend.models.notification import NotificationDelivery, OutboxEvent

    event = OutboxEvent(event_type="incident.escalated", payload={})
    session.add(event)
    await session.flush()
    session.add(
        NotificationDelivery(event_id=event.id, channel="sms", target="u", provider_ref="1001")
    )
    await session.commit()
    url = "/api/v1/notifications/receipts/speedsms"
    report = {"type": "report", "tranId": 1001, "phone": "84912345678", "status": 0}
    r = await client.post(url, params={"secret": "guess"}, json=report)
    assert r.status_code == 403
    secret = receipts.shared_secret(app.state.settings, "speedsms")
    r = await client.post(url, params={"secret": secret}, json=report)
    assert r.status_code == 200 and r.json()["matched"] == 1
    r = await client.post(url, params={"secret": secret}, json={**report, "status": 3})
    delivery = (
        await session.execute(
            NotificationDelivery.__table__.select().where(
                NotificationDelivery.provider_ref == "1001"
            )
        )
    ).one()
    assert delivery.receipt_status == "failed" and delivery.receipt_at is not None


async def test_zalo_receipt_checks_the_oa_signature(app, client, session, settings):
    import hashlib
    import json

    from backend.models.notification import NotificationDelivery, OutboxEvent

    app.state.settings = app.state.settings.model_copy(
        update={"zalo_app_id": "app-1", "zalo_oa_secret_key": "oa-key"}
    )
    event = OutboxEvent(event_type="incident.escalated", payload={})
    session.add(event)
    await session.flush()
    session.add(
        NotificationDelivery(event_id=event.id, channel="zalo", target="u", provider_ref="m1")
    )
    await session.commit()
    raw = json.dumps(
        {
            "app_id": "app-1",
            "event_name": "user_received_message",
            "timestamp": "1700000000000",
            "message": {"msg_id": "m1", "delivery_time": "1700000000000", "tracking_id": "t"},
        }
    ).encode()
    mac = hashlib.sha256(b"app-1" + raw + b"1700000000000" + b"oa-key").hexdigest()
    url = "/api/v1/notifications/receipts/zalo"
    headers = {"content-type": "application/json"}
    r = await client.post(url, content=raw, headers={**headers, "X-ZEvent-Signature": "mac=0"})
    assert r.status_code == 403
    r = await client.post(url, content=raw, headers={**headers, "X-ZEvent-Signature": f"mac={mac}"})
    assert r.status_code == 200 and r.json()["matched"] == 1
    status = await session.scalar(
        NotificationDelivery.__table__.select()
        .with_only_columns(NotificationDelivery.receipt_status)
        .where(NotificationDelivery.provider_ref == "m1")
    )
    assert status == "delivered"

"""Webhook subscriptions: system admins only, secret shown once and stored encrypted."""

import uuid

from sqlalchemy import select

from backend.models import AdminUnit, AuditEvent
from backend.models.notification import WebhookSubscription
from backend.notifications import crypto
from tests.factories import auth, make_unit, make_user
from tests.notifications.helpers import make_subscription, make_union

URL = "https://hooks.example.vn/ttq"


def _problem(r, status, code):
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == code


async def test_admin_creates_lists_deletes(app, client, session, settings):
    admin = await make_user(session)
    unit = await make_union(session)
    await session.commit()
    h = auth(app, admin)

    r = await client.post(
        "/api/v1/webhooks",
        json={"url": URL, "union_unit_id": str(unit.id), "event_types": ["incident.*"]},
        headers=h,
    )
    assert r.status_code == 201, r.text
    created = r.json()
    secret = created["secret"]
    assert secret.startswith("whsec_") and created["include_subtree"] is True

    stored = await session.get(WebhookSubscription, uuid.UUID(created["id"]))
    assert secret not in stored.secret_ciphertext
    assert crypto.decrypt(settings, stored.secret_ciphertext) == secret

    r = await client.get("/api/v1/webhooks", headers=h)
    assert r.status_code == 200
    [item] = r.json()["items"]
    assert item["id"] == created["id"] and "secret" not in item

    r = await client.delete(f"/api/v1/webhooks/{created['id']}", headers=h)
    assert r.status_code == 204
    assert (await client.get("/api/v1/webhooks", headers=h)).json()["items"] == []
    _problem(await client.delete(f"/api/v1/webhooks/{created['id']}", headers=h), 404, "not_found")

    audits = (
        await session.scalars(
            select(AuditEvent).where(AuditEvent.object_type == "webhook_subscription")
        )
    ).all()
    assert [a.action for a in audits] == ["webhook.create", "webhook.delete"]
    assert all(secret not in str(a.after) and "secret" not in (a.after or {}) for a in audits)


async def test_police_unit_subscription(app, client, session):
    admin = await make_user(session)
    ward = await make_unit(session, AdminUnit, "Phường Bình Hòa")
    await session.commit()
    r = await client.post(
        "/api/v1/webhooks",
        json={"url": URL, "admin_unit_id": str(ward.id), "include_subtree": False},
        headers=auth(app, admin),
    )
    assert r.status_code == 201, r.text
    assert r.json()["admin_unit_id"] == str(ward.id)


async def test_only_system_admins(app, client, session, settings):
    unit = await make_union(session)
    officer = await make_user(session, role="union_officer", units=[unit])
    city = await make_user(session, role="city_union_officer")
    sub, _ = await make_subscription(session, settings, url=URL, union_unit=unit)
    await session.commit()
    for user in (officer, city):
        h = auth(app, user)
        body = {"url": URL, "union_unit_id": str(unit.id)}
        _problem(await client.post("/api/v1/webhooks", json=body, headers=h), 403, "forbidden")
        _problem(await client.get("/api/v1/webhooks", headers=h), 403, "forbidden")
        # subscriptions are in no one's scope but a system admin's: 404, as for any unseen object
        _problem(await client.delete(f"/api/v1/webhooks/{sub.id}", headers=h), 404, "not_found")
    _problem(await client.get("/api/v1/webhooks"), 401, "unauthorized")


async def test_unknown_subscription_is_404(app, client, session):
    admin = await make_user(session)
    await session.commit()
    r = await client.delete(f"/api/v1/webhooks/{uuid.uuid4()}", headers=auth(app, admin))
    _problem(r, 404, "not_found")
    r = await client.delete("/api/v1/webhooks/not-a-uuid", headers=auth(app, admin))
    _problem(r, 422, "validation_error")


async def test_bad_input(app, client, session):
    admin = await make_user(session)
    unit = await make_union(session)
    ward = await make_unit(session, AdminUnit, "Phường Tân Đông Hiệp")
    await session.commit()
    h = auth(app, admin)
    u, a = str(unit.id), str(ward.id)
    cases = [
        ({"url": URL}, "webhook_unit_required"),
        ({"url": URL, "union_unit_id": u, "admin_unit_id": a}, "webhook_unit_required"),
        ({"url": "ftp://x.vn/h", "union_unit_id": u}, "webhook_url_invalid"),
        ({"url": "https://user:pw@x.vn/h", "union_unit_id": u}, "webhook_url_invalid"),
        ({"url": "https:///nohost", "union_unit_id": u}, "webhook_url_invalid"),
        ({"url": URL, "union_unit_id": str(uuid.uuid4())}, "unknown_unit"),
        ({"url": URL, "union_unit_id": a}, "unknown_unit"),  # an admin unit named as union
        ({"url": URL, "union_unit_id": u, "event_types": ["Bad Type!"]}, "validation_error"),
        ({"url": URL, "union_unit_id": u, "secret": "mine"}, "validation_error"),
        ({"union_unit_id": u}, "validation_error"),
    ]
    for body, code in cases:
        _problem(await client.post("/api/v1/webhooks", json=body, headers=h), 422, code)
    _problem(await client.get("/api/v1/webhooks?cursor=%%%", headers=h), 422, "invalid_cursor")


async def test_https_required_in_production(app, client, session):
    admin = await make_user(session)
    unit = await make_union(session)
    await session.commit()
    app.state.settings = app.state.settings.model_copy(
        update={"notify_webhook_require_https": True}
    )
    r = await client.post(
        "/api/v1/webhooks",
        json={"url": "http://hooks.example.vn/ttq", "union_unit_id": str(unit.id)},
        headers=auth(app, admin),
    )
    _problem(r, 422, "webhook_url_invalid")

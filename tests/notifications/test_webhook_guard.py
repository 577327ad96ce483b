"""Webhooks reach public addresses only: refused at registration and again at connect time."""

import httpx
import pytest

from backend.notifications.channels.webhook_guard import (
    DestinationRefused,
    PinnedTransport,
    resolve_checked,
)
from backend.notifications.outbox import enqueue
from tests.factories import auth, make_user
from tests.notifications.helpers import deliveries, make_subscription, make_union


@pytest.fixture
def settings(settings):
    # Not the local receiver's allow-list: here only one named internal host is allowed.
    return settings.model_copy(update={"notify_webhook_allowed_hosts": ["10.9.9.9"]})


INTERNAL = [
    "http://127.0.0.1:8080/h",
    "http://localhost/h",
    "http://api.localhost/h",
    "http://[::1]/h",
    "http://0.0.0.0/h",
    "http://2130706433/h",  # 127.0.0.1 as one integer
    "http://0x7f.1/h",
    "http://169.254.169.254/latest/meta-data/",
    "http://10.0.0.1/h",
    "http://192.168.1.10/h",
    "http://172.16.0.1/h",
    "http://[fd00::1]/h",  # unique-local
    "http://[fe80::1]/h",  # link-local
    "http://[::ffff:127.0.0.1]/h",
    "http://[::]/h",
]


@pytest.mark.parametrize("url", INTERNAL)
async def test_registration_refuses_internal_destinations(app, client, session, url):
    admin = await make_user(session)
    unit = await make_union(session)
    await session.commit()
    r = await client.post(
        "/api/v1/webhooks",
        json={"url": url, "union_unit_id": str(unit.id)},
        headers=auth(app, admin),
    )
    assert r.status_code == 422, r.text
    assert r.json()["code"] == "webhook_destination_refused"


async def test_allow_list_names_the_internal_hosts_a_closed_deployment_may_reach(
    app, client, session
):
    admin = await make_user(session)
    unit = await make_union(session)
    await session.commit()
    h = auth(app, admin)
    ok = await client.post(
        "/api/v1/webhooks",
        json={"url": "http://10.9.9.9:9/h", "union_unit_id": str(unit.id)},
        headers=h,
    )
    assert ok.status_code == 201, ok.text
    refused = await client.post(
        "/api/v1/webhooks",
        json={"url": "http://10.9.9.8:9/h", "union_unit_id": str(unit.id)},
        headers=h,
    )
    assert refused.status_code == 422


async def test_a_stored_internal_url_is_not_delivered_to(
    session, settings, receiver, make_dispatcher
):
    # Written before this check existed (or while allowed): the worker, whose allow-list does
    # not name 127.0.0.1, must not connect to loopback, and must not retry it either.
    unit = await make_union(session)
    _, secret = await make_subscription(
        session, settings, url=receiver.url("/hook"), union_unit=unit
    )
    receiver.secrets["/hook"] = secret
    event = await enqueue(session, event_type="incident.escalated", payload={}, unit_ids=[unit.id])
    await session.commit()

    await make_dispatcher().deliver_once()

    assert receiver.received == []
    [d] = await deliveries(session, event.id)
    assert d.status == "failed" and "destination refused" in (d.last_error or "")


async def _resolves_to(*addresses):
    async def resolver(host, port):
        return list(addresses)

    return resolver


async def test_a_name_resolving_to_an_internal_address_is_refused_at_connect():
    seen = []
    inner = httpx.MockTransport(lambda r: seen.append(r) or httpx.Response(200))
    for answer in (["127.0.0.1"], ["93.184.216.34", "10.1.2.3"], ["::1"], ["169.254.169.254"]):
        transport = PinnedTransport(resolver=await _resolves_to(*answer), inner=inner)
        async with httpx.AsyncClient(transport=transport) as http:
            with pytest.raises(DestinationRefused):
                await http.post("http://rebind.example.vn/h", content=b"{}")
    assert seen == []


async def test_the_checked_address_is_the_one_connected_to():
    seen: list[httpx.Request] = []
    inner = httpx.MockTransport(lambda r: seen.append(r) or httpx.Response(204))
    transport = PinnedTransport(resolver=await _resolves_to("93.184.216.34"), inner=inner)
    async with httpx.AsyncClient(transport=transport) as http:
        r = await http.post("https://hooks.example.vn/h", content=b"{}")
    assert r.status_code == 204
    [req] = seen
    assert req.url.host == "93.184.216.34"  # pinned: no second lookup can change it
    assert req.headers["host"] == "hooks.example.vn"
    assert req.extensions["sni_hostname"] == "hooks.example.vn"


async def test_resolve_checked_passes_public_literals():
    assert await resolve_checked("93.184.216.34", 443, allowed_hosts=()) == "93.184.216.34"

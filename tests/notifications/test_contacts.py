"""Users choose and verify the numbers they are reached on, and mute routine channels."""

import re

import pytest

from backend.notifications.outbox import enqueue
from backend.notifications.wiring import build_channels
from tests.factories import auth, make_user
from tests.notifications.fakes_vn import FAKE_SETTINGS, FakeFcmClient, Providers
from tests.notifications.helpers import deliveries, make_device


@pytest.fixture
async def providers():
    p = Providers()
    p.http = p.client()
    p.fcm = FakeFcmClient()
    yield p
    await p.http.aclose()


@pytest.fixture
def worker(app, make_dispatcher, providers):
    app.state.settings = app.state.settings.model_copy(
        update={**FAKE_SETTINGS, "notify_sms_provider": "esms"}
    )
    s = app.state.settings
    channels = build_channels(
        s, app.state.session_factory, providers.http, fcm_client=providers.fcm
    )
    return make_dispatcher(channels=channels, **FAKE_SETTINGS)


async def test_verify_a_new_sms_number_then_it_is_used(
    app, client, session, worker, providers, clock
):
    user = await make_user(session, role="police_liaison", phone="+84912345678")
    other = await make_user(session, role="police_liaison")
    await session.commit()
    h = auth(app, user)
    for loose in ("yes", 1, "true"):  # the contract says a JSON boolean
        r = await client.put("/api/v1/me/contacts/sms/mute", json={"muted": loose}, headers=h)
        assert r.status_code == 422, r.text
    r = await client.put("/api/v1/me/contacts/sms/mute", json={"muted": True}, headers=h)
    assert r.status_code == 200  # muted: still gets the code it asked for
    r = await client.put("/api/v1/me/contacts/sms", json={"phone": "0987 654 321"}, headers=h)
    assert r.status_code == 202, r.text
    assert r.json()["pending_phone"] == "+84987654321" and r.json()["phone"] is None
    await worker.deliver_once()
    [sms] = providers.esms.sent
    assert sms["Phone"] == "84987654321"  # the code goes to the new number, not the old one
    code = re.search(r"\d{6}", sms["Content"]).group(0)

    wrong = "000000" if code != "000000" else "111111"
    r = await client.post("/api/v1/me/contacts/sms/verify", json={"code": wrong}, headers=h)
    assert r.status_code == 422 and r.json()["code"] == "contact_code_invalid"
    r = await client.post("/api/v1/me/contacts/sms/verify", json={"code": code}, headers=h)
    assert r.status_code == 200 and r.json()["phone"] == "+84987654321"

    # Others see only their own numbers.
    r = await client.get("/api/v1/me/contacts", headers=auth(app, other))
    assert r.status_code == 200 and r.json() == {"items": [], "next_cursor": None}
    r = await client.post(
        "/api/v1/me/contacts/sms/verify", json={"code": code}, headers=auth(app, other)
    )
    assert r.status_code == 422 and r.json()["code"] == "contact_code_expired"

    await enqueue(
        session,
        event_type="incident.escalated",
        payload={"severity": 2},
        recipient_user_ids=[user.id],
    )
    await session.commit()
    await worker.deliver_once()
    assert providers.esms.sent[-1]["Phone"] == "84987654321"


async def test_code_locks_after_five_wrong_tries_and_expires(
    app, client, session, worker, providers, clock
):
    user = await make_user(session, role="police_liaison")
    await session.commit()
    h = auth(app, user)

    async def new_code() -> str:
        await client.put("/api/v1/me/contacts/sms", json={"phone": "0987654321"}, headers=h)
        await worker.deliver_once()
        return re.search(r"\d{6}", providers.esms.sent[-1]["Content"]).group(0)

    code = await new_code()
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        r = await client.post("/api/v1/me/contacts/sms/verify", json={"code": wrong}, headers=h)
        assert r.json()["code"] == "contact_code_invalid"
    r = await client.post("/api/v1/me/contacts/sms/verify", json={"code": code}, headers=h)
    assert r.status_code == 422 and r.json()["code"] == "contact_code_expired"  # locked

    code = await new_code()
    clock.advance(11 * 60)
    r = await client.post("/api/v1/me/contacts/sms/verify", json={"code": code}, headers=h)
    assert r.status_code == 422 and r.json()["code"] == "contact_code_expired"


async def test_bad_number_and_unconfigured_channel(app, client, session):
    user = await make_user(session, role="police_liaison")
    await session.commit()
    h = auth(app, user)
    r = await client.put("/api/v1/me/contacts/sms", json={"phone": "0987654321"}, headers=h)
    assert r.status_code == 422 and r.json()["code"] == "contact_channel_unavailable"
    app.state.settings = app.state.settings.model_copy(update={"notify_sms_provider": "log"})
    r = await client.put("/api/v1/me/contacts/sms", json={"phone": "12"}, headers=h)
    assert r.status_code == 422 and r.json()["code"] == "invalid_phone"
    r = await client.put("/api/v1/me/contacts/stream", json={"phone": "0987654321"}, headers=h)
    assert r.status_code == 422


async def test_muted_channels_skip_routine_events_not_urgent_ones(
    app, client, session, worker, providers, clock
):
    user = await make_user(session, role="police_liaison")
    await make_device(session, user, push_token="fcm-1")
    await session.commit()
    r = await client.put(
        "/api/v1/me/contacts/push/mute", json={"muted": True}, headers=auth(app, user)
    )
    assert r.status_code == 200 and r.json()["muted"] is True
    routine = await enqueue(
        session,
        event_type="incident.updated",
        payload={"severity": 3},
        recipient_user_ids=[user.id],
    )
    urgent = await enqueue(
        session,
        event_type="incident.escalated",
        payload={"severity": 1},
        recipient_user_ids=[user.id],
    )
    await session.commit()
    await worker.deliver_once()
    assert [d.channel for d in await deliveries(session, routine.id)] == ["stream"]
    assert "push" in {d.channel for d in await deliveries(session, urgent.id)}
    assert [m["token"] for m in providers.fcm.sent] == ["fcm-1"]  # the urgent one only

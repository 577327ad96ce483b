"""End to end through the real dispatcher: an escalation reaches its recipient by push, then
Zalo, then SMS, each step after the configured delay or at once when the step before fails;
an acknowledgement (in the app, or by opening the one-tap link) stops the chain; receipts and
the chain show in GET …/escalations."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from backend.models.notification import NotificationDelivery
from backend.notifications.channels.base import TargetGone
from backend.notifications.wiring import build_channels
from tests.factories import auth
from tests.incidents.world import act, make_city, report
from tests.notifications.fakes_vn import FAKE_SETTINGS, FakeFcmClient, Providers
from tests.notifications.helpers import make_device

DELAY = 120


@pytest.fixture
async def world(app, session, clock):
    city = await make_city(session)
    await make_device(session, city.police_a1, push_token="fcm-a1")
    await session.commit()
    # The API answers links and receipts with the same settings the worker sends with.
    app.state.settings = app.state.settings.model_copy(
        update={**FAKE_SETTINGS, "notify_sms_provider": "esms"}
    )
    return city


@pytest.fixture
async def providers():
    p = Providers()
    p.http = p.client()
    p.fcm = FakeFcmClient()
    yield p
    await p.http.aclose()


@pytest.fixture
def worker(app, make_dispatcher, providers):
    s = app.state.settings.model_copy(update={"notify_fallback_delay_seconds": DELAY})
    channels = build_channels(
        s, app.state.session_factory, providers.http, fcm_client=providers.fcm
    )
    assert {"push", "zalo", "sms"} <= set(channels)
    return make_dispatcher(channels=channels, notify_fallback_delay_seconds=DELAY)


async def _chain(session, user_id) -> list[tuple[int, str, str]]:
    rows = await session.scalars(
        select(NotificationDelivery)
        .where(NotificationDelivery.recipient_user_id == user_id)
        .order_by(NotificationDelivery.chain_step)
        .execution_options(populate_existing=True)
    )
    return [(d.chain_step, d.channel, d.status) for d in rows.all()]


async def _listed_chain(client, app, user, iid) -> list[dict]:
    r = await client.get(f"/api/v1/incidents/{iid}/escalations", headers=auth(app, user))
    assert r.status_code == 200, r.text
    [esc] = r.json()["items"]
    [chain] = esc["chains"]
    assert chain["user_id"] == str(user.id)
    return chain["steps"]


async def test_push_then_zalo_then_acknowledged_stops_sms(
    app, client, session, world, worker, providers, clock
):
    police = world.police_a1
    iid = (await report(client, app, world.member_a, category="trafficking", severity=2)).json()[
        "id"
    ]
    await worker.deliver_once()
    assert [m["token"] for m in providers.fcm.sent] == ["fcm-a1"]
    assert await _chain(session, police.id) == [
        (0, "push", "delivered"),
        (1, "zalo", "pending"),
        (2, "sms", "pending"),
    ]
    clock.advance(DELAY - 1)
    await worker.deliver_once()
    assert providers.zalo.sent == []  # not yet: the push has its delay to be acknowledged
    clock.advance(1)
    await worker.deliver_once()
    [zns] = providers.zalo.sent
    assert zns["phone"] == police.phone.lstrip("+")
    steps = await _listed_chain(client, app, police, iid)
    assert [(s["channel"], s["status"]) for s in steps] == [
        ("push", "delivered"),
        ("zalo", "delivered"),
        ("sms", "pending"),
    ]

    r = await act(client, app, police, iid, "acknowledge")
    assert r.status_code == 200, r.text
    clock.advance(DELAY)
    await worker.deliver_once()
    assert providers.esms.sent == []  # acknowledged in the app: no SMS
    steps = await _listed_chain(client, app, police, iid)
    assert steps[2]["status"] == "stopped" and steps[2]["last_error"] == "stopped: acknowledged"
    assert [s["step"] for s in steps] == [0, 1, 2]


async def test_failures_bring_the_next_step_forward_and_receipts_are_recorded(
    app, client, session, world, worker, providers, clock
):
    police = world.police_a1
    providers.fcm.fail_with = TargetGone("UNREGISTERED")
    providers.zalo.errors = [-118]  # this phone has no Zalo account
    iid = (await report(client, app, world.member_a, category="trafficking", severity=2)).json()[
        "id"
    ]
    for _ in range(3):  # no time passes: each failure makes the next step due now
        await worker.deliver_once()
    assert await _chain(session, police.id) == [
        (0, "push", "dropped"),
        (1, "zalo", "dropped"),
        (2, "sms", "delivered"),
    ]
    [sms] = providers.esms.sent
    assert sms["Phone"] == police.phone.lstrip("+")
    text = sms["Content"]
    assert text.isascii() and len(text) <= 160, text  # one GSM-7 segment
    link = re.search(r"https://ttq\.test/l/(\S+)", text)
    assert link, text

    # The provider's receipt, to the signed callback URL it was given.
    callback = urlsplit(sms["CallbackUrl"])
    query = parse_qs(callback.query)
    receipt = {
        "sig": query["sig"][0],
        "SMSID": "sms-1",
        "SendStatus": "5",
        "SendFailed": "0",
        "SendSuccess": "1",
        "RequestId": sms["RequestId"],
        "TypeId": "2",
        "phonenumber": sms["Phone"],
    }
    forged = await client.get(callback.path, params={**receipt, "sig": "0" * 32})
    assert forged.status_code == 403 and forged.json()["code"] == "receipt_refused"
    r = await client.get(callback.path, params=receipt)
    assert r.status_code == 200 and r.json()["matched"] == 1
    steps = await _listed_chain(client, app, police, iid)
    assert steps[2]["receipt_status"] == "delivered"

    # The one-tap link opens the incident page of the console.
    r = await client.get(f"/l/{link.group(1)}", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/incidents/{iid}"
    bad = link.group(1)[:-2] + ("AA" if not link.group(1).endswith("AA") else "BB")
    assert (await client.get(f"/l/{bad}", follow_redirects=False)).status_code == 404


async def test_opening_the_link_stops_the_openers_chain(
    app, client, session, world, worker, providers, clock
):
    police = world.police_a1
    iid = (await report(client, app, world.member_a, category="trafficking", severity=2)).json()[
        "id"
    ]
    await worker.deliver_once()
    clock.advance(DELAY)
    await worker.deliver_once()
    [zns] = providers.zalo.sent
    token = zns["template_data"]["lien_ket"].rsplit("/", 1)[1]
    r = await client.get(f"/l/{token}", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/incidents/{iid}"
    clock.advance(DELAY)
    await worker.deliver_once()
    assert providers.esms.sent == []
    assert (await _chain(session, police.id))[2] == (2, "sms", "stopped")


async def test_chain_listing_is_scoped(app, client, world, worker):
    iid = (await report(client, app, world.member_a, category="trafficking", severity=2)).json()[
        "id"
    ]
    await worker.deliver_once()
    r = await client.get(f"/api/v1/incidents/{iid}/escalations", headers=auth(app, world.police_b))
    assert r.status_code == 404  # another ward's liaison cannot see it, nor its chains

"""ZNS against a local fake of Zalo: template send, rotating OAuth v4 refresh kept in the
database and shared by workers, error codes mapped to retry / permanent / target gone."""

import asyncio
import json

import pytest
from sqlalchemy import select

from backend.models.contact import ProviderCredential
from backend.notifications import crypto
from backend.notifications.channels.base import PermanentError, RetryableError, TargetGone
from backend.notifications.channels.zalo import ZaloChannel, ZnsClient, template_data
from backend.notifications.zalo_tokens import ZaloTokens
from tests.factories import make_user
from tests.notifications.fakes_vn import FAKE_SETTINGS, Providers
from tests.notifications.helpers import envelope


@pytest.fixture
def zsettings(settings):
    return settings.model_copy(update=FAKE_SETTINGS)


@pytest.fixture
async def providers():
    p = Providers()
    p.http = p.client()
    yield p
    await p.http.aclose()


def zns(app, zsettings, providers) -> ZnsClient:
    """A worker's client: its own token cache, the shared database."""
    tokens = ZaloTokens(app.state.session_factory, zsettings, providers.http)
    return ZnsClient(zsettings, providers.http, tokens)


async def test_template_message_to_the_zalo_phone(app, session, zsettings, providers, clock):
    user = await make_user(session, role="police_liaison", phone="+84912345678")
    await session.commit()
    channel = ZaloChannel(app.state.session_factory, zsettings, zns(app, zsettings, providers))
    event = envelope(
        severity=1,
        incident_id="0f0e0d0c-0000-4000-8000-000000000001",
        escalation_id="0f0e0d0c-0000-4000-8000-000000000002",
        deadline_at="2026-11-23T01:15:00+00:00",
    )
    event = type(event)(**{**event.__dict__, "recipient_user_ids": (str(user.id),)})
    msg_id = await channel.deliver(event, str(user.id))
    assert msg_id == "msg-1"
    [sent] = providers.zalo.sent
    assert sent["phone"] == "84912345678" and sent["template_id"] == "tpl-esc"
    assert sent["tracking_id"] == f"{event.id.hex}{user.id.hex[:16]}"
    assert len(sent["tracking_id"]) <= 48
    data = sent["template_data"]
    assert data["ma_vu_viec"] == "0F0E0D0C" and data["muc_do"] == "1"
    assert data["han_xac_nhan"] == "08:15 23/11"  # Asia/Ho_Chi_Minh
    assert data["lien_ket"].startswith("https://ttq.test/l/")
    assert set(data) == {"ma_vu_viec", "muc_do", "han_xac_nhan", "lien_ket"}  # no names


async def test_refresh_token_rotates_in_the_database_and_workers_share_it(
    app, session, zsettings, providers, clock
):
    first = zns(app, zsettings, providers)
    assert await first.tokens.access_token() == "at-1"
    row = await session.get(ProviderCredential, "zalo_oa")
    assert crypto.decrypt(zsettings, row.refresh_token_ciphertext) == "rt-1"
    assert "rt-1" not in row.refresh_token_ciphertext  # encrypted at rest
    # Another worker (own cache) finds the fresh token in the database: no second refresh.
    second = zns(app, zsettings, providers)
    assert await second.tokens.access_token() == "at-1"
    assert providers.zalo.refreshes == 1
    # A day later the access token is near expiry: refreshed with the rotated token (rt-1),
    # not the environment's spent rt-0.
    clock.advance(25 * 3600)
    assert await second.tokens.access_token() == "at-2"
    assert await first.tokens.access_token() == "at-2"
    assert providers.zalo.refreshes == 2
    session.expire_all()
    row = (await session.scalars(select(ProviderCredential))).one()
    assert crypto.decrypt(zsettings, row.refresh_token_ciphertext) == "rt-2"


async def test_concurrent_workers_refresh_once(app, zsettings, providers, clock):
    workers = [zns(app, zsettings, providers) for _ in range(4)]
    tokens = await asyncio.gather(*(w.tokens.access_token() for w in workers))
    assert set(tokens) == {"at-1"} and providers.zalo.refreshes == 1


async def test_rejected_token_is_refreshed_once_and_the_send_retried(
    app, session, zsettings, providers, clock
):
    client = zns(app, zsettings, providers)
    await client.tokens.access_token()
    providers.zalo.valid_access = set()  # Zalo revoked it early
    msg = await client.send(phone="+84912345678", template_id="t", data={}, tracking_id="x")
    assert msg == "msg-1" and providers.zalo.refreshes == 2


async def test_spent_refresh_token_is_permanent(app, zsettings, providers, clock):
    providers.zalo.refresh_token = "someone-else-used-it"
    with pytest.raises(PermanentError, match="refused"):
        await zns(app, zsettings, providers).tokens.access_token()


@pytest.mark.parametrize(
    ("code", "error"),
    [
        (-118, TargetGone),  # no Zalo account on this phone
        (-119, TargetGone),
        (-139, TargetGone),
        (-108, TargetGone),
        (-100, RetryableError),
        (-144, RetryableError),
        (-131, PermanentError),  # template not approved
        (-115, PermanentError),
    ],
)
async def test_error_codes(app, zsettings, providers, clock, code, error):
    providers.zalo.errors = [code]
    with pytest.raises(error) as raised:
        await zns(app, zsettings, providers).send(
            phone="+84912345678", template_id="t", data={}, tracking_id="x"
        )
    assert type(raised.value) is error


async def test_no_template_no_target(app, session, zsettings, providers):
    user = await make_user(session, role="police_liaison")
    await session.commit()
    channel = ZaloChannel(app.state.session_factory, zsettings, zns(app, zsettings, providers))
    async with app.state.session_factory() as s:
        event = envelope("patrol.missed")
        event = type(event)(**{**event.__dict__, "recipient_user_ids": (str(user.id),)})
        assert await channel.targets(s, event) == []


def test_template_data_has_no_personal_fields():
    event = envelope(severity=2, reporter_name="Nguyễn Văn A", address="12 Lê Lợi")
    assert "Nguyễn" not in json.dumps(template_data(event, None))


async def test_a_new_refresh_token_restarts_the_rotation(app, zsettings, providers, clock):
    from backend.notifications.zalo_tokens import replace_refresh_token

    client = zns(app, zsettings, providers)
    await client.tokens.access_token()
    providers.zalo.refresh_token = "rt-reauthorized"  # an admin re-authorized the OA
    providers.zalo.valid_access = set()
    await replace_refresh_token(app.state.session_factory, zsettings, "rt-reauthorized")
    fresh = zns(app, zsettings, providers)  # e.g. after the workers restart
    assert await fresh.tokens.access_token() == "at-2"

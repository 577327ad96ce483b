"""eSMS and SpeedSMS adapters against local fakes of their HTTP APIs."""

from urllib.parse import parse_qs, urlsplit

import pytest

from backend.notifications import receipts
from backend.notifications.channels.base import PermanentError, RetryableError, TargetGone
from backend.notifications.channels.sms_providers import EsmsProvider, SpeedSmsProvider
from tests.notifications.fakes_vn import FAKE_SETTINGS, Providers


@pytest.fixture
def ssettings(settings):
    return settings.model_copy(update=FAKE_SETTINGS)


@pytest.fixture
async def providers():
    p = Providers()
    p.http = p.client()
    yield p
    await p.http.aclose()


async def test_esms_sends_brandname_sms_with_our_request_id(ssettings, providers):
    esms = EsmsProvider(ssettings, providers.http)
    ref = await esms.send(phone="+84912345678", text="[TTQ] hi", reference="event:user")
    [sent] = providers.esms.sent
    assert sent["Phone"] == "84912345678" and sent["Brandname"] == "TTQ"
    assert sent["SmsType"] == "2" and sent["IsUnicode"] == "0"
    assert (sent["ApiKey"], sent["SecretKey"]) == ("esms-key", "esms-secret")
    assert ref == sent["RequestId"] == esms.request_id("event:user")
    callback = urlsplit(sent["CallbackUrl"])
    assert callback.netloc == "ttq.test"
    assert callback.path == "/api/v1/notifications/receipts/esms"
    sig = parse_qs(callback.query)["sig"][0]
    assert receipts.valid(ssettings, "esms", reference=ref, sig=sig)
    assert not receipts.valid(ssettings, "esms", reference="another", sig=sig + "0")


async def test_esms_retry_after_a_lost_answer_is_not_sent_twice(ssettings, providers):
    esms = EsmsProvider(ssettings, providers.http)
    first = await esms.send(phone="+84912345678", text="a", reference="event:user")
    again = await esms.send(phone="+84912345678", text="a", reference="event:user")
    assert first == again and len(providers.esms.sent) == 1  # eSMS said 124: duplicate


@pytest.mark.parametrize(
    ("code", "error"),
    [("99", TargetGone), ("108", TargetGone), ("101", PermanentError), ("103", PermanentError)],
)
async def test_esms_error_codes(ssettings, providers, code, error):
    providers.esms.code = code
    with pytest.raises(error) as raised:
        await EsmsProvider(ssettings, providers.http).send(
            phone="+84912345678", text="a", reference="r"
        )
    assert type(raised.value) is error


async def test_speedsms_sends_and_returns_its_tran_id(ssettings, providers):
    speed = SpeedSmsProvider(ssettings, providers.http)
    ref = await speed.send(phone="+84912345678", text="[TTQ] hi", reference="r")
    [sent] = providers.speedsms.sent
    assert sent == {"to": ["84912345678"], "content": "[TTQ] hi", "sms_type": 3, "sender": "TTQ"}
    assert ref == "1001"


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        ({"status": "error", "code": "105", "message": "phone invalid"}, TargetGone),
        (
            {"status": "success", "code": "00", "data": {"invalidPhone": ["84912345678"]}},
            TargetGone,
        ),
        ({"status": "error", "code": "300", "message": "balance"}, PermanentError),
        ({"status": "error", "code": "500", "message": "internal"}, RetryableError),
    ],
)
async def test_speedsms_errors(ssettings, providers, answer, error):
    providers.speedsms.answer = answer
    with pytest.raises(error) as raised:
        await SpeedSmsProvider(ssettings, providers.http).send(
            phone="+84912345678", text="a", reference="r"
        )
    assert type(raised.value) is error


async def test_speedsms_wrong_token_is_permanent(ssettings, providers):
    bad = ssettings.model_copy(update={"speedsms_access_token": "nope"})
    with pytest.raises(PermanentError):
        await SpeedSmsProvider(bad, providers.http).send(phone="+8491", text="a", reference="r")

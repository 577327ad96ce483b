"""Push through FCM HTTP v1 against httpx.MockTransport: OAuth, message, token clean-up."""

import json
import uuid
from urllib.parse import parse_qs

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import select

from backend.models import Device, utcnow
from backend.notifications.channels.base import PermanentError, RetryableError, TargetGone
from backend.notifications.fcm import FcmClient
from backend.notifications.outbox import enqueue
from tests.factories import make_user
from tests.notifications.helpers import deliveries, envelope, make_device

TOKEN_URI = "https://oauth2.example.test/token"


@pytest.fixture(scope="module")
def key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def credentials(key):
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return {
        "type": "service_account",
        "project_id": "ttq-test",
        "private_key_id": "kid-1",
        "private_key": pem,
        "client_email": "push@ttq-test.iam.gserviceaccount.com",
        "token_uri": TOKEN_URI,
    }


class FakeFcm:
    """Plays Google's token endpoint and FCM; answers sends from a script."""

    def __init__(self, key):
        self.public_key = key.public_key()
        self.token_requests = 0
        self.sent: list[dict] = []
        self.answers: dict[str, tuple[int, dict, dict]] = {}  # device token -> answer

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if str(request.url) == TOKEN_URI:
            form = parse_qs(request.content.decode())
            assert form["grant_type"] == ["urn:ietf:params:oauth:grant-type:jwt-bearer"]
            claims = jwt.decode(
                form["assertion"][0], self.public_key, algorithms=["RS256"], audience=TOKEN_URI
            )
            assert claims["scope"] == "https://www.googleapis.com/auth/firebase.messaging"
            self.token_requests += 1
            return httpx.Response(
                200,
                json={
                    "access_token": f"at-{self.token_requests}",
                    "expires_in": 3599,
                    "token_type": "Bearer",
                },
            )
        assert request.url.path == "/v1/projects/ttq-test/messages:send"
        assert request.headers["authorization"].startswith("Bearer at-")
        message = json.loads(request.content)["message"]
        self.sent.append(message)
        status, body, headers = self.answers.get(message["token"], (200, {}, {}))
        if status == 200:
            body = {"name": f"projects/ttq-test/messages/{len(self.sent)}"}
        return httpx.Response(status, json=body, headers=headers)


def fcm_error(status: int, code: str, message: str = "", error_code: str | None = None):
    details = (
        [{"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": error_code}]
        if error_code
        else []
    )
    return (
        status,
        {"error": {"code": status, "message": message, "status": code, "details": details}},
        {},
    )


@pytest.fixture
async def fcm(key, credentials):
    fake = FakeFcm(key)
    http = httpx.AsyncClient(transport=httpx.MockTransport(fake))
    yield fake, FcmClient(credentials, http=http)
    await http.aclose()


async def test_push_delivered_without_personal_data(session, make_dispatcher, fcm):
    fake, client = fcm
    user = await make_user(session, role="police_liaison")
    phone = await make_device(session, user, push_token="tok-phone")
    await make_device(session, user, push_token=None)  # signed in, no push permission
    revoked = await make_device(session, user, push_token="tok-old")
    revoked.revoked_at = utcnow()
    event = await enqueue(
        session,
        event_type="incident.escalated",
        payload={"incident_id": "abc", "severity": 2, "reporter_name": "Nguyễn Văn A"},
        recipient_user_ids=[user.id],
    )
    await session.commit()

    await make_dispatcher(fcm_client=client).deliver_once()

    [message] = fake.sent
    assert message["token"] == "tok-phone"
    assert message["notification"]["title"] == "Vụ việc chuyển đến bạn"
    assert message["data"] == {
        "event_id": str(event.id),
        "event_type": "incident.escalated",
        "incident_id": "abc",
        "severity": "2",
    }
    assert message["android"]["priority"] == "HIGH"
    push = [d for d in await deliveries(session, event.id) if d.channel == "push"]
    assert [(d.target, d.status) for d in push] == [(str(phone.id), "delivered")]


async def test_unregistered_token_is_cleared(session, make_dispatcher, fcm):
    fake, client = fcm
    user = await make_user(session, role="team_member")
    gone = await make_device(session, user, push_token="tok-gone")
    bad = await make_device(session, user, push_token="tok-bad")
    fine = await make_device(session, user, push_token="tok-fine")
    fake.answers["tok-gone"] = fcm_error(404, "NOT_FOUND", "not found", "UNREGISTERED")
    fake.answers["tok-bad"] = fcm_error(
        400, "INVALID_ARGUMENT", "The registration token is not a valid FCM registration token"
    )
    event = await enqueue(
        session,
        event_type="patrol.missed",
        payload={},
        recipient_user_ids=[user.id],
        channels=["push"],
    )
    await session.commit()

    await make_dispatcher(fcm_client=client).deliver_once()

    tokens = dict(
        (
            await session.execute(
                select(Device.id, Device.push_token).execution_options(populate_existing=True)
            )
        ).all()
    )
    assert tokens == {gone.id: None, bad.id: None, fine.id: "tok-fine"}
    status = {d.target: d.status for d in await deliveries(session, event.id)}
    assert status == {str(gone.id): "dropped", str(bad.id): "dropped", str(fine.id): "delivered"}
    assert fake.token_requests == 1  # the access token is cached


async def test_error_classes(fcm):
    fake, client = fcm
    env = envelope()
    cases = {
        "t-quota": (fcm_error(429, "RESOURCE_EXHAUSTED", "", "QUOTA_EXCEEDED"), RetryableError),
        "t-down": (fcm_error(503, "UNAVAILABLE", "", "UNAVAILABLE"), RetryableError),
        "t-sender": (fcm_error(403, "PERMISSION_DENIED", "", "SENDER_ID_MISMATCH"), TargetGone),
        "t-apns": (fcm_error(401, "UNAUTHENTICATED", "", "THIRD_PARTY_AUTH_ERROR"), PermanentError),
        "t-payload": (fcm_error(400, "INVALID_ARGUMENT", "data must be strings"), PermanentError),
    }
    for token, (answer, expected) in cases.items():
        fake.answers[token] = answer
        with pytest.raises(expected) as caught:
            await client.send({"token": token, "data": {"event_id": str(env.id)}})
        assert type(caught.value) is expected or expected is PermanentError
    fake.answers["t-ra"] = (503, {"error": {"status": "UNAVAILABLE"}}, {"Retry-After": "30"})
    with pytest.raises(RetryableError) as caught:
        await client.send({"token": "t-ra"})
    assert caught.value.retry_after == 30


async def test_refused_access_token_is_fetched_again(fcm):
    fake, client = fcm
    fake.answers["t1"] = fcm_error(401, "UNAUTHENTICATED", "expired")
    with pytest.raises(RetryableError):
        await client.send({"token": "t1"})
    await client.send({"token": "t2"})
    assert fake.token_requests == 2


async def test_push_not_configured_means_no_push_deliveries(session, make_dispatcher):
    user = await make_user(session, role="team_member")
    await make_device(session, user)
    event = await enqueue(
        session, event_type="patrol.missed", payload={}, recipient_user_ids=[user.id]
    )
    await session.commit()
    await make_dispatcher().deliver_once()
    assert [d.channel for d in await deliveries(session, event.id)] == ["stream"]


async def test_credentials_rejected_is_permanent(credentials):
    http = httpx.AsyncClient(transport=httpx.MockTransport(lambda r: httpx.Response(400)))
    client = FcmClient(credentials, http=http)
    with pytest.raises(PermanentError, match="credentials"):
        await client.send({"token": str(uuid.uuid4())})
    await http.aclose()

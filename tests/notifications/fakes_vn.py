"""Local fakes of Zalo (OAuth v4 + ZNS), eSMS and SpeedSMS, modelled on their published HTTP
APIs, for httpx.MockTransport: nothing leaves the process."""

import base64
import json
from dataclasses import dataclass, field
from urllib.parse import parse_qs

import httpx

ZALO_API = "https://zns.fake.test"
ZALO_OAUTH = "https://oauth.fake.test"
ESMS_API = "https://esms.fake.test"
SPEEDSMS_API = "https://speedsms.fake.test"

FAKE_SETTINGS = {
    "zalo_app_id": "app-1",
    "zalo_app_secret": "app-secret",
    "zalo_refresh_token": "rt-0",
    "zalo_api_url": ZALO_API,
    "zalo_oauth_url": ZALO_OAUTH,
    "zalo_template_ids": {"incident.escalated": "tpl-esc", "contact.verify": "tpl-otp"},
    "esms_api_key": "esms-key",
    "esms_secret_key": "esms-secret",
    "esms_brandname": "TTQ",
    "esms_api_url": ESMS_API,
    "speedsms_access_token": "speed-token",
    "speedsms_sender": "TTQ",
    "speedsms_api_url": SPEEDSMS_API,
    "notify_public_base_url": "https://ttq.test",
}


@dataclass
class FakeZalo:
    """The OA's tokens rotate like Zalo's: each refresh token works once."""

    refresh_token: str = "rt-0"
    generation: int = 0
    refreshes: int = 0
    valid_access: set[str] = field(default_factory=set)
    sent: list[dict] = field(default_factory=list)
    errors: list[int] = field(default_factory=list)  # next answers' error codes, in order

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v4/oa/access_token":
            return self._token(request)
        assert request.url.path == "/message/template"
        token = request.headers.get("access_token")
        if token not in self.valid_access:
            return httpx.Response(200, json={"error": -124, "message": "Access token is invalid"})
        if self.errors:
            code = self.errors.pop(0)
            return httpx.Response(200, json={"error": code, "message": f"error {code}"})
        body = json.loads(request.content)
        self.sent.append(body)
        return httpx.Response(
            200,
            json={
                "error": 0,
                "message": "Success",
                "data": {"msg_id": f"msg-{len(self.sent)}", "sent_time": "1700000000000"},
            },
        )

    def _token(self, request: httpx.Request) -> httpx.Response:
        form = parse_qs(request.content.decode())
        assert request.headers["secret_key"] == "app-secret"
        assert form["app_id"] == ["app-1"] and form["grant_type"] == ["refresh_token"]
        if form["refresh_token"] != [self.refresh_token]:
            return httpx.Response(
                200,
                json={"error": -14014, "error_name": "Invalid refresh token", "message": "x"},
            )
        self.refreshes += 1
        self.generation += 1
        self.refresh_token = f"rt-{self.generation}"
        access = f"at-{self.generation}"
        self.valid_access = {access}  # the previous access token stops working
        answer = {"access_token": access, "refresh_token": self.refresh_token}
        return httpx.Response(200, json={**answer, "expires_in": "90000"})


@dataclass
class FakeEsms:
    """SendMultipleMessage_V4_post_json: CodeResult 100, 124 for a RequestId seen before."""

    sent: list[dict] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)
    code: str = "100"

    def __call__(self, request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/MainService.svc/json/SendMultipleMessage_V4_post_json/"
        body = json.loads(request.content)
        if self.code != "100":
            return httpx.Response(200, json={"CodeResult": self.code, "ErrorMessage": "no"})
        if body["RequestId"] in self.seen:
            return httpx.Response(200, json={"CodeResult": "124", "ErrorMessage": "Duplicate"})
        self.seen.add(body["RequestId"])
        self.sent.append(body)
        return httpx.Response(
            200, json={"CodeResult": "100", "CountRegenerate": 0, "SMSID": f"sms-{len(self.sent)}"}
        )


@dataclass
class FakeSpeedSms:
    """/index.php/sms/send with Basic auth (token, "x")."""

    sent: list[dict] = field(default_factory=list)
    answer: dict | None = None

    def __call__(self, request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/index.php/sms/send"
        user, _, password = base64.b64decode(request.headers["authorization"][6:]).partition(b":")
        if (user, password) != (b"speed-token", b"x"):
            return httpx.Response(401)
        if self.answer is not None:
            return httpx.Response(200, json=self.answer)
        body = json.loads(request.content)
        self.sent.append(body)
        data = {"tranId": 1000 + len(self.sent), "totalSMS": 1, "totalPrice": 250}
        return httpx.Response(
            200, json={"status": "success", "code": "00", "data": {**data, "invalidPhone": []}}
        )


class Providers:
    """One MockTransport routing each fake by host."""

    def __init__(self) -> None:
        self.zalo = FakeZalo()
        self.esms = FakeEsms()
        self.speedsms = FakeSpeedSms()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        host = f"https://{request.url.host}"
        if host in (ZALO_API, ZALO_OAUTH):
            return self.zalo(request)
        if host == ESMS_API:
            return self.esms(request)
        if host == SPEEDSMS_API:
            return self.speedsms(request)
        raise AssertionError(f"unexpected request to {request.url}")

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.MockTransport(self))


class FakeFcmClient:
    """The FcmClient interface: records pushes, or raises what a test asks for."""

    def __init__(self) -> None:
        self.sent: list[dict] = []
        self.fail_with: Exception | None = None

    async def send(self, message: dict) -> None:
        if self.fail_with is not None:
            raise self.fail_with
        self.sent.append(message)

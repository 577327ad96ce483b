"""SMS brandname providers used in Vietnam, each an ``SmsProvider``: eSMS and SpeedSMS.

``send`` returns the reference receipts are matched on (stored on the delivery as
``provider_ref``). eSMS takes our own ``RequestId`` and refuses a second message with the same
one (code 124), so a retry after a lost answer never sends twice: the reference is that id.
SpeedSMS has no such key: its ``tranId`` is the reference, and a retry after a lost answer
may send a second text (urgent messages are retried rather than dropped).
"""

import uuid

import httpx

from backend.core.config import Settings
from backend.notifications import receipts
from backend.notifications.channels.base import PermanentError, RetryableError, TargetGone

REQUEST_ID_NS = uuid.UUID("3f0c5d55-5b3c-4f7e-9a43-2f1d8f7c6a10")

# eSMS CodeResult values (its published error table).
ESMS_OK = "100"
ESMS_DUPLICATE = "124"  # this RequestId was accepted before: the message is on its way
ESMS_TARGET_GONE = {"99": "phone number blocked", "108": "phone number malformed"}

# SpeedSMS error codes.
SPEEDSMS_TARGET_GONE = {"105": "phone number invalid"}
SPEEDSMS_RETRYABLE = {"500": "provider internal error"}


def provider_phone(e164: str) -> str:
    """Both providers take 84xxxxxxxxx."""
    return e164.lstrip("+")


def _json(response: httpx.Response, who: str) -> dict:
    if response.status_code >= 500 or response.status_code == 429:
        raise RetryableError(f"{who}: HTTP {response.status_code}")
    try:
        body = response.json()
    except ValueError:
        raise RetryableError(f"{who}: HTTP {response.status_code}, not JSON") from None
    if not isinstance(body, dict):
        raise PermanentError(f"{who}: unexpected answer")
    return body


class EsmsProvider:
    """eSMS.vn customer-care brandname SMS (SmsType 2), JSON POST."""

    def __init__(self, settings: Settings, http: httpx.AsyncClient) -> None:
        self._settings = settings
        self._http = http

    def request_id(self, reference: str) -> str:
        """Our RequestId for a reference: stable across retries, 32 characters."""
        return uuid.uuid5(REQUEST_ID_NS, reference).hex

    async def send(self, *, phone: str, text: str, reference: str) -> str:
        s = self._settings
        request_id = self.request_id(reference)
        body = {
            "ApiKey": s.esms_api_key,
            "SecretKey": s.esms_secret_key,
            "Phone": provider_phone(phone),
            "Content": text,
            "Brandname": s.esms_brandname,
            "SmsType": "2",
            "IsUnicode": "0",
            "Sandbox": "1" if s.esms_sandbox else "0",
            "RequestId": request_id,
            "CallbackUrl": receipts.callback_url(s, "esms", request_id),
        }
        url = f"{s.esms_api_url.rstrip('/')}/MainService.svc/json/SendMultipleMessage_V4_post_json/"
        try:
            response = await self._http.post(url, json=body)
        except httpx.HTTPError as exc:
            raise RetryableError(f"esms: {type(exc).__name__}") from None
        answer = _json(response, "esms")
        code = str(answer.get("CodeResult", ""))
        if code in (ESMS_OK, ESMS_DUPLICATE):
            return request_id
        message = f"esms {code}: {answer.get('ErrorMessage', '')}"[:500]
        if code in ESMS_TARGET_GONE:
            raise TargetGone(message)
        raise PermanentError(message)  # keys, balance, brandname, template, IP whitelist


class SpeedSmsProvider:
    """SpeedSMS.vn brandname SMS: JSON POST with the access token as Basic user name."""

    def __init__(self, settings: Settings, http: httpx.AsyncClient) -> None:
        self._settings = settings
        self._http = http

    async def send(self, *, phone: str, text: str, reference: str) -> str:
        s = self._settings
        body = {
            "to": [provider_phone(phone)],
            "content": text,
            "sms_type": s.speedsms_sms_type,
            "sender": s.speedsms_sender,
        }
        url = f"{s.speedsms_api_url.rstrip('/')}/index.php/sms/send"
        try:
            response = await self._http.post(
                url, json=body, auth=(s.speedsms_access_token or "", "x")
            )
        except httpx.HTTPError as exc:
            raise RetryableError(f"speedsms: {type(exc).__name__}") from None
        if response.status_code == 401:
            raise PermanentError("speedsms: access token refused")
        answer = _json(response, "speedsms")
        data = answer.get("data") or {}
        if provider_phone(phone) in (data.get("invalidPhone") or answer.get("invalidPhone") or []):
            raise TargetGone("speedsms: phone number invalid")
        if answer.get("status") == "success" and data.get("tranId") is not None:
            return str(data["tranId"])
        code = str(answer.get("code", ""))
        message = f"speedsms {code}: {answer.get('message', '')}"[:500]
        if code in SPEEDSMS_TARGET_GONE:
            raise TargetGone(message)
        if code in SPEEDSMS_RETRYABLE:
            raise RetryableError(message)
        raise PermanentError(message)  # account, IP, balance, content

"""Firebase Cloud Messaging HTTP v1: a service-account OAuth token, then one send per token."""

import json
import time
from pathlib import Path
from typing import Any

import httpx
import jwt

from backend.core.config import Settings
from backend.notifications.channels.base import PermanentError, RetryableError, TargetGone
from backend.notifications.channels.util import parse_retry_after

SCOPE = "https://www.googleapis.com/auth/firebase.messaging"
FCM_ENDPOINT = "https://fcm.googleapis.com/v1/projects/{project}/messages:send"
DEFAULT_TOKEN_URI = "https://oauth2.googleapis.com/token"
# Error codes after which the device token will never work again.
TOKEN_GONE = frozenset({"UNREGISTERED", "SENDER_ID_MISMATCH"})
RETRYABLE = frozenset({"QUOTA_EXCEEDED", "UNAVAILABLE", "INTERNAL"})


def load_credentials(settings: Settings) -> dict[str, Any] | None:
    """The service-account JSON from settings, or None when push is not configured."""
    if settings.fcm_credentials_json:
        return json.loads(settings.fcm_credentials_json)
    if settings.fcm_credentials_file:
        return json.loads(Path(settings.fcm_credentials_file).read_text(encoding="utf-8"))
    return None


def _error_of(response: httpx.Response) -> tuple[str, str]:
    """(FCM error code or status, message) from an error answer."""
    try:
        error = response.json().get("error", {})
    except ValueError:
        return str(response.status_code), response.text[:200]
    code = error.get("status", str(response.status_code))
    for detail in error.get("details") or []:
        if detail.get("errorCode"):
            code = detail["errorCode"]
    return code, str(error.get("message", ""))[:200]


class FcmClient:
    """Sends one message to one registration token; caches the OAuth access token."""

    def __init__(
        self,
        credentials: dict[str, Any],
        *,
        http: httpx.AsyncClient,
        project_id: str | None = None,
        clock=time.time,
    ) -> None:
        self._creds = credentials
        self._http = http
        self._project = project_id or credentials["project_id"]
        self._clock = clock
        self._token: str | None = None
        self._token_expires = 0.0

    def _assertion(self) -> str:
        now = int(self._clock())
        claims = {
            "iss": self._creds["client_email"],
            "scope": SCOPE,
            "aud": self._creds.get("token_uri", DEFAULT_TOKEN_URI),
            "iat": now,
            "exp": now + 3600,
        }
        headers = {"kid": self._creds["private_key_id"]} if "private_key_id" in self._creds else {}
        return jwt.encode(claims, self._creds["private_key"], algorithm="RS256", headers=headers)

    async def access_token(self) -> str:
        """A valid OAuth 2 access token, fetched again a minute before it expires."""
        if self._token and self._clock() < self._token_expires - 60:
            return self._token
        try:
            response = await self._http.post(
                self._creds.get("token_uri", DEFAULT_TOKEN_URI),
                data={
                    "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
                    "assertion": self._assertion(),
                },
            )
        except httpx.TransportError as exc:
            raise RetryableError(f"FCM token: {type(exc).__name__}") from None
        if response.status_code >= 500:
            raise RetryableError(f"FCM token: HTTP {response.status_code}")
        if response.status_code != 200:
            raise PermanentError(f"FCM credentials rejected: HTTP {response.status_code}")
        data = response.json()
        self._token = data["access_token"]
        self._token_expires = self._clock() + float(data.get("expires_in", 3600))
        return self._token

    async def send(self, message: dict[str, Any]) -> str:
        """Send one message (with its ``token``); return FCM's message name."""
        url = FCM_ENDPOINT.format(project=self._project)
        headers = {"Authorization": f"Bearer {await self.access_token()}"}
        try:
            response = await self._http.post(url, json={"message": message}, headers=headers)
        except httpx.TransportError as exc:
            raise RetryableError(f"FCM: {type(exc).__name__}") from None
        if response.status_code == 200:
            return response.json().get("name", "")
        code, text = _error_of(response)
        detail = f"FCM HTTP {response.status_code} {code}: {text}"
        if code in TOKEN_GONE or (code == "INVALID_ARGUMENT" and "registration token" in text):
            raise TargetGone(detail)
        if response.status_code == 401 and code != "THIRD_PARTY_AUTH_ERROR":
            self._token = None  # our access token was refused: fetch a new one next time
            raise RetryableError(detail)
        if code in RETRYABLE or response.status_code >= 500 or response.status_code == 429:
            raise RetryableError(
                detail, retry_after=parse_retry_after(response.headers.get("Retry-After"))
            )
        raise PermanentError(detail)

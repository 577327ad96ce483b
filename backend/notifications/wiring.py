"""Building the channels a worker (or the in-process dispatcher) delivers with."""

import logging
import uuid
from collections.abc import Callable

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.core.config import Settings
from backend.notifications.channels.base import Channel
from backend.notifications.channels.push import PushChannel
from backend.notifications.channels.sms import LogSmsProvider, SmsChannel, SmsProvider
from backend.notifications.channels.stream import StreamChannel
from backend.notifications.channels.webhook import WebhookChannel
from backend.notifications.fcm import FcmClient, load_credentials

log = logging.getLogger("ttq.notifications")


def make_http(settings: Settings) -> httpx.AsyncClient:
    """The outbound HTTP client: bounded time, no redirects (a webhook must answer itself)."""
    return httpx.AsyncClient(
        timeout=settings.notify_http_timeout_seconds,
        follow_redirects=False,
        limits=httpx.Limits(max_connections=max(10, settings.notify_concurrency)),
    )


def build_channels(
    settings: Settings,
    session_factory: async_sessionmaker[AsyncSession],
    http: httpx.AsyncClient,
    *,
    on_stream: Callable[[uuid.UUID], None] | None = None,
    sms_provider: SmsProvider | None = None,
    fcm_client: FcmClient | None = None,
) -> dict[str, Channel]:
    """Every channel that is configured, by name."""
    channels: dict[str, Channel] = {
        "stream": StreamChannel(session_factory, on_delivered=on_stream),
        "webhook": WebhookChannel(session_factory, settings, http=http),
    }
    if fcm_client is None:
        credentials = load_credentials(settings)
        if credentials is not None:
            fcm_client = FcmClient(credentials, http=http, project_id=settings.fcm_project_id)
    if fcm_client is not None:
        channels["push"] = PushChannel(session_factory, fcm_client)
    if sms_provider is None and settings.notify_sms_provider == "log":
        sms_provider = LogSmsProvider()
    if sms_provider is not None:
        channels["sms"] = SmsChannel(session_factory, sms_provider)
    log.info(
        "notification channels: %s",
        ", ".join(sorted(channels)),
        extra={"channels": sorted(channels)},
    )
    return channels

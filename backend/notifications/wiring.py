"""Building the channels a worker (or the in-process dispatcher) delivers with."""

import logging
import uuid
from collections.abc import Callable

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.core.config import Settings
from backend.notifications.channels import names
from backend.notifications.channels.base import Channel
from backend.notifications.channels.push import PushChannel
from backend.notifications.channels.sms import LogSmsProvider, SmsChannel, SmsProvider
from backend.notifications.channels.sms_providers import EsmsProvider, SpeedSmsProvider
from backend.notifications.channels.stream import StreamChannel
from backend.notifications.channels.webhook import WebhookChannel
from backend.notifications.channels.webhook_guard import PinnedTransport
from backend.notifications.channels.zalo import ZaloChannel, ZnsClient
from backend.notifications.fcm import FcmClient, load_credentials
from backend.notifications.zalo_tokens import ZaloTokens

log = logging.getLogger("ttq.notifications")


def make_http(settings: Settings) -> httpx.AsyncClient:
    """The outbound HTTP client: bounded time, no redirects (a webhook must answer itself)."""
    limits = httpx.Limits(max_connections=max(10, settings.notify_concurrency))
    return httpx.AsyncClient(
        timeout=settings.notify_http_timeout_seconds,
        follow_redirects=False,
        # Every connection goes to an address checked at connect time (no SSRF, no rebinding).
        transport=PinnedTransport(
            allowed_hosts=settings.notify_webhook_allowed_hosts, limits=limits
        ),
    )


def _sms_provider(settings: Settings, http: httpx.AsyncClient) -> SmsProvider | None:
    """The SMS provider the settings name (none: no SMS channel)."""
    match settings.notify_sms_provider:
        case "log":
            return LogSmsProvider()
        case "esms":
            return EsmsProvider(settings, http)
        case "speedsms":
            return SpeedSmsProvider(settings, http)
    return None


def build_channels(
    settings: Settings,
    session_factory: async_sessionmaker[AsyncSession],
    http: httpx.AsyncClient,
    *,
    on_stream: Callable[[uuid.UUID], None] | None = None,
    sms_provider: SmsProvider | None = None,
    fcm_client: FcmClient | None = None,
    zns_client: ZnsClient | None = None,
) -> dict[str, Channel]:
    """Every channel that is configured, by name."""
    channels: dict[str, Channel] = {
        names.STREAM: StreamChannel(session_factory, on_delivered=on_stream),
        names.WEBHOOK: WebhookChannel(session_factory, settings, http=http),
    }
    if fcm_client is None:
        credentials = load_credentials(settings)
        if credentials is not None:
            fcm_client = FcmClient(credentials, http=http, project_id=settings.fcm_project_id)
    if fcm_client is not None:
        channels[names.PUSH] = PushChannel(session_factory, fcm_client)
    if sms_provider is None:
        sms_provider = _sms_provider(settings, http)
    if sms_provider is not None:
        channels[names.SMS] = SmsChannel(session_factory, sms_provider, settings)
    if zns_client is None and settings.zalo_app_id and settings.zalo_app_secret:
        zns_client = ZnsClient(settings, http, ZaloTokens(session_factory, settings, http))
    if zns_client is not None:
        channels[names.ZALO] = ZaloChannel(session_factory, settings, zns_client)
    log.info(
        "notification channels: %s",
        ", ".join(sorted(channels)),
        extra={"channels": sorted(channels)},
    )
    return channels

"""`ttq worker`: delivers the outbox and runs the periodic jobs, until SIGTERM or SIGINT."""

import asyncio
import contextlib
import logging
import signal

from backend.core import pii
from backend.core.config import Settings
from backend.core.db import make_engine, make_session_factory
from backend.notifications.dispatcher import Dispatcher
from backend.notifications.jobs import JobRunner
from backend.notifications.outbox import OUTBOX_CHANNEL
from backend.notifications.pg import PgListener
from backend.notifications.wiring import build_channels, make_http

log = logging.getLogger("ttq.worker")


class WorkerConfigError(ValueError):
    """The settings would make the worker unsafe."""


def check_settings(settings: Settings) -> None:
    """Refuse a lease that a slow send could outlive (two workers would then send at once)."""
    if settings.notify_lease_seconds <= settings.notify_http_timeout_seconds:
        raise WorkerConfigError(
            "TTQ_NOTIFY_LEASE_SECONDS must be larger than TTQ_NOTIFY_HTTP_TIMEOUT_SECONDS"
        )


async def run_worker(settings: Settings, *, worker_id: str | None = None, once: bool = False):
    """Deliver until stopped (or one batch with ``once``)."""
    check_settings(settings)
    pii.install(pii.keyring_for(settings))  # users' and contacts' phones are sealed at rest
    engine = make_engine(settings.database_url, settings)
    sessions = make_session_factory(engine)
    http = make_http(settings)
    listener = None
    try:
        channels = build_channels(settings, sessions, http)
        dispatcher = Dispatcher(sessions, channels, settings, worker_id=worker_id)
        jobs = JobRunner(sessions, settings)
        if once:
            count = await dispatcher.deliver_once()
            await jobs.run_due()
            log.info("worker ran once", extra={"deliveries": count})
            return
        stop, wake = asyncio.Event(), asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, stop.set)
        if not settings.is_sqlite:
            # New events wake the worker at once; polling stays as the safety net.
            listener = PgListener(settings.database_url, OUTBOX_CHANNEL, lambda _p: wake.set())
            listener.start()
        log.info(
            "worker %s started", dispatcher.worker_id, extra={"worker_id": dispatcher.worker_id}
        )
        await asyncio.gather(dispatcher.run(stop, wake), jobs.run(stop))
    finally:
        if listener is not None:
            await listener.close()
        await http.aclose()
        await engine.dispose()

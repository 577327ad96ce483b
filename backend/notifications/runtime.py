"""What the API process runs for notifications: the stream hub, and on SQLite the dispatcher.

On the embedded SQLite default `ttq serve` delivers notifications itself, so a newcomer needs
one command; on PostgreSQL delivery is the job of `ttq worker` processes.
"""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from fastapi import FastAPI

from backend.core.config import Settings
from backend.notifications.dispatcher import Dispatcher
from backend.notifications.hub import StreamHub
from backend.notifications.jobs import JobRunner
from backend.notifications.wiring import build_channels, make_http

log = logging.getLogger("ttq.notifications")


def dispatch_in_process(settings: Settings) -> bool:
    """Whether this API process delivers notifications itself (SQLite only)."""
    if not settings.is_sqlite:
        return False
    if settings.notify_dispatch_in_process is None:
        return settings.environment != "test"
    return settings.notify_dispatch_in_process


def get_hub(app: FastAPI) -> StreamHub:
    """The app's stream hub (made on first use when the lifespan did not run, as in tests)."""
    hub = getattr(app.state, "notification_hub", None)
    if hub is None:
        hub = app.state.notification_hub = StreamHub(app.state.settings)
    return hub


@contextlib.asynccontextmanager
async def notification_runtime(app: FastAPI) -> AsyncIterator[None]:
    """Run for the lifetime of the app: start what is needed, stop it cleanly."""
    settings: Settings = app.state.settings
    hub = get_hub(app)
    stop = asyncio.Event()
    tasks: list[asyncio.Task] = []
    http = None
    if dispatch_in_process(settings):
        http = make_http(settings)
        sessions = app.state.session_factory
        channels = build_channels(settings, sessions, http, on_stream=hub.wake)
        dispatcher = Dispatcher(sessions, channels, settings)
        jobs = JobRunner(sessions, settings)
        tasks = [
            asyncio.create_task(dispatcher.run(stop), name="ttq-dispatcher"),
            asyncio.create_task(jobs.run(stop), name="ttq-jobs"),
        ]
        log.info("in-process notification dispatcher started (SQLite)")
    try:
        yield
    finally:
        stop.set()
        if tasks:
            _done, pending = await asyncio.wait(
                tasks, timeout=settings.notify_http_timeout_seconds + 5
            )
            for task in pending:
                task.cancel()
        if http is not None:
            await http.aclose()
        await hub.close()

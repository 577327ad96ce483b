"""Browser-test fixtures: a live TTQ server on a free port and Debian's Chromium via Playwright.

Registered as a pytest plugin in tests/conftest.py. Chromium is never downloaded: the tests use
the system binary (``TTQ_BROWSER``, default /usr/bin/chromium). Without it the browser tests are
skipped, except with ``CI=true``, where a missing browser fails the run.
"""

import asyncio
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import pytest
import uvicorn

from backend.core.clock import LOCAL_TZ
from backend.core.config import Settings
from backend.main import create_app

CHROMIUM = os.environ.get("TTQ_BROWSER", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def local_ago(*, days: float = 0, hours: float = 0) -> datetime:
    """A local (UTC+7) time that long before now.

    Why: a live server reads the system clock, not the suite's injected one, so the dates a
    browser test sends follow the real date instead of a fixed day the API might one day
    refuse as too old.
    """
    return (datetime.now(LOCAL_TZ) - timedelta(days=days, hours=hours)).replace(microsecond=0)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """uvicorn serving create_app(settings) in a thread with its own event loop."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.app = create_app(settings)
        config = uvicorn.Config(
            self.app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        asyncio.run(self.server.serve())

    def start(self) -> "LiveServer":
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the live server did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture
def live_server(settings: Settings) -> Iterator[LiveServer]:
    """The app on a real port, on this test's database."""
    server = LiveServer(settings).start()
    try:
        yield server
    finally:
        server.stop()


def _chromium_or_skip() -> str:
    if os.path.exists(CHROMIUM) or shutil.which(CHROMIUM):
        return CHROMIUM
    if os.environ.get("CI") == "true":
        pytest.fail(f"Chromium not found at {CHROMIUM} (CI=true: a missing browser is a failure)")
    pytest.skip(f"Chromium not found at {CHROMIUM}; apt-get install -y chromium")


@pytest.fixture
def browser(live_server):
    """Debian's Chromium driven by Playwright, one per test.

    Playwright's sync API runs an event loop on this thread, so the browser starts after the
    database and the live server are set up; to read the database afterwards, use ``run_async``.
    """
    executable = _chromium_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def run_async(make_coro):
    """Run ``make_coro()`` on a fresh loop in another thread (Playwright holds this one's).

    Open your own engine inside (``make_engine(settings.database_url)``): the live server's
    pooled connections belong to the server's loop.
    """
    result: dict = {}

    def target() -> None:
        try:
            result["value"] = asyncio.run(make_coro())
        except BaseException as exc:  # handed back to the test's thread
            result["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in result:
        raise result["error"]
    return result.get("value")


class RequestLog:
    """Every URL a page asked for, to prove nothing left the machine's own server."""

    def __init__(self, base_url: str) -> None:
        self.base = urlsplit(base_url).netloc
        self.urls: list[str] = []

    def record(self, request) -> None:
        self.urls.append(request.url)

    def foreign(self) -> list[str]:
        """Requests to any host other than the app (data: and blob: URLs are local)."""
        return [
            u
            for u in self.urls
            if urlsplit(u).scheme in ("http", "https", "ws", "wss")
            and urlsplit(u).netloc != self.base
        ]


@pytest.fixture
def browser_context(browser, live_server):
    """A fresh context (cookies, storage) on the live server; yields (context, request log)."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    log = RequestLog(live_server.url)
    context.on("request", log.record)
    try:
        yield context, log
    finally:
        context.close()

"""Fixtures of the notification tests: a real local webhook receiver, dispatchers, a clock."""

import httpx
import pytest

from backend.core.clock import ReadingClock, installed
from backend.notifications.channels.sms import RecordingSmsProvider
from backend.notifications.dispatcher import Dispatcher
from backend.notifications.wiring import build_channels, make_http
from tests.notifications.helpers import Clock
from tests.notifications.receiver import ReceiverServer


@pytest.fixture
def settings(settings):
    """The local receiver on 127.0.0.1 is an internal host: allowed by name, as a closed
    deployment would allow its own; every other internal address stays refused."""
    return settings.model_copy(update={"notify_webhook_allowed_hosts": ["127.0.0.1"]})


@pytest.fixture
def receiver():
    with ReceiverServer() as state:
        yield state


@pytest.fixture
def clock() -> Clock:
    """A frozen clock installed as the one clock: the outbox's stamps and the dispatcher agree."""
    frozen = Clock()
    with installed(ReadingClock(frozen)):
        yield frozen


@pytest.fixture
def sms() -> RecordingSmsProvider:
    return RecordingSmsProvider()


@pytest.fixture
async def make_dispatcher(app, settings, clock, sms):
    """Build dispatchers on the test database with a frozen clock and no jitter."""
    clients: list[httpx.AsyncClient] = []

    def make(*, channels=None, worker_id: str = "test-worker", fcm_client=None, **overrides):
        s = settings.model_copy(update=overrides)
        http = make_http(s)  # the production client: connect-time address checks included
        clients.append(http)
        if channels is None:
            channels = build_channels(
                s, app.state.session_factory, http, sms_provider=sms, fcm_client=fcm_client
            )
        return Dispatcher(
            app.state.session_factory,
            channels,
            s,
            worker_id=worker_id,
            rng=lambda: 0.5,
            clock=clock,
        )

    yield make
    for http in clients:
        await http.aclose()


@pytest.fixture
def procs(tmp_path):
    """Child processes of a test; every one is killed when the test ends, pass or fail."""
    from tests.notifications.procs import Procs

    p = Procs(tmp_path)
    try:
        yield p
    finally:
        p.stop_all()

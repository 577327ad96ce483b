"""`ttq serve` on SQLite delivers by itself; off in tests and on PostgreSQL."""

import asyncio

import pytest

from backend.core.config import Settings
from backend.main import create_app
from backend.notifications.outbox import enqueue
from backend.notifications.runtime import dispatch_in_process
from backend.notifications.worker import WorkerConfigError, check_settings
from tests.conftest import IS_PG
from tests.factories import make_user
from tests.notifications.helpers import deliveries


def test_when_the_api_dispatches_itself():
    sqlite = "sqlite+aiosqlite:///./var/x.db"
    pg = "postgresql+asyncpg://u@h/db"
    assert dispatch_in_process(Settings(database_url=sqlite))
    assert not dispatch_in_process(
        Settings(database_url=sqlite, environment="test", secret_key="k" * 40)
    )
    assert dispatch_in_process(Settings(database_url=sqlite, notify_dispatch_in_process=True))
    assert not dispatch_in_process(Settings(database_url=pg, notify_dispatch_in_process=True))


def test_lease_must_outlast_a_send():
    with pytest.raises(WorkerConfigError):
        check_settings(Settings(notify_lease_seconds=5, notify_http_timeout_seconds=10))


@pytest.mark.skipif(IS_PG, reason="the in-process dispatcher is for SQLite only")
async def test_api_lifespan_runs_the_dispatcher_on_sqlite(settings, session):
    api = create_app(
        settings.model_copy(update={"notify_dispatch_in_process": True, "notify_poll_seconds": 0.1})
    )
    user = await make_user(session, role="team_member")
    event = await enqueue(
        session, event_type="notification.test", payload={}, recipient_user_ids=[user.id]
    )
    await session.commit()
    async with api.router.lifespan_context(api):
        for _ in range(200):
            found = await deliveries(session, event.id)
            await session.commit()
            if found and found[0].status == "delivered":
                break
            await asyncio.sleep(0.05)
    assert [(d.channel, d.status) for d in found] == [("stream", "delivered")]

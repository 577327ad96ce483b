"""A PostgreSQL LISTEN connection that survives restarts of the database."""

import asyncio
import contextlib
import logging
from collections.abc import Callable

import asyncpg
from sqlalchemy.engine import make_url

log = logging.getLogger("ttq.notifications")


def asyncpg_dsn(database_url: str) -> str:
    """The plain libpq URL asyncpg wants, from the SQLAlchemy one."""
    url = make_url(database_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


class PgListener:
    """LISTENs on one channel on its own connection and calls ``callback(payload)``.

    After a reconnect the callback gets ``None``: notifications may have been missed, so
    whoever waits should look at the table again.
    """

    def __init__(
        self, database_url: str, channel: str, callback: Callable[[str | None], None]
    ) -> None:
        self._dsn = asyncpg_dsn(database_url)
        self._channel = channel
        self._callback = callback
        self._task: asyncio.Task | None = None
        self.connected = asyncio.Event()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=f"listen:{self._channel}")

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None

    def _on_notify(self, _conn, _pid, _channel, payload: str) -> None:
        self._callback(payload)

    async def _run(self) -> None:
        delay = 0.5
        while True:
            conn = None
            try:
                conn = await asyncpg.connect(self._dsn)
                await conn.add_listener(self._channel, self._on_notify)
                self.connected.set()
                delay = 0.5
                self._callback(None)
                # A dead connection is only noticed on I/O: ping it now and then.
                while True:
                    await asyncio.sleep(15)
                    await conn.fetchval("SELECT 1")
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self.connected.clear()
                log.warning("LISTEN connection lost", extra={"error": str(exc)[:200]})
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)
            finally:
                if conn is not None:
                    with contextlib.suppress(Exception):
                        await asyncio.shield(conn.close(timeout=2))

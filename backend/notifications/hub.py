"""Per-process fan-in of "user X has something new", from LISTEN/NOTIFY or in-process."""

import asyncio
import uuid
from collections import defaultdict

from backend.core.config import Settings
from backend.notifications.channels.stream import STREAM_CHANNEL
from backend.notifications.pg import PgListener


class StreamHub:
    """Wakes the open streams of a user; on PostgreSQL one LISTEN connection per process."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._waiters: dict[uuid.UUID, set[asyncio.Event]] = defaultdict(set)
        self._listener: PgListener | None = None

    def subscribe(self, user_id: uuid.UUID) -> asyncio.Event:
        """An event set whenever something may have arrived for the user."""
        if self._listener is None and not self._settings.is_sqlite:
            self._listener = PgListener(self._settings.database_url, STREAM_CHANNEL, self._notify)
            self._listener.start()
        event = asyncio.Event()
        self._waiters[user_id].add(event)
        return event

    def unsubscribe(self, user_id: uuid.UUID, event: asyncio.Event) -> None:
        waiters = self._waiters.get(user_id)
        if waiters is not None:
            waiters.discard(event)
            if not waiters:
                del self._waiters[user_id]

    def wake(self, user_id: uuid.UUID | None) -> None:
        """Wake a user's streams (``None``: everyone's, e.g. after a reconnect)."""
        targets = self._waiters.values() if user_id is None else [self._waiters.get(user_id, ())]
        for events in targets:
            for event in events:
                event.set()

    def _notify(self, payload: str | None) -> None:
        if payload is None:
            self.wake(None)
            return
        try:
            self.wake(uuid.UUID(payload))
        except ValueError:
            return

    @property
    def listening(self) -> bool:
        return self._listener is not None and self._listener.connected.is_set()

    async def close(self) -> None:
        if self._listener is not None:
            await self._listener.close()
            self._listener = None

"""The live stream channel: puts the event in the user's feed and wakes their open streams."""

import uuid

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.models import utcnow
from backend.models.notification import UserNotification
from backend.notifications.channels.base import EventEnvelope
from backend.notifications.channels.util import active_user_ids

# PostgreSQL channel every API process LISTENs on; the payload is the user id. A trigger on
# user_notification (migration 0006) NOTIFYs it when the row commits.
STREAM_CHANNEL = "ttq_stream"


class StreamChannel:
    """Delivery = a row in user_notification (idempotent); PostgreSQL NOTIFYs by trigger."""

    name = "stream"

    def __init__(self, session_factory: async_sessionmaker[AsyncSession], *, on_delivered=None):
        self._sessions = session_factory
        # In-process listeners (the SQLite dispatcher inside `ttq serve`) are woken directly.
        self._on_delivered = on_delivered

    async def targets(self, session: AsyncSession, event: EventEnvelope) -> list[str]:
        return [str(u) for u in await active_user_ids(session, event.recipient_user_ids)]

    async def deliver(self, event: EventEnvelope, target: str) -> None:
        user_id = uuid.UUID(target)
        async with self._sessions() as session:
            dialect = session.bind.dialect.name
            insert = pg_insert if dialect == "postgresql" else sqlite_insert
            stmt = (
                insert(UserNotification)
                .values(user_id=user_id, event_id=event.id, created_at=utcnow())
                .on_conflict_do_nothing(index_elements=["user_id", "event_id"])
            )
            await session.execute(stmt)
            await session.commit()
        if self._on_delivered is not None:
            self._on_delivered(user_id)

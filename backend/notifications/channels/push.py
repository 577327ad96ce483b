"""Push to phones through FCM: one delivery per signed-in device that has a push token."""

import uuid

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.models import Device
from backend.notifications.channels.base import EventEnvelope, TargetGone
from backend.notifications.channels.util import active_user_ids
from backend.notifications.fcm import FcmClient
from backend.notifications.texts import push_text

# Only ids and coarse facts ride along: a push passes through Google, so no personal data;
# the app fetches the details over the API.
DATA_KEYS = frozenset({"severity", "category", "status"})


def push_data(event: EventEnvelope) -> dict[str, str]:
    """The FCM data map (strings only) for an event."""
    data = {"event_id": str(event.id), "event_type": event.type}
    for key, value in event.payload.items():
        if (key.endswith("_id") or key in DATA_KEYS) and isinstance(value, str | int):
            data[key] = str(value)
    return data


class PushChannel:
    """FCM HTTP v1; an unregistered token is cleared from its device."""

    name = "push"

    def __init__(self, session_factory: async_sessionmaker[AsyncSession], client: FcmClient):
        self._sessions = session_factory
        self._client = client

    async def targets(self, session: AsyncSession, event: EventEnvelope) -> list[str]:
        users = await active_user_ids(session, event.recipient_user_ids)
        if not users:
            return []
        rows = await session.scalars(
            select(Device.id)
            .where(
                Device.user_id.in_(users),
                Device.push_token.is_not(None),
                Device.revoked_at.is_(None),
            )
            .order_by(Device.id)
        )
        return [str(d) for d in rows.all()]

    async def deliver(self, event: EventEnvelope, target: str) -> None:
        device_id = uuid.UUID(target)
        async with self._sessions() as session:
            device = await session.get(Device, device_id)
        if device is None or device.revoked_at is not None or not device.push_token:
            raise TargetGone("device signed out or has no push token")
        title, body = push_text(event)
        message = {
            "token": device.push_token,
            "notification": {"title": title, "body": body},
            "data": push_data(event),
            "android": {"priority": "HIGH", "collapse_key": event.type[:64]},
        }
        try:
            await self._client.send(message)
        except TargetGone:
            await self._clear(device_id, device.push_token)
            raise

    async def _clear(self, device_id: uuid.UUID, token: str) -> None:
        # Only the token that failed: the phone may have registered a new one meanwhile.
        async with self._sessions() as session:
            await session.execute(
                update(Device)
                .where(Device.id == device_id, Device.push_token == token)
                .values(push_token=None)
            )
            await session.commit()

"""Which number a user is reached on per channel, and which channels they muted."""

import uuid
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.models import Device, User
from backend.models.contact import UserContact
from backend.notifications.channels import names
from backend.notifications.channels.base import TargetGone

VERIFY_EVENT = "contact.verify"


async def reach_phone(session: AsyncSession, *, user: User, channel: str) -> str:
    """The verified number of the user on this channel, else the sign-in phone."""
    phone = await session.scalar(
        select(UserContact.phone).where(
            UserContact.user_id == user.id,
            UserContact.channel == channel,
            UserContact.verified_at.is_not(None),
        )
    )
    return phone or user.phone


async def muted_users(session: AsyncSession, *, channel: str, users: Iterable[uuid.UUID]) -> set:
    """Which of these users muted this channel."""
    wanted = list(users)
    if not wanted or channel not in names.MUTABLE_CHANNELS:
        return set()
    rows = await session.scalars(
        select(UserContact.user_id).where(
            UserContact.user_id.in_(wanted),
            UserContact.channel == channel,
            UserContact.muted.is_(True),
        )
    )
    return set(rows.all())


async def drop_muted(
    session: AsyncSession, *, channel: str, targets: list[str], users: Iterable[uuid.UUID]
) -> list[str]:
    """The targets left once muting is applied (non-urgent events only)."""
    muted = await muted_users(session, channel=channel, users=users)
    if not muted:
        return targets
    if channel == names.PUSH:  # push targets are devices of users
        gone = {
            str(d)
            for d in await session.scalars(select(Device.id).where(Device.user_id.in_(muted)))
        }
    else:
        gone = {str(u) for u in muted}
    return [t for t in targets if t not in gone]


async def verification_phone(session: AsyncSession, *, event_payload: dict, user: User) -> str:
    """The number a verification code goes to: the pending one, never the verified one."""
    try:
        contact_id = uuid.UUID(str(event_payload.get("contact_id")))
    except ValueError:
        raise TargetGone("verification without a contact") from None
    row = await session.get(UserContact, contact_id)
    if row is None or row.user_id != user.id or not row.pending_phone:
        raise TargetGone("verification no longer pending")
    return row.pending_phone

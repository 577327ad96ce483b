"""Checkpoint tokens: random, unguessable, unique; rotation retires the old one."""

import secrets
import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.audit.service import record
from backend.models import BoardingHouse, RetiredCheckpoint, utcnow
from backend.policy import Subject
from backend.registry.common import touch
from backend.sync.changes import record_change

TOKEN_BYTES = 24  # 192 bits, 32 URL-safe characters: short enough for a small, robust QR


async def new_token(session: AsyncSession) -> str:
    """A fresh token used by no house, now or before (a collision is astronomically unlikely,
    but a retired token must never come back to life on another house)."""
    while True:
        token = secrets.token_urlsafe(TOKEN_BYTES)
        taken = await session.scalar(
            select(BoardingHouse.id).where(BoardingHouse.checkpoint_token == token)
        ) or await session.scalar(
            select(RetiredCheckpoint.token).where(RetiredCheckpoint.token == token)
        )
        if not taken:
            return token


async def rotate_checkpoint(
    session: AsyncSession, *, actor: Subject | None, house: BoardingHouse
) -> BoardingHouse:
    """Give a house a new token and checkpoint id; the old token is retired, not forgotten,
    so a late scan of an old sticker is recognised (and flagged) instead of lost."""
    before = {"checkpoint_id": str(house.checkpoint_id)}
    session.add(RetiredCheckpoint(token=house.checkpoint_token, house_id=house.id))
    house.checkpoint_token = await new_token(session)
    house.checkpoint_id = uuid.uuid4()
    house.checkpoint_rotated_at = utcnow()
    touch(house)
    session.add(house)
    await record_change(session, obj=house)
    await record(
        session,
        actor=actor,
        action="boarding_house.checkpoint_rotate",
        object_type="boarding_house",
        object_id=house.id,
        before=before,
        after={"checkpoint_id": str(house.checkpoint_id)},
    )
    return house


async def house_for_token(
    session: AsyncSession, *, token: str
) -> tuple[BoardingHouse | None, bool]:
    """The house a scanned token belongs to, and whether the token is a retired one."""
    house = (
        await session.scalars(select(BoardingHouse).where(BoardingHouse.checkpoint_token == token))
    ).first()
    if house is not None:
        return house, False
    house_id = await session.scalar(
        select(RetiredCheckpoint.house_id).where(RetiredCheckpoint.token == token)
    )
    if house_id is None:
        return None, False
    return await session.get(BoardingHouse, house_id), True

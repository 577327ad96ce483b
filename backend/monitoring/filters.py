"""List filters shared by awareness sessions and commendations (both belong to a team or to a
union unit, and both list newest first)."""

import uuid
from datetime import date, datetime

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.models import Team, UnionUnit
from backend.policy import under


async def in_union_subtree(
    session: AsyncSession, model, union_unit_id: uuid.UUID
) -> ColumnElement[bool]:
    """Rows held by a union unit of the subtree, or by a team of one (none if it is unknown)."""
    path = await session.scalar(select(UnionUnit.path).where(UnionUnit.id == union_unit_id))
    units = select(UnionUnit.id).where(under(UnionUnit.path, [path] if path else []))
    return or_(
        model.union_unit_id.in_(units),
        model.team_id.in_(select(Team.id).where(Team.union_unit_id.in_(units))),
    )


def newest_first_after(
    moment_column, id_column, moment: date | datetime, row_id: uuid.UUID
) -> ColumnElement[bool]:
    """Keyset condition for the page after (moment, id) in (moment desc, id desc) order."""
    return or_(moment_column < moment, and_(moment_column == moment, id_column < row_id))

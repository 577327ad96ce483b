"""INSERT … ON CONFLICT DO NOTHING on both engines, for rows keyed by a phone's UUID."""

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel


async def insert_once(session: AsyncSession, row: SQLModel) -> bool:
    """Insert a row unless its primary key exists; True when this call stored it.

    Two racing first sends of the same id both succeed as requests: one stores the row, the
    other finds it (instead of failing on the unique key and answering 500).
    """
    model = type(row)
    insert = pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
    pk = [c.name for c in model.__table__.primary_key.columns]
    stmt = insert(model).values(**row.model_dump()).on_conflict_do_nothing(index_elements=pk)
    return (await session.execute(stmt)).rowcount == 1

"""Set-based database helpers for bulk ingest, on both engines."""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import repeat
from typing import Any

from sqlalchemy import ARRAY, JSON, any_, bindparam, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


def _dialect_insert(session: AsyncSession, model):
    dialect = session.get_bind().dialect.name
    return (postgresql if dialect == "postgresql" else sqlite).insert(model)


@dataclass(frozen=True, slots=True)
class Same:
    """A column value shared by every row of a columnar insert (sent once, not 500 times)."""

    value: Any


async def insert_ignore(
    session: AsyncSession, model, rows: list[dict[str, Any]], key: str = "id"
) -> set[Any]:
    """Bulk INSERT … ON CONFLICT DO NOTHING RETURNING key, on both engines; the keys inserted.

    A row missing from the answer already existed (or a concurrent batch inserted it first):
    the caller re-reads those to say duplicate or conflict. Every row must have the same keys.
    """
    if not rows:
        return set()
    columns = {name: [row[name] for row in rows] for name in rows[0]}
    return await insert_columns_ignore(session, model, columns, len(rows), key)


async def insert_columns_ignore(
    session: AsyncSession, model, columns: dict[str, list | Same], count: int, key: str = "id"
) -> set[Any]:
    """``insert_ignore`` for rows given column by column (each a list, or ``Same(value)``)."""
    if not count:
        return set()
    assert not isinstance(columns[key], Same), "the key differs from row to row"
    # The Core table, not the ORM entity: an ORM bulk insert walks every row through the
    # unit-of-work machinery, several times slower for 500 rows.
    table = model.__table__
    if session.get_bind().dialect.name == "postgresql" and not any(
        isinstance(table.c[name].type, JSON) for name in columns
    ):
        return await _insert_copy(session, table, columns, count, key)
    rows = [
        {n: v.value if isinstance(v, Same) else v[i] for n, v in columns.items()}
        for i in range(count)
    ]
    stmt = _dialect_insert(session, table).on_conflict_do_nothing().returning(table.c[key])
    result = await session.execute(stmt, rows)
    return set(result.scalars().all())


async def _insert_copy(
    session: AsyncSession, table, columns: dict, count: int, key: str
) -> set[Any]:
    """PostgreSQL: binary COPY into a session-private staging table, then one
    ``INSERT … SELECT … ON CONFLICT DO NOTHING RETURNING`` that also empties the stage.

    COPY is the cheapest way to hand rows to PostgreSQL from Python (the driver encodes
    record by record in C); an array per column (``unnest``) costs several times more in the
    driver, which checks every array element against the collection ABCs.
    """
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    driver = raw.driver_connection  # the asyncpg connection, inside this same transaction
    stage = f"ttq_stage_{table.name}"
    # Every time (a no-op once the connection has it): created in a transaction that then
    # rolled back, the table would be gone again.
    await driver.execute(
        f"CREATE TEMP TABLE IF NOT EXISTS {stage} (LIKE {table.name}) ON COMMIT DELETE ROWS"
    )
    names = list(columns)
    records = list(
        zip(
            *(repeat(v.value, count) if isinstance(v, Same) else v for v in columns.values()),
            strict=False,
        )
    )
    await driver.copy_records_to_table(stage, records=records, columns=names)
    cols = ", ".join(names)
    rows = await driver.fetch(
        f"WITH staged AS (DELETE FROM {stage} RETURNING {cols})"
        f" INSERT INTO {table.name} ({cols}) SELECT {cols} FROM staged"
        f" ON CONFLICT DO NOTHING RETURNING {key}"
    )
    return {row[0] for row in rows}


def among(session: AsyncSession, column, values: Iterable[Any]):
    """``column IN values``; on PostgreSQL ``= ANY(array)``: one parameter, one cached plan.

    (An IN list of 500 ids is 500 bind parameters rendered in Python, and a new statement
    text, hence a new prepared statement, for every list length.)
    """
    values = list(values)
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, values, type_=ARRAY(column.type)))
    return column.in_(values)


async def lock_ids(session: AsyncSession, ids: Iterable[uuid.UUID]) -> None:
    """Serialise work on the same parents across API processes (PostgreSQL advisory locks).

    Holding a scan (its patrol is missing) and creating that patrol (then filing held scans)
    take the patrol's lock first, so one always sees the other's commit and nothing stays
    held by accident. Keys are taken in sorted order, so batches cannot deadlock. SQLite runs
    one writer at a time; a held item missed there is filed by the periodic sweep.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    keys = sorted({int.from_bytes(i.bytes[:8], "big", signed=True) for i in ids})
    if keys:
        await session.execute(
            text("SELECT pg_advisory_xact_lock(k) FROM unnest(CAST(:keys AS bigint[])) AS k"),
            {"keys": keys},
        )

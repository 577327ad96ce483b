"""Set-based database helpers for bulk ingest, on both engines."""

import uuid
from collections.abc import Iterable, Sequence
from typing import Any

import asyncpg
from sqlalchemy import ARRAY, JSON, any_, bindparam, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


def _dialect_insert(session: AsyncSession, model):
    dialect = session.get_bind().dialect.name
    return (postgresql if dialect == "postgresql" else sqlite).insert(model)


async def insert_ignore(
    session: AsyncSession, model, rows: list[dict[str, Any]], key: str = "id"
) -> set[Any]:
    """Bulk INSERT … ON CONFLICT DO NOTHING RETURNING key, on both engines; the keys inserted.

    A row missing from the answer already existed (or a concurrent batch inserted it first):
    the caller re-reads those to say duplicate or conflict. Every row must have the same keys.
    """
    if not rows:
        return set()
    names = list(rows[0])
    return await insert_rows_ignore(
        session, model, names, [tuple(row[n] for n in names) for row in rows], key
    )


async def insert_rows_ignore(
    session: AsyncSession,
    model,
    names: Sequence[str],
    rows: list[tuple],
    key: str = "id",
    *,
    fresh: bool = False,
) -> set[Any]:
    """``insert_ignore`` for rows given as tuples in the order of ``names``.

    ``fresh``: the caller has just looked the keys up and found none stored, so on PostgreSQL
    the rows are copied straight into the table (the cheapest path), falling back to the
    conflict-tolerant path only if a concurrent request stored one of them meanwhile.
    """
    if not rows:
        return set()
    # The Core table, not the ORM entity: an ORM bulk insert walks every row through the
    # unit-of-work machinery, several times slower for 500 rows.
    table = model.__table__
    at = names.index(key)
    if session.get_bind().dialect.name == "postgresql" and not any(
        isinstance(table.c[name].type, JSON) for name in names
    ):
        driver = await _driver(session)
        if fresh and await _copy_fresh(driver, table.name, names, rows):
            return {row[at] for row in rows}
        return await _insert_staged(driver, table.name, names, rows, key)
    stmt = _dialect_insert(session, table).on_conflict_do_nothing().returning(table.c[key])
    result = await session.execute(stmt, [dict(zip(names, row, strict=True)) for row in rows])
    return set(result.scalars().all())


async def _driver(session: AsyncSession):
    """The asyncpg connection under the session, inside the session's transaction."""
    connection = await session.connection()
    driver = (await connection.get_raw_connection()).driver_connection
    if not driver.is_in_transaction():
        # SQLAlchemy's adapter sends BEGIN with its first statement: without one, a savepoint
        # would fail and staged rows would be committed on their own.
        await connection.execute(text("SELECT 1"))
    return driver


async def _copy_fresh(driver, table: str, names: Sequence[str], rows: list[tuple]) -> bool:
    """Binary COPY straight into ``table`` under a savepoint; False if a key was taken."""
    await driver.execute("SAVEPOINT ttq_bulk_copy")
    try:
        await driver.copy_records_to_table(table, records=rows, columns=list(names))
    except asyncpg.UniqueViolationError:
        await driver.execute("ROLLBACK TO SAVEPOINT ttq_bulk_copy")
        return False
    await driver.execute("RELEASE SAVEPOINT ttq_bulk_copy")
    return True


async def _insert_staged(
    driver, table: str, names: Sequence[str], rows: list[tuple], key: str
) -> set[Any]:
    """PostgreSQL: binary COPY into a session-private staging table, then one
    ``INSERT … SELECT … ON CONFLICT DO NOTHING RETURNING`` that also empties the stage.

    COPY is the cheapest way to hand rows to PostgreSQL from Python (the driver encodes
    record by record in C); an array per column (``unnest``) costs several times more in the
    driver, which checks every array element against the collection ABCs.
    """
    stage = f"ttq_stage_{table}"
    # Every time (a no-op once the connection has it): created in a transaction that then
    # rolled back, the table would be gone again.
    await driver.execute(
        f"CREATE TEMP TABLE IF NOT EXISTS {stage} (LIKE {table}) ON COMMIT DELETE ROWS"
    )
    await driver.copy_records_to_table(stage, records=rows, columns=list(names))
    cols = ", ".join(names)
    found = await driver.fetch(
        f"WITH staged AS (DELETE FROM {stage} RETURNING {cols})"
        f" INSERT INTO {table} ({cols}) SELECT {cols} FROM staged"
        f" ON CONFLICT DO NOTHING RETURNING {key}"
    )
    return {row[0] for row in found}


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

"""A CSV export streamed from ``COPY (SELECT …) TO STDOUT (FORMAT csv)`` to the HTTP body.

When PostgreSQL renders every cell (export_pg.py), the rows never become Python objects:
asyncpg's ``copy_from_query`` hands over PostgreSQL's CSV as it arrives, a task feeds it to a
small queue (it waits while the queue is full, and asyncpg stops reading the socket while it
waits: memory stays flat), and the body takes it from there. PostgreSQL quotes fields as
csv.writer does (delimiter, quote, CR, LF; quotes doubled) but ends rows with LF: each LF
outside quotes becomes CRLF here. The statement's parameters are the compiled statement's
own, inlined by asyncpg (``copy_from_query(query, *args)``: PostgreSQL's quote_literal of each
value cast to its parameter's type), since COPY takes none. A body closed early (the client
hung up) cancels the task: asyncpg cancels the COPY on the server and the transaction rolls
back; that connection is then discarded, not returned to the pool.
"""

import asyncio
import csv
import io
import json
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import aclosing
from typing import Any
from weakref import WeakKeyDictionary

import anyio
from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.core.db import session_driver_connection
from backend.monitoring import export_pg
from backend.monitoring.exports import BOM, FLUSH_BYTES, Column, ExportStats

QUEUE_CHUNKS = 16  # pieces of COPY output waiting for the client, at most
# Below this many rows (PostgreSQL's estimate) the row path is cheaper: building and
# compiling the rendered statement costs ~10-20 ms of CPU, which ~1,000 rows rendered in
# Python also cost; a small export by the COPY path took 30 ms against 10 ms.
COPY_MIN_ROWS = 5_000
_END = object()


def header(columns: Sequence[Column], lang: str) -> bytes:
    """The BOM and header line, as the Python path writes them."""
    head = io.StringIO()
    csv.writer(head, lineterminator="\r\n").writerow([c.header(lang) for c in columns])
    return (BOM + head.getvalue()).encode("utf-8")


class LineEnds:
    """PostgreSQL's CSV with CRLF row ends: LF outside quoted fields becomes CRLF.

    Quotes toggle "inside a field" (a doubled quote toggles twice), across pieces too.
    """

    def __init__(self) -> None:
        self.inside = False
        self.rows = 0

    def __call__(self, data: bytes) -> bytes:
        if not self.inside and b'"' not in data:
            self.rows += data.count(b"\n")
            return data.replace(b"\n", b"\r\n")
        parts = data.split(b'"')
        start = 1 if self.inside else 0  # parts[start::2] are outside quotes
        outside = parts[start::2]
        self.rows += sum(p.count(b"\n") for p in outside)
        parts[start::2] = [p.replace(b"\n", b"\r\n") for p in outside]
        self.inside ^= len(parts) % 2 == 0  # an odd number of quotes flips the state
        return b'"'.join(parts)


# Compiled COPY statements, per dialect and statement shape (SQLAlchemy's cache key). Why: a
# rendered export statement is thousands of SQL elements (a CASE, a guard and a format per
# cell) and compiling it cost ~50 ms of CPU per export, five times a small export's whole cost
# on the Python path (bench/bench_memory.py's mix: 95 answers/s against 127). SQLAlchemy's own
# cache is not used by compile(); this one is, the way SQLAlchemy uses its: the same compiled
# form with the new statement's parameter values.
_COMPILED: "WeakKeyDictionary[Any, OrderedDict]" = WeakKeyDictionary()
COMPILED_SHAPES = 64


def _compiled(stmt: Select, dialect: Any) -> tuple[Any, Any]:
    key = stmt._generate_cache_key()
    if key is None:  # not cacheable (never for ours): compile it for this one run
        return stmt.compile(dialect=dialect), None
    shapes = _COMPILED.setdefault(dialect, OrderedDict())
    compiled = shapes.get(key.key)
    if compiled is None:
        compiled = shapes[key.key] = stmt.compile(dialect=dialect, cache_key=key)
        if len(shapes) > COMPILED_SHAPES:
            shapes.popitem(last=False)
    else:
        shapes.move_to_end(key.key)
    return compiled, key


def statement_and_arguments(stmt: Select, dialect: Any) -> tuple[str, list[Any]]:
    """The SQL text of ``stmt`` with its IN lists expanded, and its positional arguments."""
    compiled, key = _compiled(stmt, dialect)
    params = compiled.construct_params(
        extracted_parameters=key.bindparams if key is not None else None,
        _no_postcompile=True,  # expanded below, with this run's values
    )
    state = compiled._process_parameters_for_postcompile(params)
    values, binders = state.parameters, state.processors  # what SQLAlchemy itself applies
    return state.statement, [
        binders[name](values[name]) if name in binders else values[name]
        for name in state.positiontup or ()
    ]


async def copy_chunks(
    factory: async_sessionmaker[AsyncSession],
    stmt: Select,
    columns: Sequence[Column],
    lang: str,
    stats: ExportStats,
) -> AsyncIterator[bytes]:
    """The CSV file of ``stmt`` (export_pg.copy_select), BOM and header first, ~64 KiB chunks."""
    first = header(columns, lang)
    session = factory()
    task = conn = None
    try:
        conn = await session.connection()
        sql, args = statement_and_arguments(stmt, conn.dialect)
        driver = (await conn.get_raw_connection()).driver_connection
        queue: asyncio.Queue[Any] = asyncio.Queue(QUEUE_CHUNKS)

        async def copy() -> None:
            try:
                async with driver.transaction(readonly=True):
                    # The rendered cells make the plan look costly (a subquery per JSON list
                    # counted on every row): PostgreSQL would JIT-compile it with inlining
                    # and optimisation, 2-4 s before the first row and slower overall.
                    await driver.execute("SET LOCAL jit = off")
                    await driver.copy_from_query(sql, *args, output=queue.put, format="csv")
            except Exception as exc:  # handed to the body, which raises it
                await queue.put(exc)
                return
            await queue.put(_END)

        task = asyncio.create_task(copy())
        ends = LineEnds()
        parts, size = [first], len(first)
        while (data := await queue.get()) is not _END:
            if isinstance(data, Exception):
                raise data
            data = ends(data)
            parts.append(data)
            size += len(data)
            if size >= FLUSH_BYTES:
                chunk = b"".join(parts)
                parts, size = [], 0
                stats.rows, stats.bytes = ends.rows, stats.bytes + len(chunk)
                yield chunk
        chunk = b"".join(parts)
        stats.rows, stats.bytes = ends.rows, stats.bytes + len(chunk)
        yield chunk
    finally:
        # Shielded: the body is usually closed from a cancelled scope (the client left), and
        # the COPY must be over (cancelled on the server, rolled back) before the connection
        # goes back to the pool.
        with anyio.CancelScope(shield=True):
            if task is not None and not task.done():
                # the client left mid-COPY: cancelled on the server, and the connection is
                # discarded rather than trusted to the pool in whatever state asyncpg left it
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
                await conn.invalidate()
            await session.close()


async def estimated_rows(factory: async_sessionmaker[AsyncSession], stmt: Select) -> float:
    """PostgreSQL's estimate of the rows ``stmt`` returns (planned, not run: ~1 ms)."""
    async with factory() as session, session_driver_connection(session) as driver:
        sql, args = statement_and_arguments(stmt, session.get_bind().dialect)
        async with driver.transaction(readonly=True):  # one server connection behind PgBouncer
            plan = await driver.fetchval("EXPLAIN (FORMAT JSON) " + sql, *args)
    if isinstance(plan, str | bytes):  # decoded already where the engine set a JSON codec
        plan = json.loads(plan)
    return float(plan[0]["Plan"]["Plan Rows"])


async def csv_by_size(
    factory: async_sessionmaker[AsyncSession],
    stmt: Select,
    columns: Sequence[Column],
    lang: str,
    stats: ExportStats,
    rows: Callable[[], AsyncIterator[bytes]],
) -> AsyncIterator[bytes]:
    """The CSV file by COPY when PostgreSQL expects a large one and renders every cell; by
    ``rows`` (the row path) otherwise. Both write the same bytes."""
    body = None
    if await estimated_rows(factory, stmt) >= COPY_MIN_ROWS:
        copy = export_pg.copy_select(stmt, columns, lang)
        if copy is not None:
            body = copy_chunks(factory, copy, columns, lang, stats)
    async with aclosing(body or rows()) as chunks:
        async for chunk in chunks:
            yield chunk

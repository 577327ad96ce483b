"""SQLite transactions that never fail on a stale read: reads outside, writes BEGIN IMMEDIATE.

Why: Python's sqlite3 opens a *deferred* transaction before the first write and SQLAlchemy
reads inside it first. A transaction that has read holds a snapshot; if another connection
commits a write before this one writes, SQLite cannot upgrade the stale snapshot to a write and
answers "database is locked" at once (SQLITE_BUSY_SNAPSHOT), without waiting busy_timeout. Under
fifty phones that was a 500 for one request in ten.

Here the driver is left in autocommit (no implicit BEGIN): statements that only read run on
their own, each seeing the latest commit (what PostgreSQL's READ COMMITTED gives the same code),
and the first statement that writes (or opens a savepoint, or changes the schema) starts the
transaction with BEGIN IMMEDIATE, which takes the write lock first and so waits busy_timeout
for it like any writer. Commit and rollback end it as before. A request that only reads never
holds a transaction open at all, so it never blocks a checkpoint or a writer.
"""

import asyncio
import re
import sqlite3
import weakref

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.util.concurrency import await_

# How long a request waits its turn to write before answering 503 (a writer holds the lock for
# milliseconds; this is only reached when something holds it for very long).
WRITER_WAIT_SECONDS = 60.0
_HOLDS = "ttq_sqlite_writer"

_READ = re.compile(r"^\s*(SELECT|PRAGMA|EXPLAIN|VALUES)\b", re.IGNORECASE)
_WITH = re.compile(r"^\s*WITH\b", re.IGNORECASE)
_WRITE_WORD = re.compile(r"\b(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)


def _only_reads(statement: str) -> bool:
    if _READ.match(statement):
        return True
    return bool(_WITH.match(statement)) and not _WRITE_WORD.search(statement)


def _autocommit_driver(dbapi_connection, _record) -> None:
    # SQLAlchemy's documented recipe for pysqlite/aiosqlite: we say when transactions begin.
    dbapi_connection.isolation_level = None


def _in_transaction(dbapi_connection) -> bool:
    inner = getattr(dbapi_connection, "_connection", dbapi_connection)  # aiosqlite adapter
    return bool(inner.in_transaction)


class _WriterQueue:
    """One writer at a time within this process, served in arrival order.

    SQLite allows one writer; left to its busy handler, waiting writers poll with growing
    sleeps, out of order, and give up after busy_timeout, so under fifty phones the unlucky
    ones failed while the loop was busy serving the others. Queued here they wait their turn
    on the event loop instead (other processes, e.g. a CLI import, still meet busy_timeout).
    """

    def __init__(self) -> None:
        self._locks: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def lock(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        found = self._locks.get(loop)
        if found is None:
            found = self._locks[loop] = asyncio.Lock()
        return found

    def acquire(self, info: dict) -> None:
        lock = self.lock()
        try:
            await_(asyncio.wait_for(lock.acquire(), WRITER_WAIT_SECONDS))
        except TimeoutError:
            raise sqlite3.OperationalError("database is locked") from None
        info[_HOLDS] = lock

    @staticmethod
    def release(info: dict) -> None:
        lock = info.pop(_HOLDS, None)
        if lock is not None and lock.locked():
            lock.release()


def install_sqlite_transactions(engine: AsyncEngine) -> None:
    """Make every SQLite transaction of this engine begin IMMEDIATE at its first write."""
    sync = engine.sync_engine
    queue = _WriterQueue()

    def begin_before_first_write(conn, cursor, statement, _params, _context, _many) -> None:
        if _only_reads(statement) or _in_transaction(conn.connection.dbapi_connection):
            return
        info = conn.connection.info  # the pooled connection's own dict
        queue.acquire(info)
        try:
            cursor.execute("BEGIN IMMEDIATE")
        except BaseException:
            queue.release(info)
            raise

    def end(conn) -> None:
        queue.release(conn.connection.info)

    def returned(_dbapi_connection, record, *_args) -> None:
        queue.release(record.info)  # never leave the queue blocked by a dropped connection

    event.listen(sync, "connect", _autocommit_driver)
    event.listen(sync, "before_cursor_execute", begin_before_first_write)
    event.listen(sync, "commit", end)
    event.listen(sync, "rollback", end)
    event.listen(sync.pool, "checkin", returned)
    event.listen(sync.pool, "invalidate", returned)

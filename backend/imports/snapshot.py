"""Dry runs on SQLite work on a private copy of the database, never holding its write lock.

A dry run does every write a real run would (so its report is exactly the real run's) and
rolls them back. On PostgreSQL those uncommitted writes block nobody else. On SQLite the first
of them takes the database's single write lock until the rollback, so every sign-in and upload
waited and failed while a dry run of a large file ran. Here the dry run gets a consistent copy
taken with SQLite's online backup (a read: writers go on meanwhile), does its writes there, and
the copy is deleted afterwards.
"""

import asyncio
import shutil
import sqlite3
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession


def _copy(source: str, target: str) -> None:
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)  # one step: a consistent snapshot of the source as of its start
    src.close()
    dst.close()


@asynccontextmanager
async def dry_run_session(session: AsyncSession) -> AsyncIterator[AsyncSession]:
    """The session a dry run should use: ``session`` itself, or on SQLite one on a copy."""
    from backend.core.db import make_engine, make_session_factory

    url = session.get_bind().url
    database = url.database
    if url.get_backend_name() != "sqlite" or not database or database == ":memory:":
        yield session
        return
    folder = tempfile.mkdtemp(prefix="ttq-dry-run-")
    try:
        copy = str(Path(folder) / "dry-run.db")
        await asyncio.to_thread(_copy, database, copy)
        engine = make_engine(str(make_url(str(url)).set(database=copy)))
        try:
            async with make_session_factory(engine)() as private:
                yield private
        finally:
            await engine.dispose()
    finally:
        shutil.rmtree(folder, ignore_errors=True)

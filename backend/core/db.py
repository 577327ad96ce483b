"""Engines and sessions: one code path for SQLite (embedded default) and PostgreSQL."""

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import event, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session
from sqlalchemy.util import greenlet_spawn

from backend.core.config import Settings
from backend.core.errors import DomainError
from backend.core.sqlite_tx import install_sqlite_transactions


def _ensure_sqlite_dir(url: str) -> None:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL lets readers work while a writer commits; busy_timeout makes a second writer wait
    # instead of failing at once; SQLite leaves foreign keys off unless asked.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _statement_name() -> str:
    # Unique names: behind PgBouncer (transaction mode) a server connection is shared by
    # clients, and asyncpg's numbered names would collide.
    return f"__asyncpg_{uuid.uuid4().hex}__"


def make_engine(url: str, settings: Settings | None = None, **kwargs) -> AsyncEngine:
    """Create the async engine with the per-backend settings the design asks for."""
    if url.startswith("sqlite"):
        _ensure_sqlite_dir(url)
        engine = create_async_engine(url, connect_args={"timeout": 30}, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        install_sqlite_transactions(engine)  # reads outside, writes BEGIN IMMEDIATE
        return engine
    # No settings given (tests, tools): the defaults, without reading the environment.
    settings = settings or Settings.model_construct()
    if "poolclass" not in kwargs:
        kwargs.update(
            pool_size=settings.db_pool_size,
            max_overflow=settings.db_max_overflow,
            pool_timeout=settings.db_pool_timeout_seconds,
            pool_recycle=settings.db_pool_recycle_seconds,
        )
    if settings.db_statement_cache_size == 0:
        kwargs["connect_args"] = {
            **kwargs.get("connect_args", {}),
            "statement_cache_size": 0,
            "prepared_statement_cache_size": 0,
            "prepared_statement_name_func": _statement_name,
        }
    else:
        kwargs["connect_args"] = {
            **kwargs.get("connect_args", {}),
            "prepared_statement_cache_size": settings.db_statement_cache_size,
        }
    return create_async_engine(url, pool_pre_ping=settings.db_pool_pre_ping, **kwargs)


def make_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects usable after commit (answers are built after it)."""
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


# Where FastAPI keeps the exit stack it closes when the route has built its answer and before
# that answer is sent (the one ``Depends(..., scope="function")`` uses).
_FUNCTION_STACK = "fastapi_function_astack"
# Where the request's session is kept once opened, so that a dependency that opens it by a
# direct call (the caller's, backend/policy/caller.py) and the route's ``SessionDep`` share it.
_SESSION_KEY = "ttq.session"


async def get_session(request: Request) -> AsyncSession:
    """One session per request, committed once when the route has built its answer.

    Why not a ``yield`` dependency: FastAPI wraps one in a context manager, a generator and a
    shielded cancel scope, about 0.2 ms of CPU per request (in-process, bench/cpu_per_request.py:
    a route with only the session as dependency cost 0.37 ms against 0.17 without it), paid by
    every request that touches the database. Registering the end of the transaction on the
    same exit stack keeps what mattered: the commit happens before the answer is sent, so a
    failed commit can never be reported to a phone as success.
    """
    return _open_session(request, request.app.state.session_factory)


async def get_statement_session(request: Request) -> AsyncSession:
    """The request's session for a route whose writes are all one statement: each statement
    commits on its own (no BEGIN and COMMIT round trips), on PostgreSQL with prepared
    statements; elsewhere the ordinary one (``get_session``).

    Why only there: behind PgBouncer in transaction mode (statement cache 0) a statement's
    prepare and execute must share a transaction, and SQLite's writes go in several
    statements (backend/incidents/journal.py).
    """
    factory = getattr(request.app.state, "statement_session_factory", None)
    return _open_session(request, factory or request.app.state.session_factory)


def make_statement_session_factory(
    engine: AsyncEngine, settings: Settings
) -> async_sessionmaker[AsyncSession] | None:
    """Sessions whose statements commit one by one (see ``get_statement_session``), or None
    where that would be wrong."""
    if engine.dialect.name != "postgresql" or settings.db_statement_cache_size == 0:
        return None
    # The same pool: a connection is set to autocommit when checked out for such a session
    # and back when returned (a flag of the driver adapter: no round trip).
    return make_session_factory(engine.execution_options(isolation_level="AUTOCOMMIT"))


def _open_session(request: Request, factory: async_sessionmaker[AsyncSession]) -> AsyncSession:
    session = request.scope.get(_SESSION_KEY)
    if session is not None:
        return session
    stack = request.scope.get(_FUNCTION_STACK)
    if stack is None:  # a FastAPI without that stack: fail loudly rather than never commit
        raise RuntimeError("FastAPI did not provide the route's exit stack")
    session = factory()
    stack.push_async_exit(_Transaction(request, session).end)
    request.scope[_SESSION_KEY] = session
    return session


_OPENERS = (get_session, get_statement_session)


def _opener(dependant) -> Callable[[Request], Awaitable[AsyncSession]] | None:
    if dependant.call in _OPENERS:
        return dependant.call
    return next(filter(None, map(_opener, dependant.dependencies)), None)


_OPENER = "_ttq_session_opener"  # kept on the route object: computed once per route


def route_session(request: Request) -> Callable[[Request], Awaitable[AsyncSession]] | None:
    """The session dependency the matched route uses (``get_session`` or
    ``get_statement_session``), or None when it opens none.

    Lets a dependency that needs one statement before the route runs (the caller's read)
    open the route's own kind of session, or skip it where the route will open none. Unknown
    route: ``get_session`` (as if it used one).
    """
    route = request.scope.get("route")
    found = getattr(route, _OPENER, False)
    if found is False:
        dependant = getattr(route, "dependant", None)
        found = get_session if dependant is None else _opener(dependant)
        if route is not None:
            setattr(route, _OPENER, found)
    return found


class _Transaction:
    """The end of a request's transaction, given how the route ended."""

    __slots__ = ("request", "session")

    def __init__(self, request: Request, session: AsyncSession) -> None:
        self.request, self.session = request, session

    async def end(self, _type, exc, _tb) -> bool:
        session = self.session
        if exc is None and not session.in_transaction():
            return False  # never used (or committed by the route): nothing to commit or close
        try:
            if exc is None:
                try:
                    await session.commit()
                except BaseException:
                    await self._failed()
                    raise
            elif isinstance(exc, DomainError):
                await (session.commit() if exc.persist else session.rollback())
            else:
                await self._failed()
        finally:
            # Closed in a task of its own, as the session's own ``async with`` closes it (and
            # to completion even if this request is cancelled meanwhile). Closed inline in the
            # request's task, /me under 32 concurrent requests per process answered 25-30 %
            # fewer requests per second with a long tail (server-side p50 7 ms but p90 87 ms,
            # against 20 and 30 ms; measured with wrk, one process, pool 4 + 4). The likely
            # cause is the order in which the pool's waiters and the finishing request resume.
            await session.__aexit__(None, None, None)
        return False  # the route's exception, if any, goes on to the error handlers

    async def _failed(self) -> None:
        try:
            await self.session.rollback()
        finally:
            # E.g. an Idempotency-Key claim whose answer was never committed: freed now.
            for hook in getattr(self.request.state, "on_failure", ()):
                await hook()


SessionDep = Annotated[AsyncSession, Depends(get_session)]
StatementSessionDep = Annotated[AsyncSession, Depends(get_statement_session)]


async def driver_connection(conn: AsyncConnection) -> Any:
    """The driver's own connection (asyncpg's) under a checked-out SQLAlchemy connection.

    Why not ``get_raw_connection()``: it reads the same attribute through a greenlet hop
    (~17 µs in-process), paid by every authenticated request (backend/policy/caller.py). Only
    when the connection would have to be re-established (invalidated) is the awaitable path
    taken, which does that I/O properly.
    """
    try:
        return conn.sync_connection.connection.driver_connection
    except Exception:  # e.g. MissingGreenlet: let the async path do the I/O
        return (await conn.get_raw_connection()).driver_connection


# A connection lost under a statement: not to be handed to the next request.
_LOST = (OSError, ConnectionError)


def _lost(exc: Exception, driver: Any) -> bool:
    return isinstance(exc, _LOST) or driver.is_closed()


def _reported_lost(exc: Exception) -> sa_exc.OperationalError:
    # As SQLAlchemy reports a lost connection: the error handlers answer 503, not 500.
    return sa_exc.OperationalError(None, None, exc, connection_invalidated=True)


@asynccontextmanager
async def session_driver_connection(session: AsyncSession) -> AsyncIterator[Any]:
    """The driver connection (asyncpg's) under the session's own, for a raw statement.

    A raw statement goes around SQLAlchemy, which therefore never learns that the connection
    died under it: a connection the server had closed while it sat idle in the pool (a restart,
    a failover, a proxy's idle timeout) answered 500 to every request that drew it, for as long
    as the pool kept it. Here it is invalidated (the pool opens a new one) and the request
    answers 503 with Retry-After.
    """
    conn = await session.connection()
    driver = await driver_connection(conn)
    try:
        yield driver
    except Exception as exc:
        if not _lost(exc, driver):
            raise
        await conn.invalidate(exc)
        raise _reported_lost(exc) from exc


@asynccontextmanager
async def pooled_driver_connection(engine: AsyncEngine) -> AsyncIterator[Any]:
    """A driver connection (asyncpg's) borrowed from the engine's pool for one short read.

    Why not a session or ``engine.connect()``: the caller's read (backend/policy/caller.py) is
    the only statement of a cheap authenticated GET, and a session around it cost more than
    the read (in-process, bench/cpu_per_request.py: a route that only opens a session and its
    connection, 0.36 ms against 0.11 without; the pool's own checkout and return, ~30 µs).
    The pool works as for a session (waits up to its timeout, opens, recycles, pings); its
    failures are reported as SQLAlchemy's, so they answer 503 as anywhere else, and a
    connection found dead is invalidated, as in ``session_driver_connection``.
    """
    dialect = engine.dialect
    try:
        fairy = await greenlet_spawn(engine.sync_engine.raw_connection)
    except dialect.loaded_dbapi.Error as err:
        raise sa_exc.DBAPIError.instance(
            None, None, err, dialect.loaded_dbapi.Error, dialect=dialect
        ) from err
    try:
        yield fairy.driver_connection
    except Exception as exc:
        if not _lost(exc, fairy.driver_connection):
            await greenlet_spawn(fairy.close)
            raise
        await greenlet_spawn(fairy.invalidate, exc)  # closed, not returned to the pool
        raise _reported_lost(exc) from exc
    except BaseException:  # cancelled mid-statement (the client hung up): state unknown
        await greenlet_spawn(fairy.invalidate)
        raise
    # Back to the pool (closed if the pool is full: I/O, hence the greenlet). Its reset is a
    # no-op: no transaction was begun on it.
    await greenlet_spawn(fairy.close)


_PLAN_PER_VALUES = "plan_per_values"
_SET_PLAN_PER_VALUES = "SET LOCAL plan_cache_mode = force_custom_plan"


async def plan_for_parameters(session: AsyncSession) -> None:
    """Make PostgreSQL plan this session's statements for their actual parameters.

    Why: asyncpg prepares every statement, and after five runs PostgreSQL may switch to one
    generic plan for all parameter values. For a dashboard's period and scope ranges that plan
    was up to five times slower (a week series of the city: 157 ms instead of 29); planning
    each run costs about a millisecond. The setting is local to a transaction (nothing leaks
    to the pooled connection's next user), so it is set again in every later transaction of
    the session (``_plan_again``): a desk request that commits and reads on keeps it. No-op on
    SQLite, and for a session whose statements commit one by one (``get_statement_session``):
    it has no transaction to set it in.
    """
    bind = session.get_bind()
    if bind.dialect.name != "postgresql":
        return
    if (session.bind or bind).get_execution_options().get("isolation_level") == "AUTOCOMMIT":
        return
    if session.info.get(_PLAN_PER_VALUES):
        return
    if session.in_transaction():
        await session.execute(text(_SET_PLAN_PER_VALUES))
    # Set after that statement (which may have begun the transaction): one SET per transaction.
    session.info[_PLAN_PER_VALUES] = True


# Once for every session (as the journal's listener): a flag in the session's info says which.
@event.listens_for(Session, "after_begin")
def _plan_again(session: Session, _transaction, connection) -> None:
    if session.info.get(_PLAN_PER_VALUES):
        connection.exec_driver_sql(_SET_PLAN_PER_VALUES)

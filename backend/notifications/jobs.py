"""Periodic jobs of other domains (missed patrols, escalation deadlines), run by the worker.

Jobs are named "module:function" in settings and looked up by import when the worker starts,
so a domain that does not exist yet is skipped (and logged) instead of breaking the worker.
A job function may take any of ``session`` (committed after it returns), ``now`` and
``settings``. A lease row per job makes several workers run each job once per interval.
"""

import asyncio
import contextlib
import importlib
import inspect
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.core.config import Settings
from backend.models import utcnow
from backend.models.notification import ScheduledJob

log = logging.getLogger("ttq.jobs")


def resolve(spec: str) -> Callable[..., Any] | None:
    """The function a "module:function" spec names, or None if the module or it is absent."""
    module_name, _, attr = spec.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        # Only "this module does not exist" is a skip; a broken import inside it is a bug.
        if exc.name and module_name.startswith(exc.name):
            return None
        raise
    fn = getattr(module, attr, None)
    return fn if callable(fn) else None


async def call_job(
    fn: Callable[..., Any], session: AsyncSession, *, now: datetime, settings: Settings
) -> Any:
    """Call a job with the arguments it asks for, by name."""
    params = inspect.signature(fn).parameters
    offered = {"session": session, "now": now, "settings": settings}
    kwargs = {name: value for name, value in offered.items() if name in params}
    result = fn(**kwargs)
    if inspect.isawaitable(result):
        result = await result
    return result


def did_something(result: Any) -> bool:
    """Whether a job's result reports work done (a non-zero count anywhere in it)."""
    if result is None or isinstance(result, bool):
        return bool(result)
    if isinstance(result, int | float):
        return result != 0
    if isinstance(result, dict):
        return any(did_something(v) for v in result.values())
    if isinstance(result, list | tuple | set):
        return any(did_something(v) for v in result) if result else False
    if hasattr(result, "__dict__"):  # a stats dataclass such as the rollup refresh's
        return any(did_something(v) for v in vars(result).values())
    return bool(result)


class JobRunner:
    """Runs each resolved job every ``notify_jobs_interval_seconds``."""

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        settings: Settings,
        *,
        specs: list[str] | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.sessions = session_factory
        self.settings = settings
        self.clock = clock
        self.interval = settings.notify_jobs_interval_seconds
        self.jobs: dict[str, Callable[..., Any]] = {}
        for spec in settings.notify_jobs if specs is None else specs:
            try:
                fn = resolve(spec)
            except Exception:  # a broken domain module must not stop notifications
                log.exception("scheduled job skipped, import failed: %s", spec, extra={"job": spec})
                continue
            if fn is None:
                log.info("scheduled job skipped, not found: %s", spec, extra={"job": spec})
            else:
                self.jobs[spec] = fn
                log.debug(
                    "scheduled job %s every %ss",
                    spec,
                    self.interval,
                    extra={"job": spec, "every_s": self.interval},
                )
        if self.jobs:  # one line at start-up, not one per job
            log.info(
                "%d scheduled jobs every %ss",
                len(self.jobs),
                self.interval,
                extra={"jobs": sorted(self.jobs), "every_s": self.interval},
            )

    async def _claim(self, name: str, now: datetime) -> bool:
        lease = max(120.0, self.interval * 2)
        async with self.sessions() as session:
            dialect = session.bind.dialect.name
            insert = pg_insert if dialect == "postgresql" else sqlite_insert
            # The write comes first so that SQLite takes its write lock at once.
            await session.execute(
                insert(ScheduledJob)
                .values(name=name)
                .on_conflict_do_nothing(index_elements=["name"])
            )
            result = await session.execute(
                update(ScheduledJob)
                .where(
                    ScheduledJob.name == name,
                    or_(ScheduledJob.locked_until.is_(None), ScheduledJob.locked_until <= now),
                    or_(
                        ScheduledJob.last_started_at.is_(None),
                        ScheduledJob.last_started_at
                        <= now - timedelta(seconds=self.interval * 0.95),
                    ),
                )
                .values(locked_until=now + timedelta(seconds=lease), last_started_at=now)
            )
            await session.commit()
            return result.rowcount == 1

    async def _finish(self, name: str, error: str | None) -> None:
        async with self.sessions() as session:
            await session.execute(
                update(ScheduledJob)
                .where(ScheduledJob.name == name)
                .values(
                    locked_until=None,
                    last_finished_at=self.clock(),
                    last_status="error" if error else "ok",
                    last_error=error[:2000] if error else None,
                )
            )
            await session.commit()

    async def run_due(self) -> list[str]:
        """Run every job whose interval has passed and that no other worker holds."""
        ran = []
        for name, fn in self.jobs.items():
            now = self.clock()
            if not await self._claim(name, now):
                continue
            error = None
            try:
                async with self.sessions() as session:
                    result = await call_job(fn, session, now=now, settings=self.settings)
                    await session.commit()
                # Quiet at INFO unless the run changed something: six idle lines a minute
                # would bury the lines that matter.
                log.log(
                    logging.INFO if did_something(result) else logging.DEBUG,
                    "scheduled job ran: %s -> %s",
                    name,
                    repr(result)[:200],
                    extra={"job": name},
                )
            except Exception as exc:
                error = f"{type(exc).__name__}: {exc}"
                log.exception("scheduled job failed: %s", name, extra={"job": name})
            await self._finish(name, error)
            ran.append(name)
        return ran

    async def run(self, stop: asyncio.Event) -> None:
        """Check for due jobs until ``stop`` is set."""
        if not self.jobs:
            return
        tick = min(self.interval, 5.0)
        while not stop.is_set():
            try:
                await self.run_due()
            except Exception:
                log.exception("scheduled jobs cycle failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=tick)

"""A real `ttq import` on SQLite: checked on a private copy first, then written in small batches.

SQLite has one write lock. A real import in one transaction held it from its first row to its
last, so every sign-in (which writes: failed-attempt counts, devices, refresh tokens) and every
upload waited and failed while a large file went in. Here the file is first run exactly like a
dry run, on a private copy (imports/snapshot.py), so a file with any problem still writes
nothing; then the rows are written ``BATCH_ROWS`` at a time, each batch its own short
transaction, and the lock is free between batches. What this gives up is atomicity against a
concurrent change: should a batch still fail (someone edited a house between the check and
the write), that batch is undone, the batches before it stay, the run stops with the report,
and running the same file again finishes it (imports update by code, so nothing is doubled).
PostgreSQL keeps the single transaction: row locks there block no sign-in.
"""

from collections import Counter
from collections.abc import Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from backend.core.errors import DomainError, Invalid
from backend.imports.engine import (
    Handler,
    Progress,
    Report,
    problems_of,
    read_rows,
    record_import,
    run_import,
)
from backend.imports.kinds import handler_for
from backend.imports.schemas import ImportKind
from backend.imports.snapshot import dry_run_session
from backend.policy import Subject

BATCH_ROWS = 200


async def import_for_real(
    session: AsyncSession,
    *,
    actor: Subject | None,
    kind: ImportKind | str,
    data: bytes,
    file_name: str | None = None,
    progress: Progress | None = None,
) -> Report:
    """A real run, committed, as the database wants it (``ttq import`` and the console's run):
    on SQLite checked on a copy and written in batches (below), on PostgreSQL one transaction."""
    if session.get_bind().dialect.name == "sqlite":
        return await import_in_batches(
            session,
            actor=actor,
            make_handler=lambda: handler_for(kind),
            data=data,
            file_name=file_name,
            progress=progress,
        )
    report = await run_import(
        session,
        actor=actor,
        handler=handler_for(kind),
        data=data,
        file_name=file_name,
        dry_run=False,
        progress=progress,
    )
    await session.commit()
    return report


async def import_in_batches(
    session: AsyncSession,
    *,
    actor: Subject | None,
    make_handler: Callable[[], Handler],
    data: bytes,
    file_name: str | None = None,
    progress: Progress | None = None,
) -> Report:
    """Check the whole file on a copy, then write it in committed batches of ``BATCH_ROWS``."""
    async with dry_run_session(session) as private:
        checked = await run_import(
            private,
            actor=actor,
            handler=make_handler(),
            data=data,
            file_name=file_name,
            dry_run=True,
            progress=progress,
        )
    if not checked.ok:
        checked.dry_run = False
        raise Invalid(code="import_failed", **checked.as_dict())

    handler = make_handler()
    locate, rows, report = read_rows(actor=actor, handler=handler, data=data, dry_run=False)
    await handler.prepare(session, actor, rows)
    await session.commit()  # preparing only read: nothing held while the first batch starts
    counts: Counter[str] = Counter()
    for start in range(0, len(rows), BATCH_ROWS):
        batch = rows[start : start + BATCH_ROWS]
        done = Counter()
        for row in batch:
            try:
                async with session.begin_nested():
                    done[await handler.apply(session, actor, row)] += 1
            except DomainError as exc:
                row.problems += problems_of(exc)
        if any(row.problems for row in batch):
            await session.rollback()
            _fail(report, counts, locate, rows, written=start)
        await session.commit()
        counts += done
        if progress is not None:
            progress(start + len(batch), len(rows))
    report.created, report.updated = counts["created"], counts["updated"]
    report.unchanged = counts["unchanged"]
    await record_import(session, actor=actor, report=report, data=data, file_name=file_name)
    await session.commit()
    return report


def _fail(report: Report, counts: Counter, locate, rows, *, written: int) -> None:
    errors: list[dict[str, Any]] = [locate(r, p) for r in rows for p in r.problems]
    report.created, report.updated = counts["created"], counts["updated"]
    report.unchanged = counts["unchanged"]
    report.errors, report.errors_total = errors, len(errors)
    raise Invalid(code="import_failed", rows_written=written, **report.as_dict())

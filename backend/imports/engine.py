"""The import run: read, check every row, write through the registry services, all or nothing.

One code path for dry runs and real runs: both do every write inside a savepoint (one more per
row, so a failed row is undone and the next rows still get checked against the database), and
a dry run, or a run with any problem, rolls the whole savepoint back. What a dry run reports is
therefore exactly what the real run would do.
"""

import hashlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from sqlalchemy.ext.asyncio import AsyncSession

from backend.audit.service import record
from backend.core.errors import DomainError, Invalid
from backend.core.messages import title_for
from backend.imports.columns import Column, column_letter, match_headers
from backend.imports.reader import MAX_BYTES, MAX_ROWS, read_sheet
from backend.policy import Subject, authorize
from backend.registry.validation import Problems

MAX_REPORTED_ERRORS = 5_000  # beyond this the report says how many more there were

Progress = Callable[[int, int], None]


@dataclass
class Row:
    """One data row: its cells by column field, the cleaned values, and its problems."""

    number: int
    raw: dict[str, Any]
    values: dict[str, Any] = field(default_factory=dict)
    problems: list[dict[str, Any]] = field(default_factory=list)

    def add(self, field_name: str, code: str, detail: str | None = None) -> None:
        p = Problems()
        p.add(field_name, code, detail)
        self.problems += p.items


class Handler:
    """What one import kind (sites, houses, teams, members) knows; one instance per run."""

    kind: ClassVar[str]
    permission: ClassVar[str]  # the single-object write permission this import stands for
    columns: ClassVar[tuple[Column, ...]]
    key_field: ClassVar[str] = "code"  # the column blamed for a duplicate within the file
    # Fields named in the services' errors -> the import column that holds them.
    field_columns: ClassVar[dict[str, str]] = {}

    def clean(self, p: Problems, raw: dict[str, Any]) -> dict[str, Any]:
        """Check and convert the cells of a row without the database (problems go to ``p``)."""
        raise NotImplementedError

    def key(self, values: dict[str, Any]) -> Any:
        """What identifies the row's object within the file (duplicates are errors)."""
        return values.get("code")

    async def prepare(self, session: AsyncSession, actor: Subject | None, rows: list[Row]) -> None:
        """Resolve codes and load the existing objects for every row at once."""

    async def apply(self, session: AsyncSession, actor: Subject | None, row: Row) -> str:
        """Create or update the row's object: ``created``, ``updated`` or ``unchanged``."""
        raise NotImplementedError


@dataclass
class Report:
    kind: str
    file_format: str
    dry_run: bool
    rows: int
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    errors_total: int = 0
    warnings: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.errors_total == 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "file_format": self.file_format,
            "dry_run": self.dry_run,
            "ok": self.ok,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "errors_total": self.errors_total,
            "errors": self.errors,
            "warnings": self.warnings,
        }


def problems_of(exc: DomainError) -> list[dict[str, Any]]:
    """The per-field problems a service raised (or one for the row when it named no field)."""
    errors = exc.extra.get("errors")
    if isinstance(errors, list) and errors:
        return [
            {
                "field": e.get("field"),
                "code": e.get("code") or exc.code,
                "message": e.get("message") or title_for(e.get("code") or exc.code, "vi"),
            }
            for e in errors
        ]
    message = title_for(exc.code, "vi") + (f": {exc.detail}" if exc.detail else "")
    return [{"field": None, "code": exc.code, "message": message}]


class _Locator:
    """Turns a problem's field into the column (letter and header) the user sees."""

    def __init__(self, handler: Handler, headers: list[Any], positions: dict[str, int]):
        self.handler, self.headers, self.positions = handler, headers, positions

    def __call__(self, row: Row, problem: dict[str, Any]) -> dict[str, Any]:
        name = problem.get("field")
        name = self.handler.field_columns.get(name, name)
        index = self.positions.get(name) if name else None
        value = row.raw.get(name) if name else None
        return {
            "row": row.number,
            "column": column_letter(index) if index is not None else None,
            "header": str(self.headers[index]) if index is not None else None,
            "field": name,
            "code": problem["code"],
            "message": problem["message"],
            "value": None if value is None else str(value)[:200],
        }


def _with_titles(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**i, "message": title_for(i["code"], "vi"), "value": None} for i in items]


async def run_import(
    session: AsyncSession,
    *,
    actor: Subject | None,
    handler: Handler,
    data: bytes,
    file_name: str | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
    max_bytes: int = MAX_BYTES,
    max_rows: int = MAX_ROWS,
) -> Report:
    """Import a file of one kind as ``actor`` (None: the system). A real run with any problem
    raises a 422 ``import_failed`` carrying the full report and writes nothing."""
    locate, rows, report = read_rows(
        actor=actor,
        handler=handler,
        data=data,
        dry_run=dry_run,
        max_bytes=max_bytes,
        max_rows=max_rows,
    )
    outer = await session.begin_nested()
    try:
        await handler.prepare(session, actor, rows)
        counts: Counter[str] = Counter()
        for done, row in enumerate(rows, start=1):
            if not row.problems:
                try:
                    async with session.begin_nested():
                        counts[await handler.apply(session, actor, row)] += 1
                except DomainError as exc:
                    row.problems += problems_of(exc)
            if progress is not None:
                progress(done, len(rows))
        errors = [locate(row, problem) for row in rows for problem in row.problems]
        report.created, report.updated = counts["created"], counts["updated"]
        report.unchanged = counts["unchanged"]
        report.errors, report.errors_total = errors[:MAX_REPORTED_ERRORS], len(errors)
        if errors or dry_run:
            await outer.rollback()
        else:
            await record_import(session, actor=actor, report=report, data=data, file_name=file_name)
            await outer.commit()
    except BaseException:
        if outer.is_active:
            await outer.rollback()
        raise
    if errors and not dry_run:
        raise Invalid(code="import_failed", **report.as_dict())
    return report


def read_rows(*, actor, handler, data, dry_run, max_bytes=MAX_BYTES, max_rows=MAX_ROWS):
    """Check permissions, read the sheet and clean every row without the database.

    Returns (the locator of problems, the rows, a report with no counts yet)."""
    if actor is not None:
        authorize(actor, "registry.import")
        authorize(actor, handler.permission)
    sheet = read_sheet(data, max_bytes=max_bytes, max_rows=max_rows)
    positions, header_errors, warnings = match_headers(handler.columns, sheet.headers)
    if header_errors:
        code = header_errors[0]["code"] if len(header_errors) == 1 else "invalid_header"
        raise Invalid(code=code, errors=_with_titles(header_errors))
    rows = []
    for number, cells in sheet.rows:
        raw = {f: cells[i] if i < len(cells) else None for f, i in positions.items()}
        row = Row(number=number, raw=raw)
        p = Problems()
        row.values = handler.clean(p, raw)
        row.problems += p.items
        rows.append(row)
    _flag_duplicates(handler, rows)
    report = Report(
        kind=handler.kind,
        file_format=sheet.format,
        dry_run=dry_run,
        rows=len(rows),
        warnings=_with_titles(warnings),
    )
    return _Locator(handler, sheet.headers, positions), rows, report


async def record_import(session, *, actor, report: Report, data: bytes, file_name) -> None:
    """The audit event of a committed import."""
    await record(
        session,
        actor=actor,
        action="registry.import",
        object_type="import",
        detail={
            "kind": report.kind,
            "file_name": file_name,
            "file_format": report.file_format,
            "sha256": hashlib.sha256(data).hexdigest(),
            "rows": report.rows,
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
        },
    )


def _flag_duplicates(handler: Handler, rows: list[Row]) -> None:
    first: dict[Any, int] = {}
    for row in rows:
        key = handler.key(row.values)
        if key is None:
            continue
        if key in first:
            row.add(handler.key_field, "duplicate_in_file", f"dòng {first[key]}")
        else:
            first[key] = row.number

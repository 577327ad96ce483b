"""A route helper that turns any scoped list query into an audited CSV/XLSX export.

Usage (in any router)::

    add_export_route(
        router, path="/export", name="teams-export", model=Team, object_type="team",
        filename="to-tu-quan", columns=TEAM_COLUMNS, query=teams_export_query,
    )

``query`` is a FastAPI dependency returning a ``Select`` of labelled columns (or of one entity);
the helper adds the caller's scope from the policy layer on top, whatever the query did.
"""

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import aclosing
from functools import partial
from typing import Annotated, Any, Literal

import anyio
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse
from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.audit.service import record
from backend.core import clock
from backend.core.db import SessionDep
from backend.core.messages import pick_language
from backend.monitoring import export_sql
from backend.monitoring.export_copy import csv_by_size
from backend.monitoring.exports import (
    CSV_MEDIA_TYPE,
    LOCAL_TZ,
    XLSX_MEDIA_TYPE,
    Column,
    ExportStats,
    csv_chunks,
    log,
    stream_rows,
    xlsx_chunks,
)
from backend.policy import Subject, authorize, scoped
from backend.policy.deps import CurrentSubject

ExportFormat = Literal["csv", "xlsx"]
# The columns, or a function of the session and the caller (what the caller may see decides some).
ColumnsSource = Sequence[Column] | Callable[[AsyncSession, Subject], Awaitable[Sequence[Column]]]

EXPORT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The file: CSV (UTF-8 with BOM) or XLSX; headers in the request's language",
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            XLSX_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}},
        },
    }
}


async def _record_outcome(
    factory: async_sessionmaker[AsyncSession],
    stats: ExportStats,
    *,
    actor: Subject,
    object_type: str,
    export_event_id: int | None,
) -> None:
    # The request's transaction is long gone: the outcome is its own short transaction.
    outcome = "completed" if stats.completed else "aborted"
    async with factory() as session:
        await record(
            session,
            actor=actor,
            action=f"{object_type}.export.{outcome}",
            object_type=object_type,
            detail={
                "export_event_id": export_event_id,
                "row_count": stats.rows,
                "bytes": stats.bytes,
                "error": stats.error,
                **stats.extra,
            },
        )
        await session.commit()


async def _finish(
    body: AsyncIterator[bytes],
    stats: ExportStats,
    on_done: Callable[[ExportStats], Awaitable[None]] | None,
) -> AsyncIterator[bytes]:
    try:
        async with aclosing(body) as chunks:
            async for chunk in chunks:
                yield chunk
        stats.completed = True
    except Exception as exc:
        stats.error = type(exc).__name__
        log.exception("export failed after %s rows", stats.rows)
        raise
    finally:
        if on_done is not None:
            # A client that hangs up cancels the body; the audit of what was sent still runs.
            with anyio.CancelScope(shield=True):
                try:
                    await on_done(stats)
                except Exception:
                    log.exception("could not record the outcome of an export")


class ExportResponse(StreamingResponse):
    """A streaming answer that always closes its body, even when the client hangs up.

    Starlette leaves an abandoned body iterator to the garbage collector; closing it here
    returns the export's database connection, deletes its temporary file and records the
    aborted export at once.
    """

    async def __call__(self, scope, receive, send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            with anyio.CancelScope(shield=True):
                await self.body_iterator.aclose()  # type: ignore[attr-defined]


def export_response(
    *,
    factory: async_sessionmaker[AsyncSession],
    stmt: Select,
    columns: Sequence[Column],
    fmt: ExportFormat,
    lang: str,
    filename: str,
    sheet_name: str = "Dữ liệu",
    on_done: Callable[[ExportStats], Awaitable[None]] | None = None,
) -> ExportResponse:
    """A streaming answer of the rows of ``stmt`` (already scoped) as CSV or XLSX."""
    stats = ExportStats()
    dialect = factory.kw["bind"].dialect.name
    rendered, rendered_columns = export_sql.prepare(
        stmt, columns, dialect=dialect, fmt=fmt, lang=lang
    )

    def rows() -> AsyncIterator[bytes]:
        batches = stream_rows(factory, rendered)
        if fmt == "xlsx":
            return xlsx_chunks(batches, rendered_columns, lang, stats, sheet_name=sheet_name)
        return csv_chunks(batches, rendered_columns, lang, stats)

    media_type = XLSX_MEDIA_TYPE if fmt == "xlsx" else CSV_MEDIA_TYPE
    if (dialect, fmt) == ("postgresql", "csv"):
        # a large CSV whose every cell PostgreSQL renders goes by COPY straight to the body
        body = csv_by_size(factory, stmt, columns, lang, stats, rows)
    else:
        body = rows()
    stamp = clock.now().astimezone(LOCAL_TZ).strftime("%Y%m%d-%H%M")
    headers = {
        "Content-Disposition": f'attachment; filename="{filename}-{stamp}.{fmt}"',
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
    }
    return ExportResponse(_finish(body, stats, on_done), media_type=media_type, headers=headers)


def _filters(request: Request) -> dict[str, Any]:
    seen: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        if key != "format":
            seen.setdefault(key, []).append(value)
    return {k: v[0] if len(v) == 1 else v for k, v in seen.items()}


def add_export_route(
    router: APIRouter,
    *,
    path: str,
    name: str,
    model: type,
    object_type: str,
    filename: str,
    columns: ColumnsSource,
    query: Callable[..., Any],
    permission: str = "monitoring.export",
    sheet_name: str = "Dữ liệu",
    summary: str | None = None,
) -> None:
    """Add ``GET path`` streaming the scoped rows of ``query`` as CSV or XLSX, audited."""

    async def export(
        request: Request,
        session: SessionDep,
        subject: CurrentSubject,
        stmt: Annotated[Select, Depends(query)],
        fmt: Annotated[
            ExportFormat, Query(alias="format", description="csv (UTF-8 with BOM) or xlsx")
        ] = "csv",
    ) -> ExportResponse:
        authorize(subject, permission)
        stmt = scoped(stmt, subject, model)  # whatever the query did, scope is the policy's
        cols = await columns(session, subject) if callable(columns) else columns
        lang = pick_language(request.headers.get("accept-language"))
        # Written up front, in the request's transaction: the body runs after it committed.
        event = await record(
            session,
            actor=subject,
            action=f"{object_type}.export",
            object_type=object_type,
            detail={"format": fmt, "lang": lang, "filters": _filters(request)},
        )
        await session.flush()
        factory = request.app.state.session_factory
        return export_response(
            factory=factory,
            stmt=stmt,
            columns=cols,
            fmt=fmt,
            lang=lang,
            filename=filename,
            sheet_name=sheet_name,
            on_done=partial(
                _record_outcome,
                factory,
                actor=subject,
                object_type=object_type,
                export_event_id=event.id,
            ),
        )

    export.__doc__ = (summary or f"Export the {object_type} list") + (
        " as CSV (UTF-8 with BOM) or XLSX; same filters and scope as the list; Vietnamese headers"
        " unless Accept-Language prefers English; times in Asia/Ho_Chi_Minh; audited."
    )
    router.add_api_route(
        path,
        export,
        methods=["GET"],
        name=name,
        response_class=ExportResponse,
        responses=EXPORT_RESPONSES,
        summary=summary,
    )

"""The dashboard's tables for a union subtree (team ranking, patrol coverage against incidents,
houses not patrolled, reporting completeness), as a page or as the API's CSV/XLSX files."""

from typing import Literal

from fastapi import APIRouter, Request

from backend.console.union_scope import pick
from backend.console.web import ConsoleRoute, CurrentConsole, render
from backend.core.db import SessionDep
from backend.dashboards import exports, tables
from backend.policy import authorize

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
Table = Literal["teams", "coverage", "uncovered", "completeness"]
LIMIT = 500  # rows on the page (the page says when there are more)
FILE_LIMIT = 10_000  # rows in a file: a city's houses not patrolled can be thousands


async def _rows(session, subject, scope, period, table: str, limit: int) -> list[dict]:
    if table == "teams":
        return await tables.team_ranking(
            session, subject=subject, scope=scope, period=period, limit=limit
        )
    if table == "coverage":
        return await tables.coverage_against_incidents(
            session, subject=subject, scope=scope, period=period, limit=limit
        )
    if table == "uncovered":
        return await tables.uncovered_houses(
            session, subject=subject, scope=scope, period=period, limit=limit
        )
    result = await tables.completeness(
        session, subject=subject, scope=scope, period=period, threshold=0.8
    )
    return result["laggards"]


def _cell(value, lang: str):
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return value


@router.get("/dashboard/tables/{table}", name="console-dashboard-table")
async def table_page(
    request: Request,
    session: SessionDep,
    console: CurrentConsole,
    table: Table,
    format: Literal["html", "csv", "xlsx"] = "html",
):
    """One table of a union subtree for the picked period (by default this month and the two
    before), its first ``LIMIT`` rows; the files hold up to ``FILE_LIMIT`` and are audited as in
    the API."""
    authorize(console.subject, "dashboard.read")
    pk = await pick(request, session, console)
    scope, period = pk.scope, pk.period
    limit = LIMIT + 1 if format == "html" else FILE_LIMIT
    rows = await _rows(session, console.subject, scope, period, table, limit)
    columns, filename = exports.TABLES[table]
    lang = request.cookies.get("ttq_lang", "vi")
    if format != "html":
        return await exports.table_export(
            session,
            subject=console.subject,
            rows=rows,
            columns=columns,
            fmt=format,
            lang=lang,
            filename=filename,
            object_type=f"dashboard_{table}",
            detail={
                "scope": f"union:{scope.id}",
                "from": str(period.first),
                "to": str(period.last),
            },
        )
    more = len(rows) > LIMIT
    rows = rows[:LIMIT]
    ctx = {
        "more": more,
        "file_limit": FILE_LIMIT,
        "table": table,
        "scope": scope,
        "pk": pk,
        "headers": [c.header(lang) for c in columns],
        "rows": [[_cell(r.get(c.key), lang) for c in columns] for r in rows],
        "unit": scope.id,
    }
    return render(request, "union/table.html", ctx)

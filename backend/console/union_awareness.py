"""Awareness sessions (tuyên truyền) of a union subtree for the picked period, with topic and
diacritic-free search; as pages of ``LIMIT`` (the figures count the whole period) or as the
API's CSV/XLSX columns."""

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from sqlalchemy import func, select

from backend.console import union_scope
from backend.console.paging import newest_first
from backend.console.union_exports import list_file
from backend.console.web import ConsoleRoute, CurrentConsole, render
from backend.core.db import SessionDep
from backend.models import Team, UnionUnit
from backend.models.monitoring import AwarenessSession
from backend.monitoring import awareness_service as service
from backend.monitoring.awareness_router import _export_columns, export_query
from backend.policy import scoped

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
LIMIT = 200
Text = Annotated[str | None, Query(max_length=100)]


@router.get("/awareness", name="console-awareness")
async def awareness(
    request: Request,
    session: SessionDep,
    console: CurrentConsole,
    topic: Annotated[str | None, Query(max_length=64)] = None,
    q: Text = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    format: Literal["html", "csv", "xlsx"] = "html",
):
    """Sessions held by the picked unit's teams and units in the period, newest first; an
    "older" link carries the last one's key (the files hold every session of the filters)."""
    union_scope.union_desk(console)
    pk = await union_scope.pick(request, session, console)
    where = await service.filters(
        session,
        union_unit_id=pk.scope.id,
        held_from=pk.period.first,
        held_to=pk.period.last,
        topic=topic or None,
        q=q or None,
    )
    if format != "html":
        return await list_file(
            request,
            session,
            subject=console.subject,
            stmt=await export_query(where),
            model=AwarenessSession,
            columns=await _export_columns(session, console.subject),
            fmt=format,
            object_type=service.OBJECT_TYPE,
            filename="tuyen-truyen",
            sheet_name="Tuyên truyền",
            detail={"unit": str(pk.scope.id), "from": pk.start, "to": pk.end, "topic": topic},
        )
    s = AwarenessSession
    audience = s.workers_count + s.landlords_count + s.others_count
    # The figures are the period's, whichever page is shown (not the page's rows).
    totals = (
        await session.execute(
            scoped(
                select(func.count(s.id), func.coalesce(func.sum(audience), 0)),
                console.subject,
                AwarenessSession,
            ).where(*where)
        )
    ).one()
    stmt = (
        scoped(
            select(s, func.coalesce(Team.name, UnionUnit.name).label("holder")),
            console.subject,
            AwarenessSession,
        )
        .outerjoin(Team, Team.id == s.team_id)
        .outerjoin(UnionUnit, UnionUnit.id == s.union_unit_id)
        .where(*where)
    )
    rows, older = await newest_first(
        session,
        request,
        stmt,
        cursor=cursor,
        moment=s.held_at,
        parse=datetime.fromisoformat,
        limit=LIMIT,
    )
    lang = request.cookies.get("ttq_lang", "vi")
    labels = await service.topic_labels(session)
    topic_name = {k: (en if lang == "en" else vi) for k, (vi, en) in labels.items()}
    ctx = {
        "pk": pk,
        "scope": pk.scope,
        "items": rows,
        "topic_name": topic_name,
        "f": {"topic": topic or "", "q": q or ""},
        "sessions": totals[0],
        "audience": totals[1],
        "older": older,
    }
    return render(request, "union/awareness.html", ctx)

"""Commendations ("Vì an ninh Tổ quốc") of a union subtree and the suggested candidates for
the picked period; record a commendation for a candidate team; CSV/XLSX of both tables."""

import uuid
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from backend.console import union_scope
from backend.console.paging import newest_first
from backend.console.union_exports import list_file
from backend.console.web import ConsoleRoute, CurrentConsole, render
from backend.core.db import SessionDep
from backend.core.errors import Invalid
from backend.dashboards.exports import table_export
from backend.models import Team, UnionUnit
from backend.models.monitoring import Commendation
from backend.monitoring import candidates as suggest
from backend.monitoring import commendation_service as service
from backend.monitoring.commendation_router import EXPORT_COLUMNS, export_query
from backend.monitoring.commendation_schemas import LEVELS, CommendationCreate
from backend.monitoring.exports import Column
from backend.policy import authorize, scoped

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
LIMIT = 200
CANDIDATE_COLUMNS = (
    Column("rank", "Hạng", "Rank", width=8),
    Column("team_name", "Tổ tự quản", "Team", width=32),
    Column("score", "Điểm", "Score", width=10),
    Column("patrols", "Lượt tuần tra", "Patrols", width=12),
    Column("weeks_with_patrol", "Tuần có tuần tra", "Weeks with a patrol", width=12),
    Column("weeks_in_period", "Số tuần trong kỳ", "Weeks in period", width=12),
    Column("incidents_reported", "Tin báo", "Reports", width=10),
    Column("awareness_sessions", "Buổi tuyên truyền", "Awareness sessions", width=12),
    Column("last_commended_on", "Khen thưởng gần nhất", "Last commended", width=14),
)


async def _candidates(session, console, pk):
    return await suggest.suggest(
        session,
        subject=console.subject,
        period_from=pk.period.first,
        period_to=pk.period.last,
        union_unit_id=pk.scope.id,
    )


@router.get("/commendations", name="console-commendations")
async def commendations(
    request: Request,
    session: SessionDep,
    console: CurrentConsole,
    q: Annotated[str | None, Query(max_length=100)] = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    format: Literal["html", "csv", "xlsx"] = "html",
):
    """Commendations decided in the period under the picked unit (``LIMIT`` a page, an "older"
    link past it), and the candidates."""
    union_scope.union_desk(console)
    pk = await union_scope.pick(request, session, console)
    where = await service.filters(
        session,
        union_unit_id=pk.scope.id,
        decided_from=pk.period.first,
        decided_to=pk.period.last,
        q=q or None,
    )
    if format != "html":
        return await list_file(
            request,
            session,
            subject=console.subject,
            stmt=await export_query(where),
            model=Commendation,
            columns=EXPORT_COLUMNS,
            fmt=format,
            object_type=service.OBJECT_TYPE,
            filename="khen-thuong",
            sheet_name="Khen thưởng",
            detail={"unit": str(pk.scope.id), "from": pk.start, "to": pk.end, "q": q},
        )
    c, team_union = Commendation, aliased(UnionUnit)
    stmt = (
        scoped(
            select(c, func.coalesce(c.person_name, Team.name).label("recipient")),
            console.subject,
            Commendation,
        )
        .outerjoin(Team, Team.id == c.team_id)
        .outerjoin(team_union, team_union.id == Team.union_unit_id)
        .where(*where)
    )
    rows, older = await newest_first(
        session,
        request,
        stmt,
        cursor=cursor,
        moment=c.decided_on,
        parse=date.fromisoformat,
        limit=LIMIT,
    )
    lang = request.cookies.get("ttq_lang", "vi")
    ctx = {
        "pk": pk,
        "scope": pk.scope,
        "items": rows,
        "older": older,
        "cands": (await _candidates(session, console, pk)).items,
        "levels": {k: (en if lang == "en" else vi) for k, (vi, en) in LEVELS.items()},
        "f": {"q": q or ""},
        "today": pk.period.last.isoformat(),
        "done": bool(request.query_params.get("done")),
    }
    return render(request, "union/commendations.html", ctx)


@router.get("/commendations/candidates", name="console-commendation-candidates")
async def candidate_file(
    request: Request,
    session: SessionDep,
    console: CurrentConsole,
    format: Literal["csv", "xlsx"] = "xlsx",
):
    """The suggested candidates of the picked unit and period as a file (audited)."""
    union_scope.union_desk(console)
    authorize(console.subject, "commendation.candidates")
    pk = await union_scope.pick(request, session, console)
    result = await _candidates(session, console, pk)
    rows = [
        {
            "rank": n,
            "team_name": cand.team_name,
            "score": cand.score,
            "patrols": cand.figures.patrols,
            "weeks_with_patrol": cand.figures.weeks_with_patrol,
            "weeks_in_period": cand.figures.weeks_in_period,
            "incidents_reported": cand.figures.incidents_reported,
            "awareness_sessions": cand.figures.awareness_sessions,
            "last_commended_on": cand.last_commended_on,
        }
        for n, cand in enumerate(result.items, 1)
    ]
    return await table_export(
        session,
        subject=console.subject,
        rows=rows,
        columns=CANDIDATE_COLUMNS,
        fmt=format,
        lang=request.cookies.get("ttq_lang", "vi"),
        filename="de-xuat-khen-thuong",
        object_type="commendation_candidates",
        detail={"unit": str(pk.scope.id), "from": pk.start, "to": pk.end},
    )


@router.post("/commendations", name="console-commendations-create")
async def create(
    request: Request,
    session: SessionDep,
    console: CurrentConsole,
    team_id: Annotated[uuid.UUID, Form()],
    level: Annotated[str, Form(max_length=16)],
    form: Annotated[str, Form(min_length=1, max_length=128)],
    decision_number: Annotated[str, Form(min_length=1, max_length=64)],
    decided_on: Annotated[date, Form()],
    issuing_body: Annotated[str, Form(min_length=1, max_length=255)],
    reason: Annotated[str, Form(min_length=1, max_length=2000)],
    back: Annotated[str, Form(max_length=500)] = "",
):
    """Record a commendation for a team (the service checks the team is in scope: 404)."""
    authorize(console.subject, "commendation.write")
    try:
        body = CommendationCreate(
            recipient_kind="team",
            team_id=team_id,
            level=level,
            form=form,
            decision_number=decision_number,
            decided_on=decided_on,
            issuing_body=issuing_body,
            reason=reason,
        )
    except ValidationError:
        raise Invalid(code="validation_error") from None
    await service.create_commendation(session, actor=console.subject, body=body)
    # The path is fixed, so the carried query string cannot redirect anywhere else.
    query = back.replace("\r", "").replace("\n", "")
    return RedirectResponse(f"/commendations?{query}&done=1", status_code=303)

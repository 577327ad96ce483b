"""Team leaders and members (read-mostly): their team's houses, patrols and incidents, as a page
or each table as CSV/XLSX."""

from typing import Literal

from fastapi import APIRouter, Request
from sqlalchemy import select

from backend.console.page_files import (
    HOUSE_COLUMNS,
    PATROL_COLUMNS,
    TEAM_INCIDENT_COLUMNS,
    incident_row,
    page_file,
)
from backend.console.police import category_names
from backend.console.web import Console, ConsoleRoute, CurrentConsole, render
from backend.core.db import SessionDep
from backend.core.errors import NotFound
from backend.models import BoardingHouse, Team
from backend.models.incident import Incident
from backend.models.patrol import Patrol
from backend.policy import Role, scoped

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
LIMIT = 50
TEAM_ROLES = (Role.team_leader, Role.team_member)


async def team_context(request: Request, session, console: Console) -> dict:
    """What the policy layer lets the caller see of their team, newest first."""
    subject = console.subject
    teams = (await session.scalars(scoped(select(Team), subject, Team).order_by(Team.name))).all()
    houses = (
        await session.scalars(
            scoped(select(BoardingHouse), subject, BoardingHouse)
            .order_by(BoardingHouse.name)
            .limit(LIMIT)
        )
    ).all()
    patrols = (
        await session.scalars(
            scoped(select(Patrol), subject, Patrol).order_by(Patrol.started_at.desc()).limit(20)
        )
    ).all()
    incidents = (
        await session.scalars(
            scoped(select(Incident), subject, Incident)
            .order_by(Incident.created_at.desc())
            .limit(20)
        )
    ).all()
    lang = request.cookies.get("ttq_lang", "vi")
    return {
        "teams": teams,
        "houses": houses,
        "patrols": patrols,
        "items": incidents,
        "categories": await category_names(session, lang),
    }


async def team_home(request: Request, session, console: Console):
    """The team's page (a team leader's or member's home)."""
    return render(request, "team/home.html", await team_context(request, session, console))


@router.get("/team/{table}", name="console-team-table")
async def team_file(
    request: Request,
    session: SessionDep,
    console: CurrentConsole,
    table: Literal["incidents", "patrols", "houses"],
    format: Literal["csv", "xlsx"] = "csv",
):
    """One table of the team page as a file (audited ``team_<table>.export``); only team
    leaders and members have that page, anyone else gets the 404 page."""
    if console.subject.role not in TEAM_ROLES:
        raise NotFound()
    ctx = await team_context(request, session, console)
    if table == "incidents":
        rows = [incident_row(i, ctx["categories"]) for i in ctx["items"]]
        columns = TEAM_INCIDENT_COLUMNS
    elif table == "patrols":
        rows = [
            {"started_at": p.started_at, "ended_at": p.ended_at, "status": p.status}
            | {"id": str(p.id)}
            for p in ctx["patrols"]
        ]
        columns = PATROL_COLUMNS
    else:
        rows = [{"code": h.code, "name": h.name, "address": h.address} for h in ctx["houses"]]
        columns = HOUSE_COLUMNS
    return await page_file(
        session,
        subject=console.subject,
        rows=rows,
        columns=columns,
        fmt=format,
        lang=request.cookies.get("ttq_lang", "vi"),
        filename=f"to-tu-quan-{table}",
        object_type=f"team_{table}",
        detail={"teams": [str(t.id) for t in ctx["teams"]]},
    )

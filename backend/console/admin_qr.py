"""QR sticker sheets to print: the API's own A4 printout (3 × 4 stickers a page, name, address
and code under each) for a team's houses or one house, audited exactly as the API audits it."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import func, select

from backend.audit.service import record
from backend.console.admin_common import require_admin
from backend.console.admin_pickers import team_choices
from backend.console.web import Console, ConsoleRoute, CurrentConsole, render
from backend.core.config import get_settings
from backend.core.db import SessionDep
from backend.core.errors import Invalid
from backend.models import BoardingHouse, Team, TeamHouse
from backend.policy import get_visible
from backend.policy.registry import checkpoint_rule, current_period
from backend.registry.checkpoints.printout import Sticker, render_printout
from backend.registry.checkpoints.router import _SECRET_HEADERS

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
LIST_LIMIT = 200  # teams drawn (a city has ~2,000): the search reaches the rest


async def printout(session, console: Console, stmt, *, title: str) -> HTMLResponse:
    """The printout of the houses ``stmt`` selects that the admin may handle (capped, audited)."""
    stmt = stmt.where(checkpoint_rule(console.subject), BoardingHouse.deleted_at.is_(None))
    limit = get_settings().printout_max_houses
    count = await session.scalar(select(func.count()).select_from(stmt.subquery()))
    if count and count > limit:
        raise Invalid(code="too_many_houses", count=count, max=limit)
    houses = list(
        (await session.scalars(stmt.order_by(BoardingHouse.name_search, BoardingHouse.id))).all()
    )
    await record(
        session,
        actor=console.subject,
        action="boarding_house.checkpoint_printout",
        object_type="boarding_house",
        detail={"count": len(houses), "house_ids": [str(h.id) for h in houses]},
    )
    html = render_printout(
        [Sticker(h.checkpoint_token, h.name, h.address, h.code) for h in houses], title=title
    )
    # The printout carries its own CSP (inline styles, no scripts) and is never cached.
    return HTMLResponse(html, headers=_SECRET_HEADERS)


def team_houses(team_id: uuid.UUID):
    """The houses a team covers today."""
    covered = select(TeamHouse.house_id).where(
        TeamHouse.team_id == team_id, current_period(TeamHouse)
    )
    return select(BoardingHouse).where(BoardingHouse.id.in_(covered))


@router.get("/admin/qr", name="console-admin-qr")
async def qr_index(
    request: Request,
    session: SessionDep,
    console: CurrentConsole,
    q: Annotated[str, Query(max_length=100)] = "",
):
    """Teams (by name or code) with how many houses each covers, and a link to print their
    stickers: the first ``LIST_LIMIT`` by name, the search reaching the rest."""
    require_admin(console)
    counts = (
        select(TeamHouse.team_id, func.count().label("n"))
        .where(current_period(TeamHouse))
        .group_by(TeamHouse.team_id)
        .subquery()
    )
    teams = team_choices(console, q)
    stmt = (
        teams.add_columns(counts.c.n)
        .outerjoin(counts, counts.c.team_id == Team.id)
        .order_by(Team.name_search)
        .limit(LIST_LIMIT)
    )
    rows = (await session.execute(stmt)).all()
    total = await session.scalar(select(func.count()).select_from(teams.subquery()))
    return render(request, "admin/qr.html", {"rows": rows, "total": total, "q": q})


@router.get("/admin/teams/{team_id}/qr", name="console-admin-team-qr")
async def team_sheet(session: SessionDep, console: CurrentConsole, team_id: uuid.UUID):
    """The A4 sheet of a team's houses' QR stickers, ready to print."""
    require_admin(console)
    team = await get_visible(session, console.subject, Team, team_id)
    title = f"Mã QR điểm kiểm tra — {team.name}"
    return await printout(session, console, team_houses(team.id), title=title)


@router.get("/admin/houses/{house_id}/qr", name="console-admin-house-qr")
async def house_sheet(session: SessionDep, console: CurrentConsole, house_id: uuid.UUID):
    """One house's QR sticker on an A4 sheet (a new or replaced sticker)."""
    require_admin(console)
    house = await get_visible(session, console.subject, BoardingHouse, house_id)
    stmt = select(BoardingHouse).where(BoardingHouse.id == house.id)
    return await printout(session, console, stmt, title=f"Mã QR điểm kiểm tra — {house.name}")

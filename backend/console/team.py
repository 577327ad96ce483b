"""Team leaders and members (read-mostly): their team's houses, patrols and incidents."""

from fastapi import Request
from sqlalchemy import select

from backend.console.police import category_names
from backend.console.web import Console, render
from backend.models import BoardingHouse, Team
from backend.models.incident import Incident
from backend.models.patrol import Patrol
from backend.policy import scoped

LIMIT = 50


async def team_home(request: Request, session, console: Console):
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
    ctx = {
        "teams": teams,
        "houses": houses,
        "patrols": patrols,
        "items": incidents,
        "categories": await category_names(session, lang),
    }
    return render(request, "team/home.html", ctx)

"""Search-as-you-type for the administration forms' pickers of teams and member accounts.

A city at the documented scale has 2,000 teams and ten thousand member accounts: a ``<select>``
of all of them is too long to use, and the forms capped theirs (1,000, by name), so whoever
sorted after the cap could not be picked at all. The forms now draw the first ``PICK_LIMIT``
and a search box beside the picker; typing swaps in the matching options (htmx), so any team
or account is one search away. The options are the same the form's handler accepts.
"""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from sqlalchemy import ColumnElement, or_, select

from backend.console.admin_common import accounts_matching, require_admin
from backend.console.web import ConsoleRoute, CurrentConsole, render
from backend.core.db import SessionDep
from backend.core.text import fold
from backend.models import Team, User
from backend.policy import scoped
from backend.teams.members import MEMBER_ACCOUNT_ROLES

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
PICK_LIMIT = 50  # options drawn in a picker; the search box reaches the rest


def team_search(q: str) -> ColumnElement[bool] | None:
    """Teams whose name (diacritics and case ignored) or code contains ``q`` (None: any)."""
    words = q.strip()
    if not words:
        return None
    return or_(
        Team.name_search.contains(fold(words), autoescape=True),
        Team.code.icontains(words, autoescape=True),
    )


def team_choices(console, q: str = ""):
    """The teams a form may put something on, by name, narrowed by ``q``."""
    stmt = scoped(select(Team), console.subject, Team).where(Team.deleted_at.is_(None))
    found = team_search(q)
    return stmt.where(found) if found is not None else stmt


def account_choices(console, q: str = ""):
    """Active member accounts (team leaders and members) the caller may see, narrowed by ``q``
    (part of a name, or a whole phone number)."""
    stmt = scoped(select(User), console.subject, User).where(
        User.role.in_(MEMBER_ACCOUNT_ROLES), User.is_active.is_(True)
    )
    return stmt.where(accounts_matching(q.strip())) if q.strip() else stmt


@router.get("/admin/pick/teams", name="console-admin-pick-teams")
async def pick_teams(
    request: Request,
    session: SessionDep,
    console: CurrentConsole,
    pick_q: Annotated[str, Query(max_length=100)] = "",
):
    """The team picker's options matching the search (htmx swaps them into the select)."""
    require_admin(console)
    rows = await session.scalars(
        team_choices(console, pick_q).order_by(Team.name_search).limit(PICK_LIMIT)
    )
    options = [(team.id, f"{team.name} ({team.code})") for team in rows]
    return render(request, "admin/_options.html", {"options": options})


@router.get("/admin/pick/accounts", name="console-admin-pick-accounts")
async def pick_accounts(
    request: Request,
    session: SessionDep,
    console: CurrentConsole,
    pick_q: Annotated[str, Query(max_length=100)] = "",
):
    """The member-account picker's options matching the search."""
    require_admin(console)
    rows = await session.scalars(
        account_choices(console, pick_q).order_by(User.full_name).limit(PICK_LIMIT)
    )
    options = [(user.id, user.full_name, user.role) for user in rows]
    return render(request, "admin/_options.html", {"options": options, "roles": True})

"""Search-as-you-type for the administration forms' pickers of teams, member accounts and
units of either tree.

A city at the documented scale has 2,000 teams and ten thousand member accounts, a country some
ten thousand wards: a ``<select>`` of all of them is too long to use, and the forms capped
theirs (1,000–2,000), so whatever sorted after the cap could not be picked at all. The forms now
draw the first ``PICK_LIMIT`` teams or accounts, or ``UNIT_LIMIT`` units in tree order (a
city's ~110 all show), and a search box beside the picker; typing swaps in the matching options
(htmx), so anything is one search away. What the select had picked is sent along and kept. The
options are the same the form's handler accepts.
"""

import uuid
from collections.abc import Iterable
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from sqlalchemy import ColumnElement, or_, select

from backend.console.admin_common import accounts_matching, require_admin
from backend.console.web import ConsoleRoute, CurrentConsole, render
from backend.core.db import SessionDep
from backend.core.text import fold
from backend.models import AdminUnit, Team, UnionUnit, User
from backend.policy import Role, scoped
from backend.teams.members import MEMBER_ACCOUNT_ROLES

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
PICK_LIMIT = 50  # options drawn in a picker; the search box reaches the rest
UNIT_LIMIT = 500  # units drawn in a picker, in tree order (a city's ~110 all show)
TREES = {"union": UnionUnit, "admin": AdminUnit}
PICK_PARAMS = {"tree", "pick_q", "multiple", "prefixed"}
MAX_PICKED = 200  # ids a picker keeps from what its select sent


def picked_ids(values: Iterable[str | None]) -> list[uuid.UUID]:
    """The unit or team ids among a form's values (``admin:<id>`` too); the rest is ignored
    here (the form's handler says what is wrong with it)."""
    out = []
    for raw in values:
        try:
            out.append(uuid.UUID((raw or "").rpartition(":")[2].strip()))
        except ValueError:
            continue
    return out[:MAX_PICKED]


def name_or_code(model, q: str) -> ColumnElement[bool] | None:
    """Rows (teams, units) whose name (diacritics and case ignored) or code contains ``q``
    (None: any)."""
    words = q.strip()
    if not words:
        return None
    return or_(
        model.name_search.contains(fold(words), autoescape=True),
        model.code.icontains(words, autoescape=True),
    )


def team_choices(console, q: str = ""):
    """The teams a form may put something on, by name, narrowed by ``q``."""
    stmt = scoped(select(Team), console.subject, Team).where(Team.deleted_at.is_(None))
    found = name_or_code(Team, q)
    return stmt.where(found) if found is not None else stmt


ACCOUNT_KINDS = {  # what each account picker offers
    "member": MEMBER_ACCOUNT_ROLES,  # a team's members and leaders
    "liaison": (Role.police_liaison.value,),  # who answers for a ward or site
}


def account_choices(console, q: str = "", kind: str = "member"):
    """Active accounts of the picker's kind the caller may see, narrowed by ``q`` (part of a
    name, or a whole phone number)."""
    stmt = scoped(select(User), console.subject, User).where(
        User.role.in_(ACCOUNT_KINDS[kind]), User.is_active.is_(True)
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
    kind: Literal["member", "liaison"] = "member",
):
    """An account picker's options matching the search (team members, or police liaisons)."""
    require_admin(console)
    rows = await session.scalars(
        account_choices(console, pick_q, kind).order_by(User.full_name).limit(PICK_LIMIT)
    )
    options = [(user.id, user.full_name, user.role) for user in rows]
    roles = kind == "member"  # a liaison picker offers one role: its name says it
    return render(request, "admin/_options.html", {"options": options, "roles": roles})


async def unit_options(
    session, tree: str, *, q: str = "", picked: Iterable[uuid.UUID] = ()
) -> list:
    """A tree's live units for a picker in tree order: the first ``UNIT_LIMIT`` matching ``q``,
    and the picked ones whatever the search (a form shown again, or searched, keeps them)."""
    model = TREES[tree]
    stmt = select(model).where(model.deleted_at.is_(None))
    found = name_or_code(model, q)
    if found is not None:
        stmt = stmt.where(found)
    rows = list(await session.scalars(stmt.order_by(model.path).limit(UNIT_LIMIT)))
    missing = set(picked) - {u.id for u in rows}
    if missing:
        kept = await session.scalars(
            select(model).where(model.id.in_(missing), model.deleted_at.is_(None))
        )
        rows = sorted([*rows, *kept], key=lambda u: u.path)
    return rows


async def unit_names(session, ids: Iterable[uuid.UUID | None]) -> dict[uuid.UUID, str]:
    """The names of these units of either tree (for list rows that name one)."""
    wanted = {i for i in ids if i is not None}
    names: dict[uuid.UUID, str] = {}
    for model in TREES.values() if wanted else ():
        rows = await session.execute(select(model.id, model.name).where(model.id.in_(wanted)))
        names.update({unit_id: name for unit_id, name in rows})
    return names


@router.get("/admin/pick/units", name="console-admin-pick-units")
async def pick_units(
    request: Request,
    session: SessionDep,
    console: CurrentConsole,
    tree: Literal["admin", "union", "both"],
    pick_q: Annotated[str, Query(max_length=100)] = "",
    multiple: bool = False,
    prefixed: bool = False,
):
    """A unit picker's options matching the search, with what its select had picked (sent
    along by htmx under the select's own name) kept and still selected."""
    require_admin(console)
    picked = picked_ids(v for k, v in request.query_params.multi_items() if k not in PICK_PARAMS)
    trees = ("union", "admin") if tree == "both" else (tree,)
    groups = [(name, await unit_options(session, name, q=pick_q, picked=picked)) for name in trees]
    ctx = {
        "groups": groups,
        "picked": {str(i) for i in picked},
        "multiple": multiple,
        "prefixed": prefixed,
    }
    return render(request, "admin/_unit_options.html", ctx)

"""Teams and their members and houses: create a team, add and remove members, set the leader,
put houses on its list or take them off. The teams services check and audit each step."""

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Query, Request
from sqlalchemy import func, select

from backend.audit.service import record_personal_read
from backend.console import admin_files
from backend.console import admin_pickers as pickers
from backend.console.admin_common import (
    attempt,
    check_form_version,
    done,
    field_invalid,
    form_error,
    opt_uuid,
    require_admin,
)
from backend.console.admin_qr import team_houses
from backend.console.web import Console, ConsoleRoute, CurrentConsole, render
from backend.core import clock
from backend.core.db import SessionDep
from backend.models import AdminUnit, BoardingHouse, Team, TeamMember, UnionUnit, User
from backend.policy import get_visible
from backend.policy.registry import current_period
from backend.registry.houses_service import get_house_by_code
from backend.teams import coverage, members
from backend.teams import service as teams

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
EMPTY = {"name": "", "code": "", "union_unit_id": "", "admin_unit_id": ""}
# Teams drawn in the list (a city has ~2,000: the search narrows it); the list's file holds
# every team that matches, up to FILE_LIMIT (it held the first 1,000 by name before).
LIST_LIMIT = 200
FILE_LIMIT = 10_000


async def _teams_ctx(
    request: Request, session, console: Console, form: dict, q: str = "", limit: int = LIST_LIMIT
) -> dict:
    found = pickers.team_choices(console, q)
    rows = await session.scalars(found.order_by(Team.name_search).limit(limit))
    total = await session.scalar(select(func.count()).select_from(found.subquery()))
    picked = pickers.picked_ids([form.get("union_unit_id"), form.get("admin_unit_id")])
    return {
        "teams": rows.all(),
        "total": total,
        "q": q,
        "union_units": await pickers.unit_options(session, "union", picked=picked),
        "admin_units": await pickers.unit_options(session, "admin", picked=picked),
        "form": form,
        "done": request.query_params.get("done", ""),
    }


@router.get("/admin/teams", name="console-admin-teams")
async def teams_page(
    request: Request,
    session: SessionDep,
    console: CurrentConsole,
    q: Annotated[str, Query(max_length=100)] = "",
    format: Literal["html", "csv", "xlsx"] = "html",
):
    """Teams by name or code (the search ignores diacritics), and the form to create one; or
    the matching teams as CSV/XLSX."""
    require_admin(console)
    limit = LIST_LIMIT if format == "html" else FILE_LIMIT
    ctx = await _teams_ctx(request, session, console, dict(EMPTY), q, limit)
    if format != "html":
        return await admin_files.admin_file(
            request,
            session,
            console,
            rows=admin_files.team_rows(ctx["teams"]),
            columns=admin_files.TEAM_COLUMNS,
            fmt=format,
            thing="teams",
            filters={"q": q},
        )
    return render(request, "admin/teams.html", ctx)


@router.post("/admin/teams", name="console-admin-team-create")
async def create_team(
    request: Request,
    session: SessionDep,
    console: CurrentConsole,
    name: Annotated[str, Form(max_length=255)] = "",
    code: Annotated[str, Form(max_length=64)] = "",
    union_unit_id: Annotated[str, Form(max_length=64)] = "",
    admin_unit_id: Annotated[str, Form(max_length=64)] = "",
):
    """Create a team under a grassroots union, in a ward."""
    require_admin(console)
    form = {
        "name": name,
        "code": code,
        "union_unit_id": union_unit_id,
        "admin_unit_id": admin_unit_id,
    }

    async def call():
        union = opt_uuid(union_unit_id, "union_unit_id")
        ward = opt_uuid(admin_unit_id, "admin_unit_id")
        if union is None:
            raise field_invalid("union_unit_id", "required")
        if ward is None:
            raise field_invalid("admin_unit_id", "required")
        return await teams.create_team(
            session,
            actor=console.subject,
            name=name,
            code=code or None,
            union_unit_id=union,
            admin_unit_id=ward,
        )

    team, error = await attempt(session, call)
    if error is not None:
        ctx = await _teams_ctx(request, session, console, form)
        return form_error(request, "admin/teams.html", ctx, error)
    return done(f"/admin/teams/{team.id}", "team_created")


async def _team_ctx(request: Request, session, console: Console, team: Team) -> dict:
    people = (
        await session.scalars(
            select(TeamMember)
            .where(
                TeamMember.team_id == team.id,
                TeamMember.deleted_at.is_(None),
                current_period(TeamMember),
            )
            .order_by(TeamMember.role, TeamMember.name_search)
        )
    ).all()
    # Members' phones are personal data: listing them is logged, as in the API.
    await record_personal_read(
        session,
        actor=console.subject,
        object_type="team_member",
        ids=[m.id for m in people if m.phone],
        fields=["phone"],
    )
    houses = (await session.scalars(team_houses(team.id).order_by(BoardingHouse.name_search))).all()
    accounts = (
        await session.scalars(
            pickers.account_choices(console).order_by(User.full_name).limit(pickers.PICK_LIMIT)
        )
    ).all()
    union = await session.get(UnionUnit, team.union_unit_id)
    ward = await session.get(AdminUnit, team.admin_unit_id)
    return {
        "team": team,
        "people": people,
        "houses": houses,
        "accounts": accounts,
        "union": union,
        "ward": ward,
        "roles": members.TEAM_ROLES,
        "statuses": teams.TEAM_STATUSES,
        "done": request.query_params.get("done", ""),
    }


async def _team(session, console: Console, team_id: uuid.UUID) -> Team:
    require_admin(console)
    return await get_visible(session, console.subject, Team, team_id)


@router.get("/admin/teams/{team_id}", name="console-admin-team")
async def team_page(
    request: Request, session: SessionDep, console: CurrentConsole, team_id: uuid.UUID
):
    """One team: members (add, remove, leader), houses (add, remove), QR sheet."""
    team = await _team(session, console, team_id)
    return render(request, "admin/team.html", await _team_ctx(request, session, console, team))


async def _act(request, session, console: Console, team_id: uuid.UUID, key: str, call):
    team = await _team(session, console, team_id)
    _, error = await attempt(session, lambda: call(team))
    if error is not None:
        team = await get_visible(session, console.subject, Team, team_id)
        ctx = await _team_ctx(request, session, console, team)
        return form_error(request, "admin/team.html", ctx, error)
    return done(f"/admin/teams/{team_id}", key)


@router.post("/admin/teams/{team_id}", name="console-admin-team-update")
async def update_team(
    request: Request,
    session: SessionDep,
    console: CurrentConsole,
    team_id: uuid.UUID,
    version: Annotated[str, Form(max_length=12)] = "",
    name: Annotated[str, Form(max_length=255)] = "",
    status: Annotated[str, Form(max_length=16)] = "",
):
    """Rename a team or change its status (active, inactive, dissolved), if it is still at the
    version the form was read at."""

    async def call(team: Team):
        check_form_version(version, team.version)
        return await teams.update_team(
            session, actor=console.subject, team=team, name=name, status=status
        )

    return await _act(request, session, console, team_id, "saved", call)


@router.post("/admin/teams/{team_id}/members", name="console-admin-member-add")
async def add_member(
    request: Request,
    session: SessionDep,
    console: CurrentConsole,
    team_id: uuid.UUID,
    user_id: Annotated[str, Form(max_length=64)] = "",
    full_name: Annotated[str, Form(max_length=255)] = "",
    phone: Annotated[str, Form(max_length=32)] = "",
    role: Annotated[str, Form(max_length=16)] = "member",
):
    """Put a person on the team: an account, or a name and phone."""

    async def call(team: Team):
        account = opt_uuid(user_id, "user_id")
        if role == "leader":  # the new leader takes over: the old one stays as a member
            await _step_down_leader(session, console, team, keep=None)
        return await members.add_member(
            session,
            actor=console.subject,
            team=team,
            user_id=account,
            full_name=full_name or None,
            phone=phone or None,
            role=role,
        )

    return await _act(request, session, console, team_id, "member_added", call)


async def _member(session, team: Team, member_id: uuid.UUID) -> TeamMember:
    member = await session.get(TeamMember, member_id)
    if member is None or member.team_id != team.id or member.deleted_at is not None:
        raise field_invalid("member_id", "not_found")
    return member


async def _step_down_leader(session, console: Console, team: Team, *, keep) -> None:
    leaders = await session.scalars(
        select(TeamMember).where(
            TeamMember.team_id == team.id,
            TeamMember.role == "leader",
            TeamMember.deleted_at.is_(None),
            current_period(TeamMember),
        )
    )
    for leader in leaders.all():
        if leader.id != keep:
            await members.update_member(
                session, actor=console.subject, member=leader, role="member"
            )


@router.post("/admin/teams/{team_id}/members/{member_id}/leader", name="console-admin-leader")
async def set_leader(
    request: Request,
    session: SessionDep,
    console: CurrentConsole,
    team_id: uuid.UUID,
    member_id: uuid.UUID,
):
    """Make this member the leader; the current leader becomes a member (both audited)."""

    async def call(team: Team):
        member = await _member(session, team, member_id)
        await _step_down_leader(session, console, team, keep=member.id)
        await session.flush()
        return await members.update_member(
            session, actor=console.subject, member=member, role="leader"
        )

    return await _act(request, session, console, team_id, "leader_set", call)


@router.post("/admin/teams/{team_id}/members/{member_id}/end", name="console-admin-member-end")
async def end_member(
    request: Request,
    session: SessionDep,
    console: CurrentConsole,
    team_id: uuid.UUID,
    member_id: uuid.UUID,
):
    """Take a person off the team from today (the history keeps their membership)."""

    async def call(team: Team):
        member = await _member(session, team, member_id)
        return await members.update_member(
            session, actor=console.subject, member=member, until=clock.today()
        )

    return await _act(request, session, console, team_id, "member_removed", call)


@router.post("/admin/teams/{team_id}/houses", name="console-admin-team-house-add")
async def add_house(
    request: Request,
    session: SessionDep,
    console: CurrentConsole,
    team_id: uuid.UUID,
    house_code: Annotated[str, Form(max_length=64)] = "",
):
    """Put a house (named by its code) on the team's list from today."""

    async def call(team: Team):
        house = await get_house_by_code(session, code=house_code.strip())
        if house is None:
            raise field_invalid("house_code", "unknown_house")
        return await coverage.add_house(
            session, actor=console.subject, team=team, house_id=house.id
        )

    return await _act(request, session, console, team_id, "house_added", call)


@router.post("/admin/teams/{team_id}/houses/{house_id}/end", name="console-admin-team-house-end")
async def end_house(
    request: Request,
    session: SessionDep,
    console: CurrentConsole,
    team_id: uuid.UUID,
    house_id: uuid.UUID,
):
    """Take a house off the team's list from today."""

    async def call(team: Team):
        return await coverage.end_house(
            session, actor=console.subject, team=team, house_id=house_id
        )

    return await _act(request, session, console, team_id, "house_removed", call)

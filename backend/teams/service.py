"""Teams (Tổ tự quản): create, change, soft-delete, find and list.

Keyword-only functions that validate everything and never commit, so the CSV/XLSX importer
calls the same code as the API (``actor=None`` is the system: seeds and CLI tools).
"""

import secrets
import uuid
from datetime import date
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.audit.service import record, snapshot
from backend.core import clock
from backend.core.text import fold
from backend.models import AdminUnit, BoardingHouse, Site, Team, TeamHouse, TeamMember, UnionUnit
from backend.models.base import utcnow
from backend.policy import Subject, scoped, under
from backend.policy.registry import current_period
from backend.sync.changes import record_changes
from backend.teams.validation import (
    UNSET,
    check_choice,
    check_not_future,
    clean_text,
    conflict,
    invalid,
    live_admin_unit,
    live_union_unit,
)

TEAM_STATUSES = ("active", "inactive", "dissolved")


def _clean_code(code: str | None) -> str:
    cleaned = clean_text(code, "code", max_length=64, required=False)
    return cleaned or f"TTQ-{secrets.token_hex(4).upper()}"


async def _check_code_free(session: AsyncSession, code: str, team_id: uuid.UUID | None = None):
    stmt = select(Team.id).where(Team.code == code)
    if team_id is not None:
        stmt = stmt.where(Team.id != team_id)
    if await session.scalar(stmt):
        raise conflict("code_taken", "code", value=code)


async def team_tree(session: AsyncSession, team: Team) -> list[Any]:
    """The team with everything whose visibility follows it: members, covered houses, sites."""
    members = await session.scalars(
        select(TeamMember).where(TeamMember.team_id == team.id, TeamMember.deleted_at.is_(None))
    )
    houses = list(
        (
            await session.scalars(
                select(BoardingHouse).where(
                    BoardingHouse.id.in_(
                        select(TeamHouse.house_id).where(
                            TeamHouse.team_id == team.id, current_period(TeamHouse)
                        )
                    )
                )
            )
        ).all()
    )
    site_ids = {h.site_id for h in houses if h.site_id}
    sites = (await session.scalars(select(Site).where(Site.id.in_(site_ids)))).all()
    return [team, *members.all(), *houses, *sites]


async def get_team_by_code(session: AsyncSession, *, code: str) -> Team | None:
    """The live team with this external code (re-imports update by it)."""
    return (
        await session.scalars(select(Team).where(Team.code == code, Team.deleted_at.is_(None)))
    ).first()


async def create_team(
    session: AsyncSession,
    *,
    actor: Subject | None,
    name: str,
    union_unit_id: uuid.UUID,
    admin_unit_id: uuid.UUID,
    code: str | None = None,
    founded_on: date | None = None,
    status: str = "active",
    gps_tracking: bool = False,
) -> Team:
    """Create a team under a grassroots union unit the actor may manage."""
    name = clean_text(name, "name", max_length=255)
    code = _clean_code(code)
    check_choice(status, TEAM_STATUSES, "status")
    check_not_future(founded_on, "founded_on")
    await live_union_unit(session, union_unit_id, "union_unit_id", actor=actor)
    await live_admin_unit(session, admin_unit_id, "admin_unit_id")
    await _check_code_free(session, code)
    team = Team(
        code=code,
        name=name,
        name_search=fold(name),
        union_unit_id=union_unit_id,
        admin_unit_id=admin_unit_id,
        founded_on=founded_on,
        status=status,
        gps_tracking=bool(gps_tracking),
    )
    session.add(team)
    await record_changes(session, objs=[team])
    await record(
        session,
        actor=actor,
        action="team.create",
        object_type="team",
        object_id=team.id,
        after=snapshot(team),
    )
    return team


async def update_team(
    session: AsyncSession,
    *,
    actor: Subject | None,
    team: Team,
    name: str = UNSET,
    code: str = UNSET,
    union_unit_id: uuid.UUID = UNSET,
    admin_unit_id: uuid.UUID = UNSET,
    founded_on: date | None = UNSET,
    status: str = UNSET,
    gps_tracking: bool = UNSET,
) -> Team:
    """Change a team; moving it to another union or admin unit re-stamps what follows it."""
    before = snapshot(team)
    given = {"union_unit_id": union_unit_id, "admin_unit_id": admin_unit_id}
    given |= {"status": status, "gps_tracking": gps_tracking}
    for field, value in given.items():
        if value is None:
            raise invalid("required", field)
    changes: dict[str, Any] = {}
    if name is not UNSET:
        changes["name"] = clean_text(name, "name", max_length=255)
        changes["name_search"] = fold(changes["name"])
    if code is not UNSET:
        changes["code"] = clean_text(code, "code", max_length=64)
        await _check_code_free(session, changes["code"], team.id)
    if status is not UNSET:
        changes["status"] = check_choice(status, TEAM_STATUSES, "status")
    if founded_on is not UNSET:
        check_not_future(founded_on, "founded_on")
        changes["founded_on"] = founded_on
    if gps_tracking is not UNSET:
        changes["gps_tracking"] = bool(gps_tracking)
    if union_unit_id is not UNSET and union_unit_id != team.union_unit_id:
        await live_union_unit(session, union_unit_id, "union_unit_id", actor=actor)
        changes["union_unit_id"] = union_unit_id
    if admin_unit_id is not UNSET and admin_unit_id != team.admin_unit_id:
        await live_admin_unit(session, admin_unit_id, "admin_unit_id")
        changes["admin_unit_id"] = admin_unit_id
    moves = "union_unit_id" in changes or "admin_unit_id" in changes
    if moves:
        # Whoever saw the team through its old units must learn it (and its tree) left.
        await record_changes(session, objs=await team_tree(session, team))
    for key, value in changes.items():
        setattr(team, key, value)
    team.version += 1
    team.updated_at = utcnow()
    session.add(team)
    await record_changes(session, objs=await team_tree(session, team) if moves else [team])
    await record(
        session,
        actor=actor,
        action="team.update",
        object_type="team",
        object_id=team.id,
        before=before,
        after=snapshot(team),
    )
    return team


async def delete_team(
    session: AsyncSession, *, actor: Subject | None, team: Team, reason: str
) -> None:
    """Soft-delete a team with a reason; its coverage and memberships end today."""
    reason = clean_text(reason, "reason", max_length=500)
    before = snapshot(team)
    tree = await team_tree(session, team)
    await record_changes(session, objs=tree)
    today = clock.today()
    now = utcnow()
    ended_houses = 0
    for coverage in await session.scalars(
        select(TeamHouse).where(TeamHouse.team_id == team.id, current_period(TeamHouse))
    ):
        coverage.until = max(today, coverage.since)
        session.add(coverage)
        ended_houses += 1
    for member in await session.scalars(
        select(TeamMember).where(
            TeamMember.team_id == team.id,
            TeamMember.deleted_at.is_(None),
            current_period(TeamMember),
        )
    ):
        member.until = max(today, member.since)
        member.version += 1
        member.updated_at = now
        session.add(member)
    team.deleted_at = now
    team.delete_reason = reason
    team.version += 1
    team.updated_at = now
    session.add(team)
    await record_changes(session, objs=tree)
    await record(
        session,
        actor=actor,
        action="team.delete",
        object_type="team",
        object_id=team.id,
        before=before,
        after=snapshot(team),
        detail={"reason": reason, "houses_ended": ended_houses},
    )


async def _subtree_clause(session: AsyncSession, model, column, unit_id, field: str):
    path = await session.scalar(select(model.path).where(model.id == unit_id))
    if path is None:
        raise invalid("unknown_unit", field)
    return column.in_(select(model.id).where(under(model.path, [path])))


async def list_teams(
    session: AsyncSession,
    *,
    subject: Subject,
    q: str | None = None,
    status: str | None = None,
    union_unit_id: uuid.UUID | None = None,
    admin_unit_id: uuid.UUID | None = None,
    house_id: uuid.UUID | None = None,
    after: tuple[str, uuid.UUID] | None = None,
    limit: int,
) -> list[Team]:
    """Visible live teams by folded name, filtered; keyset on (name_search, id)."""
    stmt = scoped(select(Team), subject, Team).where(Team.deleted_at.is_(None))
    if q and (needle := fold(q)):
        stmt = stmt.where(
            or_(
                Team.name_search.contains(needle, autoescape=True),
                func.lower(Team.code).contains(needle, autoescape=True),
            )
        )
    if status:
        stmt = stmt.where(Team.status == check_choice(status, TEAM_STATUSES, "status"))
    if union_unit_id:
        stmt = stmt.where(
            await _subtree_clause(
                session, UnionUnit, Team.union_unit_id, union_unit_id, "union_unit_id"
            )
        )
    if admin_unit_id:
        stmt = stmt.where(
            await _subtree_clause(
                session, AdminUnit, Team.admin_unit_id, admin_unit_id, "admin_unit_id"
            )
        )
    if house_id:
        stmt = stmt.where(
            Team.id.in_(
                select(TeamHouse.team_id).where(
                    TeamHouse.house_id == house_id, current_period(TeamHouse)
                )
            )
        )
    if after:
        name_key, id_key = after
        stmt = stmt.where(
            or_(Team.name_search > name_key, and_(Team.name_search == name_key, Team.id > id_key))
        )
    stmt = stmt.order_by(Team.name_search, Team.id).limit(limit)
    return list((await session.scalars(stmt)).all())

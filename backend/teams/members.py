"""Team members: people with an account (user_id) or just a name and a phone.

A team leader keeps their own team's list but may not hand out, take away or end the
leader role: that stays with the union (and system admins).
"""

import uuid
from datetime import date
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.audit.service import record, snapshot
from backend.core import clock, pii
from backend.core.errors import Forbidden
from backend.core.security import normalize_phone
from backend.core.text import fold
from backend.models import Team, TeamMember, User
from backend.models.base import utcnow
from backend.policy import Role, Subject, scoped
from backend.policy.registry import current_period, may_give_team_role
from backend.sync.changes import record_change
from backend.teams.validation import (
    UNSET,
    check_choice,
    check_not_future,
    check_period,
    clean_phone,
    clean_text,
    conflict,
    invalid,
    is_current,
)

TEAM_ROLES = ("leader", "deputy", "member")
# Account roles that may be linked to a team membership.
MEMBER_ACCOUNT_ROLES = (Role.team_leader.value, Role.team_member.value)


def _guard_leader_role(actor: Subject | None, *roles: str) -> None:
    if not may_give_team_role(actor, *roles):
        raise Forbidden(code="leader_reserved")


async def _check_no_other_leader(
    session: AsyncSession, team_id: uuid.UUID, member_id: uuid.UUID | None = None
) -> None:
    stmt = select(TeamMember.id).where(
        TeamMember.team_id == team_id,
        TeamMember.role == "leader",
        TeamMember.deleted_at.is_(None),
        current_period(TeamMember),
    )
    if member_id is not None:
        stmt = stmt.where(TeamMember.id != member_id)
    if await session.scalar(stmt.limit(1)):
        raise conflict("leader_exists", "role")


async def _check_not_listed(
    session: AsyncSession, *, team_id: uuid.UUID, user_id: uuid.UUID | None, phone: str | None
) -> None:
    if user_id is None and phone is None:
        return
    same = (
        TeamMember.user_id == user_id
        if user_id
        else pii.phone_matches(TeamMember.phone_index, phone)
    )
    stmt = select(TeamMember.id).where(
        TeamMember.team_id == team_id,
        TeamMember.deleted_at.is_(None),
        current_period(TeamMember),
        same,
    )
    if await session.scalar(stmt.limit(1)):
        field = "user_id" if user_id else "phone"
        raise conflict("member_exists", field)


async def _member_account(session: AsyncSession, user_id: uuid.UUID) -> User:
    user = await session.get(User, user_id)
    if user is None or not user.is_active or user.role not in MEMBER_ACCOUNT_ROLES:
        raise invalid("invalid_member_user", "user_id", allowed_roles=list(MEMBER_ACCOUNT_ROLES))
    return user


async def add_member(
    session: AsyncSession,
    *,
    actor: Subject | None,
    team: Team,
    user_id: uuid.UUID | None = None,
    full_name: str | None = None,
    phone: str | None = None,
    role: str = "member",
    since: date | None = None,
    until: date | None = None,
) -> TeamMember:
    """Put a person on a team; name and phone default to the account's when user_id is given."""
    check_choice(role, TEAM_ROLES, "role")
    _guard_leader_role(actor, role)
    if user_id is not None:
        user = await _member_account(session, user_id)
        full_name = full_name or user.full_name
        phone = phone or user.phone
    full_name = clean_text(full_name, "full_name", max_length=255)
    phone = clean_phone(phone)
    since = since or clock.today()
    # Access follows ``until`` only, so a membership starting later would grant it already.
    check_not_future(since, "since", code="since_in_future")
    check_period(since, until)
    if is_current(until):
        await _check_not_listed(session, team_id=team.id, user_id=user_id, phone=phone)
        if role == "leader":
            await _check_no_other_leader(session, team.id)
    member = TeamMember(
        team_id=team.id,
        user_id=user_id,
        full_name=full_name,
        name_search=fold(full_name),
        phone=phone,
        role=role,
        since=since,
        until=until,
    )
    session.add(member)
    await record_change(session, obj=member)
    await record(
        session,
        actor=actor,
        action="team_member.create",
        object_type="team_member",
        object_id=member.id,
        after=snapshot(member),
    )
    return member


async def update_member(
    session: AsyncSession,
    *,
    actor: Subject | None,
    member: TeamMember,
    full_name: str = UNSET,
    phone: str | None = UNSET,
    role: str = UNSET,
    since: date = UNSET,
    until: date | None = UNSET,
) -> TeamMember:
    """Change a membership; setting ``until`` ends it (the account loses the team that day)."""
    before = snapshot(member)
    changes: dict[str, Any] = {}
    if full_name is not UNSET:
        changes["full_name"] = clean_text(full_name, "full_name", max_length=255)
        changes["name_search"] = fold(changes["full_name"])
    if phone is not UNSET:
        changes["phone"] = clean_phone(phone)
    if role is not UNSET and role != member.role:
        check_choice(role, TEAM_ROLES, "role")
        _guard_leader_role(actor, role, member.role)
        changes["role"] = role
    if since is not UNSET:
        if since is None:
            raise invalid("required", "since")
        check_not_future(since, "since", code="since_in_future")
        changes["since"] = since
    if until is not UNSET and until != member.until:
        _guard_leader_role(actor, member.role)
        changes["until"] = until
    new_until = changes.get("until", member.until)
    check_period(changes.get("since", member.since), new_until)
    if is_current(new_until):
        if changes.get("role", member.role) == "leader" and (
            "role" in changes or "until" in changes
        ):
            await _check_no_other_leader(session, member.team_id, member.id)
        if "phone" in changes or "until" in changes:
            await _check_other_listing(session, member, changes.get("phone", member.phone))
    for key, value in changes.items():
        setattr(member, key, value)
    member.version += 1
    member.updated_at = utcnow()
    session.add(member)
    await record_change(session, obj=member)
    await record(
        session,
        actor=actor,
        action="team_member.update",
        object_type="team_member",
        object_id=member.id,
        before=before,
        after=snapshot(member),
    )
    return member


async def _check_other_listing(session: AsyncSession, member: TeamMember, phone: str | None):
    if member.user_id is None and phone is None:
        return
    same = (
        TeamMember.user_id == member.user_id
        if member.user_id
        else pii.phone_matches(TeamMember.phone_index, phone)
    )
    stmt = select(TeamMember.id).where(
        TeamMember.team_id == member.team_id,
        TeamMember.id != member.id,
        TeamMember.deleted_at.is_(None),
        current_period(TeamMember),
        same,
    )
    if await session.scalar(stmt.limit(1)):
        field = "user_id" if member.user_id else "phone"
        raise conflict("member_exists", field)


async def delete_member(
    session: AsyncSession, *, actor: Subject | None, member: TeamMember, reason: str
) -> None:
    """Soft-delete a membership entered by mistake (to record someone leaving, set ``until``)."""
    reason = clean_text(reason, "reason", max_length=500)
    _guard_leader_role(actor, member.role)
    before = snapshot(member)
    now = utcnow()
    member.deleted_at = now
    member.delete_reason = reason
    member.version += 1
    member.updated_at = now
    session.add(member)
    await record_change(session, obj=member)
    await record(
        session,
        actor=actor,
        action="team_member.delete",
        object_type="team_member",
        object_id=member.id,
        before=before,
        detail={"reason": reason},
    )


def _whole_phone(q: str) -> str | None:
    # Numbers are sealed at rest: only a whole number can be looked up (by its blind index).
    # A keyed index of digit fragments would let whoever reads the table narrow numbers down.
    return normalize_phone(q) if sum(c.isdigit() for c in q) >= 9 else None


async def list_members(
    session: AsyncSession,
    *,
    subject: Subject,
    team_id: uuid.UUID | None = None,
    q: str | None = None,
    role: str | None = None,
    current_only: bool = False,
    after: tuple[str, uuid.UUID] | None = None,
    limit: int,
) -> list[TeamMember]:
    """Visible live members by folded name (name or phone search); keyset on (name, id)."""
    stmt = scoped(select(TeamMember), subject, TeamMember).where(TeamMember.deleted_at.is_(None))
    if team_id is not None:
        stmt = stmt.where(TeamMember.team_id == team_id)
    if q:
        clauses = []
        if needle := fold(q):
            clauses.append(TeamMember.name_search.contains(needle, autoescape=True))
        if phone := _whole_phone(q):
            clauses.append(pii.phone_matches(TeamMember.phone_index, phone))
        stmt = stmt.where(or_(*clauses)) if clauses else stmt
    if role:
        stmt = stmt.where(TeamMember.role == check_choice(role, TEAM_ROLES, "role"))
    if current_only:
        stmt = stmt.where(current_period(TeamMember))
    if after:
        name_key, id_key = after
        stmt = stmt.where(
            or_(
                TeamMember.name_search > name_key,
                and_(TeamMember.name_search == name_key, TeamMember.id > id_key),
            )
        )
    stmt = stmt.order_by(TeamMember.name_search, TeamMember.id).limit(limit)
    return list((await session.scalars(stmt)).all())

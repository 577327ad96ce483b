"""Commendations ("Vì an ninh Tổ quốc"): record, correct, withdraw, list."""

import uuid
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.audit.service import record, snapshot
from backend.core.errors import Conflict, Invalid
from backend.core.text import fold
from backend.models import Team, TeamMember, UnionUnit, utcnow
from backend.models.monitoring import Commendation
from backend.monitoring.commendation_schemas import CommendationCreate
from backend.monitoring.filters import in_union_subtree, newest_first_after
from backend.policy import Subject, get_visible

OBJECT_TYPE = "commendation"


async def _check_not_duplicate(
    session: AsyncSession, obj: Commendation, *, decision_number: str
) -> None:
    stmt = select(Commendation.id).where(
        Commendation.decision_number == decision_number,
        Commendation.deleted_at.is_(None),
        Commendation.recipient_search == obj.recipient_search,
        Commendation.id != obj.id,
        Commendation.team_id == obj.team_id
        if obj.team_id
        else Commendation.union_unit_id == obj.union_unit_id,
    )
    if await session.scalar(stmt.limit(1)):
        raise Conflict(code="duplicate", decision_number=decision_number)


async def create_commendation(
    session: AsyncSession, *, actor: Subject, body: CommendationCreate
) -> Commendation:
    """Record a commendation for a team or a person in the caller's scope (404 outside it)."""
    team_id, person_name = body.team_id, body.person_name
    if body.team_member_id is not None:
        member = await get_visible(session, actor, TeamMember, body.team_member_id)
        if team_id is not None and team_id != member.team_id:
            raise Invalid(code="invalid_recipient", detail="the member is not on that team")
        team_id, person_name = member.team_id, person_name or member.full_name
    if team_id is not None:
        team = await get_visible(session, actor, Team, team_id)
        search = fold(person_name or team.name)
    else:
        await get_visible(session, actor, UnionUnit, body.union_unit_id)
        search = fold(person_name)
    obj = Commendation(
        **body.model_dump(exclude={"team_id", "person_name"}),
        team_id=team_id,
        person_name=person_name,
        recipient_search=search[:255],
        recorded_by=actor.user_id,
    )
    await _check_not_duplicate(session, obj, decision_number=body.decision_number)
    session.add(obj)
    await session.flush()
    await record(
        session,
        actor=actor,
        action=f"{OBJECT_TYPE}.create",
        object_type=OBJECT_TYPE,
        object_id=obj.id,
        after=snapshot(obj, exclude={"recipient_search"}),
    )
    return obj


async def update_commendation(
    session: AsyncSession, *, actor: Subject, obj: Commendation, changes: dict[str, Any]
) -> Commendation:
    """Correct the decision's details."""
    for key, value in changes.items():
        if value is None and key != "person_title":
            raise Invalid(code="validation_error", field=key)
    before = snapshot(obj, exclude={"recipient_search"})
    if "decision_number" in changes:
        await _check_not_duplicate(session, obj, decision_number=changes["decision_number"])
    for key, value in changes.items():
        setattr(obj, key, value)
    obj.version += 1
    obj.updated_at = utcnow()
    session.add(obj)
    await session.flush()
    await record(
        session,
        actor=actor,
        action=f"{OBJECT_TYPE}.update",
        object_type=OBJECT_TYPE,
        object_id=obj.id,
        before=before,
        after=snapshot(obj, exclude={"recipient_search"}),
    )
    return obj


async def delete_commendation(
    session: AsyncSession, *, actor: Subject, obj: Commendation, reason: str
) -> None:
    """Withdraw a commendation recorded in error (kept, marked deleted)."""
    before = snapshot(obj, exclude={"recipient_search"})
    obj.deleted_at = utcnow()
    obj.delete_reason = reason
    obj.version += 1
    session.add(obj)
    await record(
        session,
        actor=actor,
        action=f"{OBJECT_TYPE}.delete",
        object_type=OBJECT_TYPE,
        object_id=obj.id,
        before=before,
        detail={"reason": reason},
    )


async def filters(
    session: AsyncSession,
    *,
    team_id: uuid.UUID | None = None,
    union_unit_id: uuid.UUID | None = None,
    recipient_kind: str | None = None,
    level: str | None = None,
    decided_from: date | None = None,
    decided_to: date | None = None,
    q: str | None = None,
) -> list[ColumnElement[bool]]:
    """WHERE clauses shared by the list and the export (scope is added apart)."""
    where: list[ColumnElement[bool]] = [Commendation.deleted_at.is_(None)]
    if team_id:
        where.append(Commendation.team_id == team_id)
    if union_unit_id:
        where.append(await in_union_subtree(session, Commendation, union_unit_id))
    if recipient_kind:
        where.append(Commendation.recipient_kind == recipient_kind)
    if level:
        where.append(Commendation.level == level)
    if decided_from:
        where.append(Commendation.decided_on >= decided_from)
    if decided_to:
        where.append(Commendation.decided_on <= decided_to)
    if q:
        needle = fold(q)
        where.append(
            or_(
                Commendation.recipient_search.contains(needle, autoescape=True),
                Commendation.decision_number.contains(q.strip(), autoescape=True),
            )
        )
    return where


def after_clause(decided_on: date, commendation_id: uuid.UUID) -> ColumnElement[bool]:
    """Keyset condition for newest-first order (decided_on desc, id desc)."""
    return newest_first_after(Commendation.decided_on, Commendation.id, decided_on, commendation_id)

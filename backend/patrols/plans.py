"""Patrol plans: a team's schedule, the houses it must cover, and how it has gone."""

import uuid
from collections import Counter, defaultdict
from datetime import datetime

from sqlalchemy import delete, func, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from backend.audit.service import record, snapshot
from backend.core import clock
from backend.core.config import Settings
from backend.core.errors import Invalid
from backend.models import Team, TeamHouse
from backend.models.patrol import PatrolPlan, PatrolPlanHouse, PlanWindowResult
from backend.patrols.plan_schemas import (
    PlanCoverage,
    PlanCreate,
    PlanRead,
    PlanUpdate,
    bits_to_days,
    days_to_bits,
)
from backend.patrols.service import house_coverage
from backend.policy import Subject, scoped


async def house_ids_of(session: AsyncSession, plan_ids: list[uuid.UUID]) -> dict:
    """plan id -> its planned house ids."""
    found: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    if plan_ids:
        rows = await session.execute(
            select(PatrolPlanHouse.plan_id, PatrolPlanHouse.house_id).where(
                PatrolPlanHouse.plan_id.in_(plan_ids)
            )
        )
        for plan_id, house_id in rows:
            found[plan_id].append(house_id)
    return found


def to_read(plan: PatrolPlan, house_ids: list[uuid.UUID], settings: Settings) -> PlanRead:
    return PlanRead(
        id=plan.id,
        team_id=plan.team_id,
        name=plan.name,
        days_of_week=bits_to_days(plan.days_of_week),
        start_time=plan.start_time,
        end_time=plan.end_time,
        timezone=settings.plan_timezone,
        house_ids=sorted(house_ids),
        min_scans=plan.min_scans,
        active=plan.active,
        version=plan.version,
        created_at=plan.created_at,
        updated_at=plan.updated_at,
    )


async def _check_covered(session: AsyncSession, team_id: uuid.UUID, house_ids) -> None:
    """Planned houses must be houses the team covers now."""
    if not house_ids:
        return
    today = clock.today()
    covered = set(
        (
            await session.scalars(
                select(TeamHouse.house_id).where(
                    TeamHouse.team_id == team_id,
                    TeamHouse.house_id.in_(house_ids),
                    TeamHouse.since <= today,
                    or_(TeamHouse.until.is_(None), TeamHouse.until >= today),
                )
            )
        ).all()
    )
    missing = sorted(str(h) for h in set(house_ids) - covered)
    if missing:
        raise Invalid(code="house_not_covered", house_ids=missing)


async def _set_houses(session: AsyncSession, plan: PatrolPlan, house_ids) -> None:
    await session.execute(delete(PatrolPlanHouse).where(PatrolPlanHouse.plan_id == plan.id))
    session.add_all(PatrolPlanHouse(plan_id=plan.id, house_id=h) for h in set(house_ids))
    await session.flush()


def _audit_view(plan: PatrolPlan, house_ids) -> dict:
    view = snapshot(plan) or {}
    view["house_ids"] = sorted(str(h) for h in house_ids)
    return view


async def create_plan(
    session: AsyncSession, *, subject: Subject, team: Team, body: PlanCreate
) -> tuple[PatrolPlan, list[uuid.UUID]]:
    """Add a plan to a team the subject may manage."""
    await _check_covered(session, team.id, body.house_ids)
    plan = PatrolPlan(
        team_id=team.id,
        name=body.name,
        days_of_week=days_to_bits(body.days_of_week),
        start_time=body.start_time,
        end_time=body.end_time,
        min_scans=body.min_scans,
        active=body.active,
        created_by=subject.user_id,
    )
    session.add(plan)
    await session.flush()
    await _set_houses(session, plan, body.house_ids)
    await record(
        session,
        actor=subject,
        action="patrol_plan.create",
        object_type="patrol_plan",
        object_id=plan.id,
        after=_audit_view(plan, body.house_ids),
    )
    return plan, list(set(body.house_ids))


async def update_plan(
    session: AsyncSession, *, subject: Subject, plan: PatrolPlan, changes: PlanUpdate, now
) -> tuple[PatrolPlan, list[uuid.UUID]]:
    """Change a plan; past window results stay as they were judged."""
    houses = (await house_ids_of(session, [plan.id]))[plan.id]
    before = _audit_view(plan, houses)
    data = changes.model_dump(exclude_unset=True)
    if "house_ids" in data and data["house_ids"] is not None:
        await _check_covered(session, plan.team_id, data["house_ids"])
        houses = list(set(data.pop("house_ids")))
        await _set_houses(session, plan, houses)
    data.pop("house_ids", None)
    if data.get("days_of_week") is not None:
        data["days_of_week"] = days_to_bits(data["days_of_week"])
    for name, value in data.items():
        if value is not None:
            setattr(plan, name, value)
    if plan.start_time == plan.end_time:
        raise Invalid(code="validation_error", detail="start_time and end_time must differ")
    plan.version += 1
    plan.updated_at = now
    await session.flush()
    await record(
        session,
        actor=subject,
        action="patrol_plan.update",
        object_type="patrol_plan",
        object_id=plan.id,
        before=before,
        after=_audit_view(plan, houses),
    )
    return plan, houses


async def delete_plan(
    session: AsyncSession, *, subject: Subject, plan: PatrolPlan, reason: str, now
) -> None:
    """Soft-delete a plan; its window results are kept."""
    before = snapshot(plan)
    plan.deleted_at = now
    plan.delete_reason = reason
    plan.active = False
    plan.version += 1
    plan.updated_at = now
    await session.flush()
    await record(
        session,
        actor=subject,
        action="patrol_plan.delete",
        object_type="patrol_plan",
        object_id=plan.id,
        before=before,
        detail={"reason": reason},
    )


async def list_plans(
    session: AsyncSession,
    *,
    subject: Subject,
    team_id: uuid.UUID | None,
    after: tuple[str, uuid.UUID] | None,
    limit: int,
) -> list[PatrolPlan]:
    stmt = scoped(select(PatrolPlan), subject, PatrolPlan).where(PatrolPlan.deleted_at.is_(None))
    if team_id:
        stmt = stmt.where(PatrolPlan.team_id == team_id)
    if after:
        stmt = stmt.where(tuple_(PatrolPlan.name, PatrolPlan.id) > tuple_(*after))
    stmt = stmt.order_by(PatrolPlan.name, PatrolPlan.id).limit(limit)
    return list((await session.scalars(stmt)).all())


async def list_results(
    session: AsyncSession,
    *,
    plan: PatrolPlan,
    status: str | None,
    before: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> list[PlanWindowResult]:
    """A plan's judged windows, newest first."""
    stmt = select(PlanWindowResult).where(PlanWindowResult.plan_id == plan.id)
    if status:
        stmt = stmt.where(PlanWindowResult.status == status)
    if before:
        stmt = stmt.where(
            tuple_(PlanWindowResult.window_start, PlanWindowResult.id) < tuple_(*before)
        )
    stmt = stmt.order_by(PlanWindowResult.window_start.desc(), PlanWindowResult.id.desc())
    return list((await session.scalars(stmt.limit(limit))).all())


async def plan_coverage(
    session: AsyncSession, *, plan: PatrolPlan, team: Team, since: datetime
) -> PlanCoverage:
    """Window outcomes since a time, and the last counted scan of each planned house."""
    rows = await session.execute(
        select(PlanWindowResult.status, func.count())
        .where(PlanWindowResult.plan_id == plan.id, PlanWindowResult.window_start >= since)
        .group_by(PlanWindowResult.status)
    )
    windows = Counter({"done": 0, "partial": 0, "missed": 0})
    windows.update(dict(rows.all()))
    houses = (await house_ids_of(session, [plan.id]))[plan.id]
    per_house = await house_coverage(session, team=team, house_ids=houses) if houses else []
    return PlanCoverage(plan_id=plan.id, since=since, windows=dict(windows), houses=per_house)

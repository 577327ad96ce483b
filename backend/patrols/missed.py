"""The missed-patrol job: judge each planned window once it is over, report the missed ones.

A window is judged ``plan_grace_minutes`` after it ends (phones upload late), once: results
are unique per (plan, window start) and inserted with ON CONFLICT DO NOTHING, so two workers
running the job together neither double the results nor the notifications.

- counted scans: the plan's team, inside the window (phone time), of a planned house (any
  house when the plan lists none), not rejected on review. A flagged scan still waiting for
  review counts: the job runs before people review, and a night with weak GPS is not missed;
- missed: no counted scan; done: at least ``min_scans`` counted scans and every planned house
  scanned; partial: anything in between.
"""

import uuid
from bisect import bisect_left
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.audit.service import record
from backend.core import clock
from backend.core.config import Settings
from backend.models import Team, TeamMember, UnionUnit, User, UserScope
from backend.models.patrol import CheckpointScan, PatrolPlan, PlanWindowResult
from backend.notifications.outbox import enqueue
from backend.patrols.plans import house_ids_of
from backend.policy.roles import Role
from backend.sync.upload_service import insert_ignore


@dataclass(frozen=True, slots=True)
class Window:
    local_date: date
    start: datetime  # UTC
    end: datetime  # UTC


def windows_of(plan: PatrolPlan, zone: ZoneInfo, first: date, last: date) -> list[Window]:
    """The plan's windows starting on local dates first..last (inclusive), in UTC."""
    out = []
    day = first
    while day <= last:
        if plan.days_of_week & (1 << (day.isoweekday() - 1)):
            end_day = day if plan.end_time > plan.start_time else day + timedelta(days=1)
            start = datetime.combine(day, plan.start_time, zone).astimezone(UTC)
            end = datetime.combine(end_day, plan.end_time, zone).astimezone(UTC)
            out.append(Window(day, start, end))
        day += timedelta(days=1)
    return out


def judge(scans: int, houses_scanned: int, houses_planned: int, min_scans: int) -> str:
    if scans == 0:
        return "missed"
    if scans >= min_scans and houses_scanned >= houses_planned:
        return "done"
    return "partial"


async def recipients(session: AsyncSession, team: Team) -> list[uuid.UUID]:
    """The team's leaders and the union officers whose subtree holds the team."""
    today = clock.today()
    leaders = (
        await session.scalars(
            select(TeamMember.user_id).where(
                TeamMember.team_id == team.id,
                TeamMember.role == "leader",
                TeamMember.user_id.is_not(None),
                TeamMember.deleted_at.is_(None),
                or_(TeamMember.until.is_(None), TeamMember.until >= today),
            )
        )
    ).all()
    team_path = await session.scalar(
        select(UnionUnit.path).where(UnionUnit.id == team.union_unit_id)
    )
    officers = []
    if team_path:
        officers = (
            await session.scalars(
                select(User.id)
                .join(UserScope, UserScope.user_id == User.id)
                .join(UnionUnit, UnionUnit.id == UserScope.union_unit_id)
                .where(
                    User.role == Role.union_officer,
                    User.is_active.is_(True),
                    UnionUnit.deleted_at.is_(None),
                    # the officer's unit is the team's union or one above it
                    literal(team_path).startswith(UnionUnit.path),
                )
            )
        ).all()
    return sorted({*leaders, *officers})


async def _due_windows(session, plans, zone, now, settings) -> dict:
    cutoff = now - timedelta(minutes=settings.plan_grace_minutes)
    earliest = now - timedelta(days=settings.plan_lookback_days)
    first = (earliest - timedelta(days=1)).astimezone(zone).date()
    last = cutoff.astimezone(zone).date()
    judged = set(
        (
            await session.execute(
                select(PlanWindowResult.plan_id, PlanWindowResult.window_start).where(
                    PlanWindowResult.plan_id.in_([p.id for p in plans]),
                    PlanWindowResult.window_start >= earliest - timedelta(days=2),
                )
            )
        ).all()
    )
    due = {}
    for plan in plans:
        windows = [
            w
            for w in windows_of(plan, zone, first, last)
            if earliest < w.end <= cutoff
            and w.start >= plan.created_at  # a plan does not judge the past it did not plan
            and (plan.id, w.start) not in judged
        ]
        if windows:
            due[plan.id] = windows
    return due


async def _scans_in(session, plan, houses, windows) -> list[tuple[datetime, uuid.UUID]]:
    stmt = select(CheckpointScan.scanned_at, CheckpointScan.house_id).where(
        CheckpointScan.team_id == plan.team_id,
        CheckpointScan.house_id.is_not(None),
        CheckpointScan.review_status != "rejected",
        CheckpointScan.scanned_at >= min(w.start for w in windows),
        CheckpointScan.scanned_at < max(w.end for w in windows),
    )
    if houses:
        stmt = stmt.where(CheckpointScan.house_id.in_(houses))
    return sorted((await session.execute(stmt)).all())


async def check_missed(
    session: AsyncSession, *, settings: Settings, now: datetime
) -> dict[str, int]:
    """Judge every window that is due; notify the missed ones. Counts by outcome."""
    zone = ZoneInfo(settings.plan_timezone)
    plans = list(
        (
            await session.scalars(
                select(PatrolPlan).where(
                    PatrolPlan.active.is_(True), PatrolPlan.deleted_at.is_(None)
                )
            )
        ).all()
    )
    counts = {"done": 0, "partial": 0, "missed": 0}
    if not plans:
        return counts
    due = await _due_windows(session, plans, zone, now, settings)
    houses_of = await house_ids_of(session, list(due))
    for plan in (p for p in plans if p.id in due):
        houses = houses_of.get(plan.id, [])
        windows = due[plan.id]
        scans = await _scans_in(session, plan, houses, windows)
        times = [t for t, _ in scans]
        rows = []
        for w in windows:
            inside = scans[bisect_left(times, w.start) : bisect_left(times, w.end)]
            scanned = {h for _, h in inside}
            status = judge(len(inside), len(scanned), len(houses), plan.min_scans)
            rows.append(
                {
                    "id": uuid.uuid4(),
                    "plan_id": plan.id,
                    "team_id": plan.team_id,
                    "local_date": w.local_date,
                    "window_start": w.start,
                    "window_end": w.end,
                    "status": status,
                    "scans": len(inside),
                    "houses_scanned": len(scanned),
                    "houses_planned": len(houses),
                    "notified": status == "missed",
                    "evaluated_at": now,
                }
            )
        inserted = await insert_ignore(session, PlanWindowResult, rows)
        new = [r for r in rows if r["id"] in inserted]
        for row in new:
            counts[row["status"]] += 1
        missed = [r for r in new if r["status"] == "missed"]
        if missed:
            await _notify(session, plan, missed)
    return counts


async def _notify(session: AsyncSession, plan: PatrolPlan, missed: list[dict]) -> None:
    team = await session.get(Team, plan.team_id)
    assert team is not None
    to = await recipients(session, team)
    for row in missed:
        payload = {
            "plan_id": str(plan.id),
            "plan_name": plan.name,
            "team_id": str(team.id),
            "team_name": team.name,
            "local_date": row["local_date"].isoformat(),
            "window_start": row["window_start"].isoformat(),
            "window_end": row["window_end"].isoformat(),
            "houses_planned": row["houses_planned"],
        }
        await enqueue(
            session,
            event_type="patrol.missed",
            payload=payload,
            recipient_user_ids=to,
            # the units' webhooks (a union above the team subscribed to its subtree) hear it too
            unit_ids=[team.union_unit_id, team.admin_unit_id],
        )
        await record(
            session,
            actor=None,
            action="patrol_plan.window_missed",
            object_type="patrol_plan",
            object_id=plan.id,
            detail={**payload, "recipients": [str(u) for u in to]},
        )

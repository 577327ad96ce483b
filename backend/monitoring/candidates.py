"""Suggest teams for commendation from their activity in a period.

Sources, each used only when its tables exist in this deployment (read defensively, since the
patrol and incident modules evolve on their own):

- patrols (``backend.models.patrol.Patrol``): regularity = weeks of the period with at least one
  patrol that was not abandoned, divided by the weeks in the period;
- incidents (``backend.models.incident.Incident``): reports submitted in the period that were
  not marked as duplicates (min(n, 6) / 6), with how many were closed shown alongside;
- awareness sessions (this module): sessions held (min(n, months) / months, i.e. one a month
  is full marks), with the audience reached shown alongside.

score = 100 × Σ weightᵢ × partᵢ / Σ weightᵢ over the sources available. These are raw
GROUP BY queries over one period (at most a year) for the caller's teams, not dashboard rollups.
"""

import importlib
import math
import uuid
from datetime import date, timedelta

from sqlalchemy import and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.core.errors import Invalid
from backend.models import Team, UnionUnit
from backend.models.monitoring import AwarenessSession, Commendation
from backend.monitoring.awareness_service import local_day_start
from backend.monitoring.commendation_schemas import Candidate, CandidateFigures, CandidateList
from backend.policy import Subject, scoped, under

MAX_DAYS = 366
WEIGHTS = {"patrols": 50.0, "incidents": 25.0, "awareness": 25.0}
INCIDENTS_FOR_FULL_MARKS = 6


def _model(module: str, name: str, *columns: str):
    """A model class if its module exists and has the columns we read, else None."""
    try:
        found = getattr(importlib.import_module(module), name, None)
    except ImportError:
        return None
    if found is None or not all(hasattr(found, c) for c in columns):
        return None
    return found


def _patrol_model():
    return _model("backend.models.patrol", "Patrol", "team_id", "started_at", "status")


def _incident_model():
    return _model(
        "backend.models.incident", "Incident", "team_id", "submitted_at", "closed_at", "status"
    )


async def _patrol_figures(session, model, teams, weeks: list[tuple]) -> dict:
    flags = [
        func.max(case((and_(model.started_at >= a, model.started_at < b), 1), else_=0))
        for a, b in weeks
    ]
    stmt = (
        select(model.team_id, func.count(), *flags)
        .where(
            model.team_id.in_(teams),
            model.started_at >= weeks[0][0],
            model.started_at < weeks[-1][1],
            model.status != "abandoned",
        )
        .group_by(model.team_id)
    )
    return {row[0]: (row[1], sum(row[2:])) for row in (await session.execute(stmt)).all()}


async def _incident_figures(session, model, teams, start, end) -> dict:
    conditions = [
        model.team_id.in_(teams),
        model.submitted_at >= start,
        model.submitted_at < end,
        model.status != "draft",
    ]
    if hasattr(model, "duplicate_of_id"):
        conditions.append(model.duplicate_of_id.is_(None))
    closed = func.sum(case((model.closed_at.is_not(None), 1), else_=0))
    stmt = select(model.team_id, func.count(), closed).where(*conditions).group_by(model.team_id)
    return {t: (n, int(c or 0)) for t, n, c in (await session.execute(stmt)).all()}


async def _awareness_figures(session, teams, start, end) -> dict:
    audience = func.sum(
        AwarenessSession.workers_count
        + AwarenessSession.landlords_count
        + AwarenessSession.others_count
    )
    stmt = (
        select(AwarenessSession.team_id, func.count(), audience)
        .where(
            AwarenessSession.team_id.in_(teams),
            AwarenessSession.deleted_at.is_(None),
            AwarenessSession.held_at >= start,
            AwarenessSession.held_at < end,
        )
        .group_by(AwarenessSession.team_id)
    )
    return {t: (n, int(a or 0)) for t, n, a in (await session.execute(stmt)).all()}


async def suggest(
    session: AsyncSession,
    *,
    subject: Subject,
    period_from: date,
    period_to: date,
    union_unit_id: uuid.UUID | None = None,
    limit: int = 50,
) -> CandidateList:
    """Active teams in the caller's scope ranked by their activity in the period."""
    days = (period_to - period_from).days + 1
    if days < 1 or days > MAX_DAYS:
        raise Invalid(code="invalid_period", max_days=MAX_DAYS)
    start, end = local_day_start(period_from), local_day_start(period_to + timedelta(days=1))
    week_starts = [period_from + timedelta(days=7 * i) for i in range(math.ceil(days / 7))]
    weeks = [
        (local_day_start(d), min(local_day_start(d + timedelta(days=7)), end)) for d in week_starts
    ]
    months = max(1, round(days / 30.44))

    team_stmt = scoped(select(Team.id), subject, Team).where(
        Team.deleted_at.is_(None), Team.status == "active"
    )
    if union_unit_id:
        path = await session.scalar(select(UnionUnit.path).where(UnionUnit.id == union_unit_id))
        team_stmt = team_stmt.where(
            Team.union_unit_id.in_(
                select(UnionUnit.id).where(under(UnionUnit.path, [path] if path else []))
            )
        )
    teams = team_stmt

    patrol, incident = _patrol_model(), _incident_model()
    basis = ["awareness"] + (["patrols"] if patrol else []) + (["incidents"] if incident else [])
    missing = [s for s in ("patrols", "incidents") if s not in basis]
    patrols = await _patrol_figures(session, patrol, teams, weeks) if patrol else {}
    incidents = await _incident_figures(session, incident, teams, start, end) if incident else {}
    awareness = await _awareness_figures(session, teams, start, end)
    last = dict(
        (
            await session.execute(
                select(Commendation.team_id, func.max(Commendation.decided_on))
                .where(
                    Commendation.team_id.in_(teams),
                    Commendation.recipient_kind == "team",
                    Commendation.deleted_at.is_(None),
                )
                .group_by(Commendation.team_id)
            )
        ).all()
    )

    total_weight = sum(WEIGHTS[s] for s in basis)
    items: list[Candidate] = []
    rows = await session.execute(
        select(Team.id, Team.name, Team.union_unit_id).where(Team.id.in_(teams))
    )
    for team_id, name, union_id in rows.all():
        n_patrols, n_weeks = patrols.get(team_id, (0, 0))
        n_reported, n_closed = incidents.get(team_id, (0, 0))
        n_sessions, audience = awareness.get(team_id, (0, 0))
        parts = {
            "patrols": n_weeks / len(weeks),
            "incidents": min(n_reported, INCIDENTS_FOR_FULL_MARKS) / INCIDENTS_FOR_FULL_MARKS,
            "awareness": min(n_sessions, months) / months,
        }
        score = 100 * sum(WEIGHTS[s] * parts[s] for s in basis) / total_weight
        if score <= 0:
            continue
        figures = CandidateFigures(
            patrols=n_patrols if patrol else None,
            weeks_with_patrol=n_weeks if patrol else None,
            weeks_in_period=len(weeks),
            patrol_regularity=round(parts["patrols"], 4) if patrol else None,
            incidents_reported=n_reported if incident else None,
            incidents_closed=n_closed if incident else None,
            awareness_sessions=n_sessions,
            awareness_audience=audience,
        )
        items.append(
            Candidate(
                team_id=team_id,
                team_name=name,
                union_unit_id=union_id,
                score=round(score, 2),
                figures=figures,
                last_commended_on=last.get(team_id),
            )
        )
    items.sort(key=lambda c: (-c.score, c.team_name))
    return CandidateList(
        period_from=period_from,
        period_to=period_to,
        basis=basis,
        missing_sources=missing,
        weights={s: WEIGHTS[s] for s in basis},
        items=items[:limit],
    )

"""Load-and-check dependencies: the object, if the caller may see it, else 404."""

import uuid
from typing import Annotated

from fastapi import Depends

from backend.core.db import SessionDep
from backend.models import Team
from backend.models.patrol import CheckpointScan, Patrol, PatrolPlan
from backend.policy import get_visible
from backend.policy.deps import CurrentSubject


async def valid_patrol_id(
    session: SessionDep, subject: CurrentSubject, patrol_id: uuid.UUID
) -> Patrol:
    return await get_visible(session, subject, Patrol, patrol_id)


async def valid_scan_id(
    session: SessionDep, subject: CurrentSubject, scan_id: uuid.UUID
) -> CheckpointScan:
    return await get_visible(session, subject, CheckpointScan, scan_id)


async def valid_plan_id(
    session: SessionDep, subject: CurrentSubject, plan_id: uuid.UUID
) -> PatrolPlan:
    return await get_visible(session, subject, PatrolPlan, plan_id)


async def visible_team(session: SessionDep, subject: CurrentSubject, team_id: uuid.UUID) -> Team:
    return await get_visible(session, subject, Team, team_id)


VisiblePatrol = Annotated[Patrol, Depends(valid_patrol_id)]
VisibleScan = Annotated[CheckpointScan, Depends(valid_scan_id)]
VisiblePlan = Annotated[PatrolPlan, Depends(valid_plan_id)]

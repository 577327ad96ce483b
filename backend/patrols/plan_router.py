"""Patrol plan routes: the schedule, its judged windows, and its coverage."""

import uuid
from datetime import datetime, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response, status

from backend.core.db import SessionDep
from backend.core.etag import IfMatch, check_if_match, set_etag
from backend.core.idempotency import Idempotency, idempotent
from backend.core.pagination import Page, PageDep, decode_keys, encode_cursor
from backend.models import Team
from backend.models.base import utcnow
from backend.patrols import plans
from backend.patrols.dependencies import VisiblePlan
from backend.patrols.plan_schemas import (
    PlanCoverage,
    PlanCreate,
    PlanRead,
    PlanUpdate,
    WindowResultRead,
)
from backend.policy import Subject, get_visible
from backend.policy.deps import allowed

router = APIRouter(prefix="/patrol-plans", tags=["patrols"])
Writer = Annotated[Subject, allowed("patrol_plan.write")]
Reader = Annotated[Subject, allowed("patrol.read")]
Idem = Annotated[Idempotency, idempotent()]


@router.post(
    "",
    name="patrol-plans-create",
    response_model=PlanRead,
    status_code=201,
    responses={409: {"description": "same Idempotency-Key still in flight"}},
)
async def create_plan(
    request: Request, session: SessionDep, subject: Writer, idem: Idem, body: PlanCreate
):
    """Add a patrol plan (kế hoạch tuần tra) to a team (honours Idempotency-Key)."""
    if idem.replay is not None:
        return idem.replay
    team = await get_visible(session, subject, Team, body.team_id)
    plan, houses = await plans.create_plan(session, subject=subject, team=team, body=body)
    read = plans.to_read(plan, houses, request.app.state.settings)
    return await idem.respond(session, read, status_code=201, headers={"ETag": f'"{plan.version}"'})


@router.get("", name="patrol-plans-list", response_model=Page[PlanRead])
async def list_plans(
    request: Request,
    session: SessionDep,
    subject: Reader,
    page: PageDep,
    team_id: uuid.UUID | None = None,
):
    """Plans of the teams the caller may see, by name."""
    after = decode_keys(page.cursor, str, uuid.UUID)
    rows = await plans.list_plans(
        session, subject=subject, team_id=team_id, after=after, limit=page.limit + 1
    )
    more = len(rows) > page.limit
    rows = rows[: page.limit]
    houses = await plans.house_ids_of(session, [p.id for p in rows])
    settings = request.app.state.settings
    return Page(
        items=[plans.to_read(p, houses.get(p.id, []), settings) for p in rows],
        next_cursor=encode_cursor([rows[-1].name, rows[-1].id]) if more else None,
    )


@router.get("/{plan_id}", name="patrol-plans-get", response_model=PlanRead)
async def get_plan(
    request: Request, session: SessionDep, plan: VisiblePlan, subject: Reader, response: Response
):
    """One plan, with its ETag."""
    houses = await plans.house_ids_of(session, [plan.id])
    set_etag(response, plan.version)
    return plans.to_read(plan, houses.get(plan.id, []), request.app.state.settings)


@router.patch("/{plan_id}", name="patrol-plans-update", response_model=PlanRead)
async def update_plan(
    request: Request,
    session: SessionDep,
    plan: VisiblePlan,
    subject: Writer,
    body: PlanUpdate,
    response: Response,
    if_match: IfMatch = None,
):
    """Change a plan (If-Match required); windows already judged keep their result."""
    check_if_match(if_match, plan.version)
    plan, houses = await plans.update_plan(
        session, subject=subject, plan=plan, changes=body, now=utcnow()
    )
    set_etag(response, plan.version)
    return plans.to_read(plan, houses, request.app.state.settings)


@router.delete("/{plan_id}", name="patrol-plans-delete", status_code=status.HTTP_204_NO_CONTENT)
async def delete_plan(
    session: SessionDep,
    plan: VisiblePlan,
    subject: Writer,
    reason: Annotated[str, Query(min_length=3, max_length=500)],
    if_match: IfMatch = None,
):
    """Retire a plan (If-Match required); its results stay."""
    check_if_match(if_match, plan.version)
    await plans.delete_plan(session, subject=subject, plan=plan, reason=reason, now=utcnow())
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/{plan_id}/results", name="patrol-plans-results", response_model=Page[WindowResultRead]
)
async def plan_results(
    session: SessionDep,
    plan: VisiblePlan,
    subject: Reader,
    page: PageDep,
    outcome: Literal["done", "partial", "missed"] | None = None,
):
    """The plan's judged windows, newest first."""
    before = decode_keys(page.cursor, datetime.fromisoformat, uuid.UUID)
    rows = await plans.list_results(
        session, plan=plan, status=outcome, before=before, limit=page.limit + 1
    )
    more = len(rows) > page.limit
    rows = rows[: page.limit]
    cursor = encode_cursor([rows[-1].window_start.isoformat(), rows[-1].id]) if more else None
    return Page(items=[WindowResultRead.model_validate(r) for r in rows], next_cursor=cursor)


@router.get("/{plan_id}/coverage", name="patrol-plans-coverage", response_model=PlanCoverage)
async def plan_coverage(
    session: SessionDep,
    plan: VisiblePlan,
    subject: Reader,
    days: Annotated[int, Query(ge=1, le=366)] = 30,
):
    """Windows done / partial / missed in the last `days`, and each planned house's last scan."""
    team = await session.get(Team, plan.team_id)
    since = utcnow() - timedelta(days=days)
    return await plans.plan_coverage(session, plan=plan, team=team, since=since)

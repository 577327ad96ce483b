"""Incident routes: report (idempotent PUT), read in the caller's view, lists, queue, feed."""

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, Field
from sqlalchemy import select

from backend.core.db import SessionDep, StatementSessionDep
from backend.core.pagination import Page, PageDep, decode_keys, encode_cursor, page_of
from backend.core.params import QueryDateTime
from backend.core.routing import GuardedRouter
from backend.incidents import queries, service
from backend.incidents.actions_router import router as actions_router
from backend.incidents.attachments_router import router as attachments_router
from backend.incidents.deps import SealerDep, SettingsDep, VisibleIncident
from backend.incidents.router_common import read_incident
from backend.incidents.schemas import CategoryRead, IncidentPut, IncidentRead, IncidentSummary
from backend.models import utcnow
from backend.models.incident import IncidentCategory
from backend.policy import Subject
from backend.policy.deps import CurrentCaller, CurrentSubject, allowed

incidents = APIRouter(prefix="/api/v1", tags=["incidents"])
QueueReader = Annotated[Subject, allowed("incident.queue")]


async def _filters(
    category: Annotated[list[str] | None, Query(max_length=20)] = None,
    severity: Annotated[list[Annotated[int, Field(ge=1, le=4)]] | None, Query(max_length=4)] = None,
    status: Annotated[list[str] | None, Query(max_length=11)] = None,
    occurred_from: QueryDateTime | None = None,
    occurred_to: QueryDateTime | None = None,
    site_id: uuid.UUID | None = None,
    house_id: uuid.UUID | None = None,
    team_id: uuid.UUID | None = None,
    union_unit_id: Annotated[uuid.UUID | None, Query(description="a union subtree")] = None,
    q: Annotated[str | None, Query(max_length=100, description="text, diacritics ignored")] = None,
) -> queries.Filters:
    return queries.Filters(
        category=category,
        severity=severity,
        status=status,
        occurred_from=occurred_from,
        occurred_to=occurred_to,
        site_id=site_id,
        house_id=house_id,
        team_id=team_id,
        union_unit_id=union_unit_id,
        q=q,
    )


FiltersDep = Annotated[queries.Filters, Depends(_filters)]


class ChangesPage(BaseModel):
    """Changed incidents; keep ``next_cursor`` and send it back as ``since`` next time."""

    items: list[IncidentSummary]
    next_cursor: str | None
    has_more: bool


@incidents.get(
    "/incident-categories", name="incident-categories-list", response_model=Page[CategoryRead]
)
async def list_categories(session: SessionDep, _: CurrentSubject, page: PageDep):
    """The incident taxonomy as data: categories, and sub-types (`parent_code` set)."""
    rows = await session.scalars(
        select(IncidentCategory)
        .where(IncidentCategory.active.is_(True))
        .order_by(IncidentCategory.sort_order, IncidentCategory.code)
    )
    reads = [CategoryRead.model_validate(r, from_attributes=True) for r in rows.all()]
    return page_of(
        reads, cursor=page.cursor, limit=page.limit, key=lambda c: (c.sort_order, c.code)
    )


@incidents.get("/incidents", name="incidents-list", response_model=Page[IncidentSummary])
async def list_incidents(
    session: SessionDep, subject: CurrentSubject, page: PageDep, filters: FiltersDep
):
    """Incidents (vụ việc) in the caller's scope (a team its own; union its subtree; police its
    area)."""
    after = decode_keys(page.cursor, datetime.fromisoformat, uuid.UUID)
    rows = await queries.list_incidents(
        session, subject=subject, filters=filters, after_key=after, limit=page.limit + 1
    )
    more = len(rows) > page.limit
    rows = rows[: page.limit]
    cursor = encode_cursor([rows[-1].created_at.isoformat(), str(rows[-1].id)]) if more else None
    return Page(
        items=[IncidentSummary.model_validate(r, from_attributes=True) for r in rows],
        next_cursor=cursor,
    )


@incidents.get("/incidents/queue", name="incidents-queue", response_model=Page[IncidentSummary])
async def incident_queue(
    session: SessionDep, subject: QueueReader, page: PageDep, filters: FiltersDep
):
    """What the caller's side must act on: unacknowledged first, soonest deadline first."""
    after = decode_keys(page.cursor, int, datetime.fromisoformat, uuid.UUID)
    rows = await queries.queue(
        session, subject=subject, filters=filters, after_key=after, limit=page.limit + 1
    )
    more = len(rows) > page.limit
    rows = rows[: page.limit]
    cursor = None
    if more:
        incident, rank, due = rows[-1]
        cursor = encode_cursor([rank, due.isoformat(), str(incident.id)])
    return Page(
        items=[IncidentSummary.model_validate(r[0], from_attributes=True) for r in rows],
        next_cursor=cursor,
    )


@incidents.get("/incidents/changes", name="incidents-changes", response_model=ChangesPage)
async def incident_changes(
    session: SessionDep,
    subject: CurrentSubject,
    settings: SettingsDep,
    page: PageDep,
    since: Annotated[str | None, Query(description="next_cursor of the previous call")] = None,
):
    """Incidents changed since a cursor, for the phone's offline cache."""
    after = decode_keys(since, datetime.fromisoformat, uuid.UUID)
    rows = await queries.changes(
        session,
        subject=subject,
        since=after,
        now=utcnow(),
        settle_seconds=settings.incident_feed_settle_seconds,
        limit=page.limit + 1,
    )
    more = len(rows) > page.limit
    rows = rows[: page.limit]
    cursor = since
    if rows:
        cursor = encode_cursor([rows[-1].updated_at.isoformat(), str(rows[-1].id)])
    return ChangesPage(
        items=[IncidentSummary.model_validate(r, from_attributes=True) for r in rows],
        next_cursor=cursor,
        has_more=more,
    )


@incidents.put(
    "/incidents/{incident_id}",
    name="incidents-put",
    response_model=IncidentRead,
    responses={201: {"model": IncidentRead, "description": "created"}},
)
async def put_incident(
    # Its one write is one statement (journal_pg): no BEGIN and COMMIT round trips.
    session: StatementSessionDep,
    caller: CurrentCaller,
    sealer: SealerDep,
    settings: SettingsDep,
    incident_id: uuid.UUID,
    body: IncidentPut,
    response: Response,
):
    """Report an incident (báo vụ việc) under the phone's UUID: 201 once, 200 for an identical re-
    send,
    409 `incident_conflict` for a different body under the same id."""
    subject = caller.subject
    incident, created, current = await service.put_incident(
        session,
        subject=subject,
        incident_id=incident_id,
        body=body,
        sealer=sealer,
        settings=settings,
        now=utcnow(),
    )
    response.status_code = 201 if created else 200
    return await read_incident(
        session, incident, subject, sealer, response, current=current, caller_account=caller.account
    )


@incidents.get("/incidents/{incident_id}", name="incidents-get", response_model=IncidentRead)
async def get_incident(
    session: SessionDep,
    subject: CurrentSubject,
    sealer: SealerDep,
    incident: VisibleIncident,
    response: Response,
):
    """One incident in the caller's view (`view`: full, union, team or reporter)."""
    return await read_incident(session, incident, subject, sealer, response)


# Fixed paths (/incidents/queue, /incidents/changes) come before /incidents/{incident_id}.
router = GuardedRouter()
for _sub in (incidents, actions_router, attachments_router):
    router.include_router(_sub)

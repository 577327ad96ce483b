"""Patrol routes: patrols, checkpoint scans, tracks, plans, review."""

import uuid
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response

from backend.audit.service import record_personal_read
from backend.core.db import SessionDep
from backend.core.pagination import Page, PageDep, decode_keys, encode_cursor, page_of
from backend.core.params import QueryDateTime
from backend.core.routing import GuardedRouter
from backend.models import Team
from backend.models.base import utcnow
from backend.patrols import review, service, tracks
from backend.patrols.dependencies import VisiblePatrol, VisibleScan
from backend.patrols.flags import FLAG_NAMES, Flag
from backend.patrols.plan_router import router as plan_router
from backend.patrols.plan_schemas import HouseCoverage
from backend.patrols.schemas import (
    PatrolChanges,
    PatrolEndPut,
    PatrolPut,
    PatrolRead,
    PatrolSummary,
    ScanRead,
    ScanReview,
    TrackRead,
)
from backend.policy import Subject, authorize, get_visible
from backend.policy.deps import CurrentSubject, allowed

router = GuardedRouter(prefix="/api/v1")
patrols = APIRouter(prefix="/patrols", tags=["patrols"])
scans = APIRouter(prefix="/scans", tags=["patrols"])

Writer = Annotated[Subject, allowed("patrol.write")]
Reader = Annotated[Subject, allowed("patrol.read")]
Reviewer = Annotated[Subject, allowed("scan.review")]
FlagName = Literal[tuple(FLAG_NAMES)]  # type: ignore[valid-type]
ReviewStatus = Literal["none", "pending", "accepted", "rejected"]


def _stamp(value):
    return None if value is None else datetime.fromisoformat(value)


def _uuid(value):
    return None if value is None else uuid.UUID(value)


@patrols.get("", name="patrols-list", response_model=Page[PatrolSummary])
async def list_patrols(
    session: SessionDep,
    subject: Reader,
    page: PageDep,
    team_id: uuid.UUID | None = None,
    status: Literal["in_progress", "completed", "abandoned"] | None = None,
    started_from: Annotated[QueryDateTime | None, Query(description="RFC 3339")] = None,
    started_to: Annotated[QueryDateTime | None, Query(description="RFC 3339, exclusive")] = None,
):
    """Patrols (tuần tra) the caller may see, newest first, with scan counts (summaries, no
    tracks)."""
    after = decode_keys(page.cursor, datetime.fromisoformat, uuid.UUID)
    rows = await service.list_patrols(
        session,
        subject=subject,
        team_id=team_id,
        status=status,
        started_from=started_from,
        started_to=started_to,
        after=after,
        limit=page.limit + 1,
    )
    more = len(rows) > page.limit
    rows = rows[: page.limit]
    last = rows[-1] if rows else None
    return Page(
        items=await service.summaries(session, rows),
        next_cursor=encode_cursor([last.started_at.isoformat(), last.id]) if more else None,
    )


@patrols.get("/changes", name="patrols-changes", response_model=PatrolChanges)
async def patrol_changes(
    request: Request,
    session: SessionDep,
    subject: Reader,
    since: Annotated[str | None, Query(description="next_cursor of the previous call")] = None,
    team_id: uuid.UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
):
    """Patrols and scans changed since the cursor (for the other phones of the team).

    Call with no cursor first, then with `next_cursor` until `has_more` is false. Rows are
    sent again when they change (a patrol's end, a scan's review or new flag); replace by id.
    """
    keys = decode_keys(since, _stamp, _uuid, _stamp, _uuid) or (None, None, None, None)
    p_after = (keys[0], keys[1]) if keys[0] else None
    s_after = (keys[2], keys[3]) if keys[2] else None
    horizon = service.settle_horizon(utcnow(), request.app.state.settings)
    found_patrols, found_scans, more = await service.changes(
        session,
        subject=subject,
        team_id=team_id,
        patrols_after=p_after,
        scans_after=s_after,
        limit=limit,
        horizon=horizon,
    )
    if found_patrols:
        p_after = (found_patrols[-1].updated_at, found_patrols[-1].id)
    if found_scans:
        s_after = (found_scans[-1].updated_at, found_scans[-1].id)
    cursor = [
        p_after[0].isoformat() if p_after else None,
        p_after[1] if p_after else None,
        s_after[0].isoformat() if s_after else None,
        s_after[1] if s_after else None,
    ]
    return PatrolChanges(
        patrols=[PatrolRead.model_validate(p) for p in found_patrols],
        scans=[ScanRead.of(s) for s in found_scans],
        next_cursor=encode_cursor(cursor),
        has_more=more,
    )


@patrols.get("/coverage", name="patrols-coverage", response_model=Page[HouseCoverage])
async def coverage(session: SessionDep, subject: Reader, team_id: uuid.UUID, page: PageDep):
    """Each house the team covers, with its last counted scan (unflagged or accepted)."""
    team = await get_visible(session, subject, Team, team_id)
    rows = [
        HouseCoverage.model_validate(r, from_attributes=True)
        for r in await service.house_coverage(session, team=team)
    ]
    return page_of(
        rows, cursor=page.cursor, limit=page.limit, key=lambda h: (h.name or "", str(h.house_id))
    )


@patrols.put(
    "/{patrol_id}",
    name="patrols-put",
    response_model=PatrolRead,
    responses={
        200: {"description": "already stored with this body: nothing changed"},
        201: {"description": "created"},
        409: {"description": "this id is stored with another body (code patrol_conflict)"},
    },
)
async def put_patrol(
    request: Request,
    response: Response,
    session: SessionDep,
    subject: Writer,
    patrol_id: uuid.UUID,
    body: PatrolPut,
):
    """Start a patrol (tuần tra) under the phone's own id; an identical re-send changes nothing."""
    patrol, created = await service.put_patrol(
        session,
        subject=subject,
        settings=request.app.state.settings,
        patrol_id=patrol_id,
        body=body,
        device_id=getattr(request.state, "device_id", None),
        now=utcnow(),
    )
    response.status_code = 201 if created else 200
    return PatrolRead.model_validate(patrol)


@patrols.get("/{patrol_id}", name="patrols-get", response_model=PatrolSummary)
async def get_patrol(session: SessionDep, patrol: VisiblePatrol, subject: Reader):
    """One patrol with its scan counts."""
    [summary] = await service.summaries(session, [patrol])
    return summary


@patrols.put(
    "/{patrol_id}/end",
    name="patrols-end",
    response_model=PatrolRead,
    responses={409: {"description": "already ended otherwise (code patrol_end_conflict)"}},
)
async def end_patrol(
    request: Request,
    session: SessionDep,
    patrol: VisiblePatrol,
    subject: Writer,
    body: PatrolEndPut,
):
    """Record how the patrol ended; an identical re-send changes nothing."""
    patrol, _ = await service.end_patrol(
        session,
        subject=subject,
        settings=request.app.state.settings,
        patrol=patrol,
        body=body,
        now=utcnow(),
    )
    return PatrolRead.model_validate(patrol)


@patrols.get("/{patrol_id}/scans", name="patrols-scans", response_model=Page[ScanRead])
async def patrol_scans(session: SessionDep, patrol: VisiblePatrol, subject: Reader, page: PageDep):
    """The patrol's scans with their flags (the team and the unions above it)."""
    return await _scan_page(session, subject, page, patrol_id=patrol.id)


@patrols.get("/{patrol_id}/track", name="patrols-track", response_model=TrackRead)
async def patrol_track(session: SessionDep, subject: CurrentSubject, patrol: VisiblePatrol):
    """The patrol's GPS track: the team's own members only (audited)."""
    authorize(subject, "track.read")
    return await tracks.read_track(session, subject=subject, patrol=patrol)


async def _scan_page(session, subject: Subject, page, **filters) -> Page[ScanRead]:
    authorize(subject, "scan.read")  # police see patrol summaries, not individual scans
    after = decode_keys(page.cursor, datetime.fromisoformat, uuid.UUID)
    rows = await service.list_scans(
        session, subject=subject, after=after, limit=page.limit + 1, **filters
    )
    more = len(rows) > page.limit
    rows = rows[: page.limit]
    # A scan's fix is where a team member stood at a time: reading others' is access-logged.
    await record_personal_read(
        session,
        actor=subject,
        object_type="checkpoint_scan",
        ids=[r.id for r in rows if r.lat is not None],
        fields=["lat", "lon", "accuracy_m"],
    )
    cursor = encode_cursor([rows[-1].scanned_at.isoformat(), rows[-1].id]) if more else None
    return Page(items=rows, next_cursor=cursor)


@scans.get("", name="scans-list", response_model=Page[ScanRead])
async def list_scans(
    session: SessionDep,
    subject: Reader,
    page: PageDep,
    team_id: uuid.UUID | None = None,
    review_status: Annotated[
        ReviewStatus | None, Query(description="pending = the review queue")
    ] = None,
    flag: FlagName | None = None,
):
    """Scans the caller may see, newest first; filter by team, review status, flag."""
    bit = int(Flag[flag]) if flag else None
    return await _scan_page(
        session, subject, page, team_id=team_id, review_status=review_status, flag=bit
    )


@scans.get("/{scan_id}", name="scans-get", response_model=ScanRead)
async def get_scan(session: SessionDep, scan: VisibleScan, subject: Reader):
    """One scan with its flags and review."""
    if scan.lat is not None and scan.uploaded_by != subject.user_id:
        await record_personal_read(
            session,
            actor=subject,
            object_type="checkpoint_scan",
            ids=[scan.id],
            fields=["lat", "lon", "accuracy_m"],
        )
    return ScanRead.of(scan)


@scans.put(
    "/{scan_id}/review",
    name="scans-review",
    response_model=ScanRead,
    responses={409: {"description": "the scan is not flagged (code scan_not_flagged)"}},
)
async def review_scan(session: SessionDep, scan: VisibleScan, subject: Reviewer, body: ScanReview):
    """Review a flagged checkpoint scan: accept or reject it, with a comment (audited; statistics
    use the result)."""
    scan = await review.review_scan(
        session,
        subject=subject,
        scan=scan,
        decision=body.decision,
        comment=body.comment,
        now=utcnow(),
    )
    return ScanRead.of(scan)


router.include_router(patrols)
router.include_router(scans)
router.include_router(plan_router)

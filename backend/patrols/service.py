"""Patrols: idempotent create and end, lists with scan counts, the team's change feed."""

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from backend.audit.service import record
from backend.core import clock
from backend.core.config import Settings
from backend.core.errors import Conflict, DomainError
from backend.models import BoardingHouse, Team, TeamHouse
from backend.models.patrol import CheckpointScan, Patrol
from backend.patrols.flags import counted_clause
from backend.patrols.ingest import handle_patrol_ends, handle_patrols
from backend.patrols.schemas import (
    PatrolEndItem,
    PatrolEndPut,
    PatrolItem,
    PatrolPut,
    PatrolRead,
    PatrolSummary,
    ScanRead,
)
from backend.policy import Subject, scoped
from backend.sync.upload_service import (
    Envelope,
    ItemMeta,
    ItemResult,
    UploadContext,
    body_hash,
    lock_ids,
)

# Hashes are bytes and the QR secret is a secret: neither belongs in the audit trail.
AUDIT_EXCLUDE = {"body_hash", "end_hash", "token"}


def audit_view(obj) -> dict[str, Any]:
    """A JSON-safe copy of a patrol-domain row for audit before/after."""
    return obj.model_dump(mode="json", exclude=AUDIT_EXCLUDE)


def _raise_for(result: ItemResult) -> None:
    """Turn an item answer into the HTTP error a single-record route gives."""
    if result.status == "conflict":
        raise Conflict(code=result.problem["code"])  # type: ignore[index]
    if result.status == "rejected":
        problem = dict(result.problem or {})
        extra = {k: v for k, v in problem.items() if k not in ("type", "title", "status", "code")}
        raise DomainError(code=problem["code"], status=problem["status"], **extra)


def _single(
    session: AsyncSession, subject: Subject, settings: Settings, now: datetime, device_id
) -> tuple[UploadContext, ItemMeta]:
    ctx = UploadContext(session=session, settings=settings, now=now, subject=subject)
    meta = ItemMeta(now, None, subject.user_id, device_id, subject.team_ids)
    return ctx, meta


async def put_patrol(
    session: AsyncSession,
    *,
    subject: Subject,
    settings: Settings,
    patrol_id: uuid.UUID,
    body: PatrolPut,
    device_id: uuid.UUID | None = None,
    now: datetime,
) -> tuple[Patrol, bool]:
    """Create the patrol, or recognise an identical re-send; (patrol, created)."""
    ctx, meta = _single(session, subject, settings, now, device_id)
    item = PatrolItem(kind="patrol", id=patrol_id, **body.model_dump())
    await lock_ids(session, [patrol_id])
    [result] = await handle_patrols(ctx, [Envelope(0, item, meta, body_hash(item))])
    _raise_for(result)
    patrol = await session.get(Patrol, patrol_id)
    assert patrol is not None
    created = result.status == "created"
    if created:
        await record(
            session,
            actor=subject,
            action="patrol.create",
            object_type="patrol",
            object_id=patrol.id,
            after=audit_view(patrol),
        )
    return patrol, created


async def end_patrol(
    session: AsyncSession,
    *,
    subject: Subject,
    settings: Settings,
    patrol: Patrol,
    body: PatrolEndPut,
    now: datetime,
) -> tuple[Patrol, bool]:
    """Record the end of a patrol, or recognise an identical re-send; (patrol, changed)."""
    ctx, meta = _single(session, subject, settings, now, None)
    item = PatrolEndItem(kind="patrol_end", id=patrol.id, **body.model_dump())
    before = audit_view(patrol)
    await lock_ids(session, [patrol.id])
    [result] = await handle_patrol_ends(ctx, [Envelope(0, item, meta, body_hash(item))])
    _raise_for(result)
    await session.refresh(patrol)
    changed = result.status == "created"
    if changed:
        await record(
            session,
            actor=subject,
            action="patrol.end",
            object_type="patrol",
            object_id=patrol.id,
            before=before,
            after=audit_view(patrol),
        )
    return patrol, changed


async def summaries(session: AsyncSession, patrols: list[Patrol]) -> list[PatrolSummary]:
    """Patrols with their scan counts, in one aggregate query."""
    ids = [p.id for p in patrols]
    counts: dict[uuid.UUID, tuple[int, int, int]] = {}
    if ids:
        rows = await session.execute(
            select(
                CheckpointScan.patrol_id,
                func.count(),
                func.sum(case((CheckpointScan.flags != 0, 1), else_=0)),
                func.count(CheckpointScan.house_id.distinct()),
            )
            .where(CheckpointScan.patrol_id.in_(ids))
            .group_by(CheckpointScan.patrol_id)
        )
        counts = {pid: (n, int(flagged or 0), houses) for pid, n, flagged, houses in rows}
    out = []
    for p in patrols:
        n, flagged, houses = counts.get(p.id, (0, 0, 0))
        base = PatrolRead.model_validate(p).model_dump()
        out.append(PatrolSummary(**base, scans=n, flagged_scans=flagged, houses_scanned=houses))
    return out


async def list_patrols(
    session: AsyncSession,
    *,
    subject: Subject,
    team_id: uuid.UUID | None = None,
    status: str | None = None,
    started_from: datetime | None = None,
    started_to: datetime | None = None,
    after: tuple[datetime, uuid.UUID] | None = None,
    limit: int,
) -> list[Patrol]:
    """Patrols the subject may see, newest first (keyset on started_at, id)."""
    stmt = scoped(select(Patrol), subject, Patrol)
    if team_id:
        stmt = stmt.where(Patrol.team_id == team_id)
    if status:
        stmt = stmt.where(Patrol.status == status)
    if started_from:
        stmt = stmt.where(Patrol.started_at >= started_from)
    if started_to:
        stmt = stmt.where(Patrol.started_at < started_to)
    if after:
        stmt = stmt.where(tuple_(Patrol.started_at, Patrol.id) < tuple_(*after))
    stmt = stmt.order_by(Patrol.started_at.desc(), Patrol.id.desc()).limit(limit)
    return list((await session.scalars(stmt)).all())


async def list_scans(
    session: AsyncSession,
    *,
    subject: Subject,
    patrol_id: uuid.UUID | None = None,
    team_id: uuid.UUID | None = None,
    review_status: str | None = None,
    flag: int | None = None,
    after: tuple[datetime, uuid.UUID] | None = None,
    limit: int,
) -> list[ScanRead]:
    """Scans the subject may see, newest first; the review queue is review_status=pending."""
    stmt = scoped(select(CheckpointScan), subject, CheckpointScan)
    if patrol_id:
        stmt = stmt.where(CheckpointScan.patrol_id == patrol_id)
    if team_id:
        stmt = stmt.where(CheckpointScan.team_id == team_id)
    if review_status:
        stmt = stmt.where(CheckpointScan.review_status == review_status)
    if flag:
        stmt = stmt.where(CheckpointScan.flags.op("&")(flag) != 0)
    if after:
        stmt = stmt.where(tuple_(CheckpointScan.scanned_at, CheckpointScan.id) < tuple_(*after))
    stmt = stmt.order_by(CheckpointScan.scanned_at.desc(), CheckpointScan.id.desc()).limit(limit)
    return [ScanRead.of(s) for s in (await session.scalars(stmt)).all()]


def _after(stmt, model, key: tuple | None):
    if key is None:
        return stmt
    t, i = key
    return stmt.where(or_(model.updated_at > t, and_(model.updated_at == t, model.id > i)))


async def changes(
    session: AsyncSession,
    *,
    subject: Subject,
    team_id: uuid.UUID | None,
    patrols_after: tuple[datetime, uuid.UUID] | None,
    scans_after: tuple[datetime, uuid.UUID] | None,
    limit: int,
    horizon: datetime,
) -> tuple[list[Patrol], list[CheckpointScan], bool]:
    """Patrols and scans changed after the cursors and before ``horizon``, oldest first.

    Rows newer than the horizon (now minus a settle time) wait for the next call: a batch
    that committed late with an earlier timestamp can then never slip behind a cursor.
    """
    out: list[list[Any]] = []
    more = False
    for model, key in ((Patrol, patrols_after), (CheckpointScan, scans_after)):
        stmt = scoped(select(model), subject, model).where(model.updated_at <= horizon)
        if team_id:
            stmt = stmt.where(model.team_id == team_id)
        stmt = _after(stmt, model, key).order_by(model.updated_at, model.id).limit(limit + 1)
        rows = list((await session.scalars(stmt)).all())
        more = more or len(rows) > limit
        out.append(rows[:limit])
    return out[0], out[1], more


async def house_coverage(
    session: AsyncSession, *, team: Team, house_ids: list[uuid.UUID] | None = None
) -> list[dict[str, Any]]:
    """For each house the team covers (or the given ones): when it was last scanned.

    Only scans that count (unflagged, or accepted on review) are counted.
    """
    if house_ids is None:
        today = clock.today()
        house_ids = list(
            (
                await session.scalars(
                    select(TeamHouse.house_id).where(
                        TeamHouse.team_id == team.id,
                        TeamHouse.since <= today,
                        or_(TeamHouse.until.is_(None), TeamHouse.until >= today),
                    )
                )
            ).all()
        )
    if not house_ids:
        return []
    names = dict(
        (
            await session.execute(
                select(BoardingHouse.id, BoardingHouse.name).where(BoardingHouse.id.in_(house_ids))
            )
        ).all()
    )
    rows = await session.execute(
        select(
            CheckpointScan.house_id,
            func.max(CheckpointScan.scanned_at),
            func.count(),
        )
        .where(
            CheckpointScan.team_id == team.id,
            CheckpointScan.house_id.in_(house_ids),
            counted_clause(),
        )
        .group_by(CheckpointScan.house_id)
    )
    seen = {hid: (last, n) for hid, last, n in rows}
    return [
        {
            "house_id": hid,
            "name": names.get(hid),
            "last_scanned_at": seen.get(hid, (None, 0))[0],
            "scans": seen.get(hid, (None, 0))[1],
        }
        for hid in sorted(house_ids, key=lambda h: (names.get(h) or "", str(h)))
    ]


def settle_horizon(now: datetime, settings: Settings) -> datetime:
    return now - timedelta(seconds=settings.patrol_feed_settle_seconds)

"""GPS tracks: packed storage, upload handling, the team-only read, and retention."""

import struct
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.audit.service import record
from backend.models import Team
from backend.models.base import utcnow
from backend.models.patrol import Patrol, TrackSegment
from backend.patrols.ingest_scans import patrol_facts
from backend.patrols.schemas import TrackPointIn, TrackPointOut, TrackRead
from backend.policy import Subject, scoped
from backend.sync.upload_service import (
    Envelope,
    ItemResult,
    UploadContext,
    held_answer,
    held_hashes,
    hold,
    insert_ignore,
)

# latitude and longitude in 1e-7 degrees (~1 cm), milliseconds after the segment's first
# point, accuracy in decimetres (65535 = unknown): 14 bytes a point.
POINT = struct.Struct("<iiIH")
NO_ACCURACY = 0xFFFF


def encode(points: list[TrackPointIn]) -> tuple[datetime, datetime, bytes]:
    """Pack points (sorted by time) -> first time, last time, bytes."""
    points = sorted(points, key=lambda p: p.t)
    start = points[0].t
    packed = bytearray()
    for p in points:
        ms = int((p.t - start).total_seconds() * 1000)
        acc = NO_ACCURACY if p.accuracy_m is None else min(int(p.accuracy_m * 10), NO_ACCURACY - 1)
        packed += POINT.pack(round(p.lat * 1e7), round(p.lon * 1e7), min(ms, 0xFFFFFFFF), acc)
    return start, points[-1].t, bytes(packed)


def decode(start: datetime, blob: bytes) -> list[TrackPointOut]:
    """Unpack a segment's points."""
    return [
        TrackPointOut(
            t=start + timedelta(milliseconds=ms),
            lat=lat / 1e7,
            lon=lon / 1e7,
            accuracy_m=None if acc == NO_ACCURACY else acc / 10,
        )
        for lat, lon, ms, acc in POINT.iter_unpack(blob)
    ]


async def _stored(session: AsyncSession, ids) -> dict:
    if not ids:
        return {}
    rows = await session.execute(
        select(TrackSegment.id, TrackSegment.team_id, TrackSegment.body_hash).where(
            TrackSegment.id.in_(ids)
        )
    )
    return {sid: (team, bhash) for sid, team, bhash in rows}


def _against_stored(ctx: UploadContext, env: Envelope, stored: tuple) -> ItemResult:
    team_id, stored_hash = stored
    if team_id not in env.meta.team_ids:
        return ctx.rejected(env, 404, "not_found")
    return ctx.result(env, "duplicate") if stored_hash == env.body_hash else ctx.conflict(env)


async def handle_tracks(ctx: UploadContext, envs: list[Envelope]) -> list[ItemResult]:
    """Store track segments of teams that agreed to GPS tracking; hold those before the patrol."""
    session = ctx.session
    stored = await _stored(session, [env.item.id for env in envs])
    held = await held_hashes(
        session, "track", [e.item.id for e in envs if e.item.id not in stored and not e.from_held]
    )
    results, fresh = [], []
    for env in envs:
        if env.item.id in stored:
            results.append(_against_stored(ctx, env, stored[env.item.id]))
        elif env.item.id in held:
            results.append(held_answer(ctx, env, *held[env.item.id]))
        else:
            fresh.append(env)
    patrols = await patrol_facts(session, (env.item.patrol_id for env in fresh))
    teams = {p.team_id for p in patrols.values()}
    tracking = (
        dict(
            (
                await session.execute(select(Team.id, Team.gps_tracking).where(Team.id.in_(teams)))
            ).all()
        )
        if teams
        else {}
    )
    rows, waiting, filing = [], [], []
    for env in fresh:
        patrol = patrols.get(env.item.patrol_id)
        if patrol is None or patrol.team_id not in env.meta.team_ids:
            if env.from_held:
                results.append(ctx.rejected(env, 404, "not_found", detail="patrol"))
            else:
                waiting.append((env, env.item.patrol_id))
            continue
        if not tracking.get(patrol.team_id):
            # Location is personal data: without the team's consent it is not kept at all.
            results.append(ctx.rejected(env, 422, "gps_tracking_disabled"))
            continue
        start, end, blob = encode(env.item.points)
        rows.append(
            {
                "id": env.item.id,
                "patrol_id": patrol.id,
                "team_id": patrol.team_id,
                "started_at": start,
                "ended_at": end,
                "recorded_until": min(end, env.meta.received_at),
                "point_count": len(env.item.points),
                "points": blob,
                "received_at": env.meta.received_at,
                "uploaded_by": env.meta.user_id,
                "body_hash": env.body_hash,
            }
        )
        filing.append(env)
    inserted = await insert_ignore(session, TrackSegment, rows)
    late = await _stored(session, [e.item.id for e in filing if e.item.id not in inserted])
    for env in filing:
        if env.item.id in inserted:
            results.append(ctx.result(env, "created"))
        else:
            results.append(_against_stored(ctx, env, late[env.item.id]))
    if waiting:
        results.extend(await hold(ctx, "track", waiting))
    return results


async def read_track(session: AsyncSession, *, subject: Subject, patrol: Patrol) -> TrackRead:
    """A patrol's whole track, for the team (a sensitive read: audited)."""
    segments = (
        await session.scalars(
            scoped(
                select(TrackSegment).where(TrackSegment.patrol_id == patrol.id),
                subject,
                TrackSegment,
            ).order_by(TrackSegment.started_at)
        )
    ).all()
    points = sorted(
        (p for seg in segments for p in decode(seg.started_at, seg.points)), key=lambda p: p.t
    )
    await record(
        session,
        actor=subject,
        action="patrol.track.read",
        object_type="patrol",
        object_id=patrol.id,
        detail={"segments": len(segments), "points": len(points)},
    )
    return TrackRead(patrol_id=patrol.id, points=points)


async def purge_tracks(
    session: AsyncSession, *, retention_days: int, now: datetime | None = None
) -> int:
    """Delete track segments recorded more than ``retention_days`` ago; how many went."""
    cutoff = (now or utcnow()) - timedelta(days=retention_days)
    result = await session.execute(delete(TrackSegment).where(TrackSegment.recorded_until < cutoff))
    deleted = result.rowcount or 0
    if not deleted:
        return 0  # runs every minute under the worker: audit the deletions, not the checks
    await record(
        session,
        actor=None,
        action="patrol.track.purge",
        object_type="track_segment",
        detail={"deleted": deleted, "cutoff": cutoff.isoformat()},
    )
    return deleted

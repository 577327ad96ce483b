"""Filing patrols and patrol ends, set-based; used by the batch upload and by the PUT routes."""

import uuid
from datetime import timedelta

from sqlalchemy import case, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend.models import TeamMember
from backend.models.patrol import CheckpointScan, Patrol
from backend.patrols.flags import Flag
from backend.patrols.schemas import PatrolEndItem, PatrolEndPut, PatrolItem
from backend.sync.upload_service import (
    Envelope,
    ItemResult,
    UploadContext,
    body_hash,
    file_held,
    hold,
    insert_ignore,
)


def end_hash_of(status: str, ended_at, notes: str | None = None) -> bytes:
    """The hash a patrol_end item with these values would have."""
    return body_hash(PatrolEndPut(status=status, ended_at=ended_at, notes=notes))


async def _existing(session: AsyncSession, ids: list[uuid.UUID]) -> dict:
    if not ids:
        return {}
    rows = await session.execute(
        select(Patrol.id, Patrol.team_id, Patrol.body_hash).where(Patrol.id.in_(ids))
    )
    return {pid: (team_id, bhash) for pid, team_id, bhash in rows}


def _against_stored(ctx: UploadContext, env: Envelope, stored: tuple) -> ItemResult:
    team_id, stored_hash = stored
    if team_id not in env.meta.team_ids:
        return ctx.rejected(env, 404, "not_found")  # another team's patrol: do not reveal it
    if stored_hash == env.body_hash:
        return ctx.result(env, "duplicate")
    return ctx.conflict(env, "patrol_conflict")


async def _member_teams(session: AsyncSession, envs: list[Envelope]) -> dict:
    ids = {m for env in envs for m in env.item.member_ids}
    if not ids:
        return {}
    rows = await session.execute(
        select(TeamMember.id, TeamMember.team_id).where(
            TeamMember.id.in_(ids), TeamMember.deleted_at.is_(None)
        )
    )
    return dict(rows.all())


def _row(ctx: UploadContext, env: Envelope) -> dict:
    item: PatrolItem = env.item
    ended = item.ended_at is not None
    return {
        "id": item.id,
        "team_id": item.team_id,
        "status": item.status,
        "started_at": item.started_at,
        "ended_at": item.ended_at,
        "received_at": env.meta.received_at,
        "ended_received_at": env.meta.received_at if ended else None,
        "member_ids": [str(m) for m in item.member_ids],
        "notes": item.notes,
        "end_notes": None,
        "created_by": env.meta.user_id,
        "device_id": env.meta.device_id,
        "body_hash": env.body_hash,
        "end_hash": end_hash_of(item.status, item.ended_at) if ended else None,
        "updated_at": ctx.now,
    }


async def handle_patrols(ctx: UploadContext, envs: list[Envelope]) -> list[ItemResult]:
    """Create new patrols, recognise re-sends, then file the items that waited for them."""
    existing = await _existing(ctx.session, [env.item.id for env in envs])
    results: list[ItemResult] = []
    candidates = []
    for env in envs:
        if env.item.id in existing:
            results.append(_against_stored(ctx, env, existing[env.item.id]))
        elif env.item.team_id not in env.meta.team_ids:
            results.append(ctx.rejected(env, 404, "not_found", detail="team"))
        else:
            candidates.append(env)
    member_team = await _member_teams(ctx.session, candidates)
    valid = []
    for env in candidates:
        strangers = [str(m) for m in env.item.member_ids if member_team.get(m) != env.item.team_id]
        if strangers:
            results.append(ctx.rejected(env, 422, "unknown_member", member_ids=strangers))
        else:
            valid.append(env)
    inserted = await insert_ignore(ctx.session, Patrol, [_row(ctx, env) for env in valid])
    # Lost a race with a concurrent batch carrying the same patrol: judge against its row.
    late = await _existing(
        ctx.session, [env.item.id for env in valid if env.item.id not in inserted]
    )
    for env in valid:
        if env.item.id in inserted:
            results.append(ctx.result(env, "created"))
        else:
            results.append(_against_stored(ctx, env, late[env.item.id]))
    await file_held(ctx, inserted)
    return results


async def flag_scans_after_end(
    session: AsyncSession, patrol: Patrol, *, grace: timedelta, now
) -> None:
    """Scans stored before the patrol's end was known, made after that end: flag them now."""
    await session.execute(
        update(CheckpointScan)
        .where(
            CheckpointScan.patrol_id == patrol.id,
            CheckpointScan.scanned_at > patrol.ended_at + grace,
            CheckpointScan.flags.op("&")(int(Flag.outside_patrol)) == 0,
        )
        .values(
            flags=CheckpointScan.flags.op("|")(int(Flag.outside_patrol)),
            review_status=case(
                (CheckpointScan.review_status == "none", "pending"),
                else_=CheckpointScan.review_status,
            ),
            updated_at=now,
        )
    )


async def handle_patrol_ends(ctx: UploadContext, envs: list[Envelope]) -> list[ItemResult]:
    """Record how patrols ended; an end whose patrol has not arrived is held for it."""
    ids = [env.item.id for env in envs]
    patrols = {
        p.id: p for p in (await ctx.session.scalars(select(Patrol).where(Patrol.id.in_(ids)))).all()
    }
    grace = timedelta(seconds=ctx.settings.scan_patrol_grace_seconds)
    results, waiting = [], []
    for env in envs:
        item: PatrolEndItem = env.item
        patrol = patrols.get(item.id)
        if patrol is None or patrol.team_id not in env.meta.team_ids:
            if env.from_held:
                results.append(ctx.rejected(env, 404, "not_found"))
            else:
                waiting.append((env, item.id))
            continue
        if patrol.end_hash is not None:
            if patrol.end_hash == env.body_hash:
                results.append(ctx.result(env, "duplicate"))
            else:
                results.append(ctx.conflict(env, "patrol_end_conflict"))
            continue
        if item.ended_at < patrol.started_at:
            results.append(ctx.rejected(env, 422, "invalid_patrol_times"))
            continue
        patrol.status = item.status
        patrol.ended_at = item.ended_at
        patrol.end_notes = item.notes
        patrol.ended_received_at = env.meta.received_at
        patrol.end_hash = env.body_hash
        patrol.updated_at = ctx.now
        await ctx.session.flush()
        await flag_scans_after_end(ctx.session, patrol, grace=grace, now=ctx.now)
        results.append(ctx.result(env, "created"))
    if waiting:
        results.extend(await hold(ctx, "patrol_end", waiting))
    return results

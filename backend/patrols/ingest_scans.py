"""Filing checkpoint scans in bulk: a handful of set-based lookups and one INSERT per batch."""

import uuid
from collections import defaultdict

from sqlalchemy import Integer, String, Uuid, case, literal, select, union_all, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend.models.patrol import CheckpointScan, HeldUploadItem, Patrol
from backend.patrols.flags import (
    RESCAN,
    Flag,
    Judge,
    PatrolFacts,
    covered_on,
    flag_names,
    rescans_among,
    resolve_checkpoints,
    review_status_for,
    stored_scans_of,
)
from backend.policy.patrols import uploader_may_file
from backend.sync.upload_service import (
    Envelope,
    ItemResult,
    UploadContext,
    among,
    held_answer,
    hold,
    insert_rows_ignore,
)


async def patrol_facts(session: AsyncSession, ids) -> dict[uuid.UUID, PatrolFacts]:
    """The patrols items refer to, with what the flags need."""
    ids = list(set(ids))
    if not ids:
        return {}
    rows = await session.execute(
        select(Patrol.id, Patrol.team_id, Patrol.started_at, Patrol.ended_at).where(
            among(session, Patrol.id, ids)
        )
    )
    return {pid: PatrolFacts(pid, team, start, end) for pid, team, start, end in rows}


async def _stored(session: AsyncSession, ids: list[uuid.UUID]) -> dict:
    """Scans already stored -> (team, hash, flags, None); held -> (None, hash, None, status)."""
    if not ids:
        return {}
    filed = select(
        CheckpointScan.id,
        CheckpointScan.team_id,
        CheckpointScan.body_hash,
        CheckpointScan.flags,
        literal(None, String),
    ).where(among(session, CheckpointScan.id, ids))
    held = select(
        HeldUploadItem.id,
        literal(None, Uuid),
        HeldUploadItem.body_hash,
        literal(None, Integer),
        HeldUploadItem.status,
    ).where(HeldUploadItem.kind == "scan", among(session, HeldUploadItem.id, ids))
    found: dict = {}
    for sid, team, bhash, bits, status in await session.execute(union_all(filed, held)):
        if sid not in found or team is not None:  # filed beats held (a moment's overlap)
            found[sid] = (team, bhash, bits, status)
    return found


def _against_stored(ctx: UploadContext, env: Envelope, stored: tuple) -> ItemResult:
    team_id, stored_hash, bits = stored
    if not uploader_may_file(env.meta.team_ids, team_id):
        return ctx.rejected(env, 404, "not_found")
    if stored_hash == env.body_hash:
        return ctx.result(env, "duplicate", flags=flag_names(bits))
    return ctx.conflict(env)


# the order of the values _build_rows collects for each scan
SCAN_COLUMNS = (
    *("id", "patrol_id", "team_id", "house_id", "token", "scanned_at", "clock_offset_s"),
    *("lat", "lon", "accuracy_m", "distance_m", "note", "photo_ref", "flags"),
    *("review_status", "uploaded_by", "body_hash", "received_at", "updated_at"),
)


async def _build_rows(
    ctx: UploadContext, to_file: list[tuple[Envelope, PatrolFacts]]
) -> tuple[list[tuple], list[int], set[uuid.UUID]]:
    """Judge every scan: the rows to insert (in SCAN_COLUMNS order), each one's flags, and the
    stored scans that these turn into rescans."""
    if not to_file:
        return [], [], set()
    judge = Judge(ctx.settings)
    checkpoints, periods = await resolve_checkpoints(
        ctx.session, (env.item.token for env, _ in to_file), (p.team_id for _, p in to_file)
    )
    keyed: dict[tuple, list[tuple]] = defaultdict(list)  # (patrol, house) -> batch scans
    for env, patrol in to_file:
        cp = checkpoints.get(env.item.token)
        if cp is not None:
            keyed[(patrol.id, cp.house_id)].append((env.item.scanned_at, env.item.id))
    stored = await stored_scans_of(ctx.session, keyed)
    rescans, later_rescans = set(), set()
    for key, new in keyed.items():
        new_hits, stored_hits = rescans_among(new, stored.get(key, ()), judge.window)
        rescans |= new_hits
        later_rescans |= stored_hits
    rows, all_bits = [], []
    now = ctx.now
    for env, patrol in to_file:
        item, meta = env.item, env.meta
        cp = checkpoints.get(item.token)
        covered = cp is not None and covered_on(
            periods.get((patrol.team_id, cp.house_id), ()), judge.local_date(item.scanned_at)
        )
        bits, distance = judge.judge(
            item.lat,
            item.lon,
            item.accuracy_m,
            item.scanned_at,
            meta.clock_offset_s,
            cp,
            covered,
            patrol,
        )
        if item.id in rescans:
            bits |= RESCAN
        all_bits.append(bits)
        rows.append(
            (
                item.id,
                patrol.id,
                patrol.team_id,
                cp.house_id if cp else None,
                item.token,
                item.scanned_at,
                meta.clock_offset_s,
                item.lat,
                item.lon,
                item.accuracy_m,
                distance,
                item.note,
                item.photo_ref,
                bits,
                review_status_for(bits),
                meta.user_id,
                env.body_hash,
                meta.received_at,
                now,
            )
        )
    return rows, all_bits, later_rescans


async def _mark_rescans(ctx: UploadContext, ids: set[uuid.UUID]) -> None:
    """Stored scans that an earlier-made scan, arriving now, turns into rescans."""
    if not ids:
        return
    await ctx.session.execute(
        update(CheckpointScan)
        .where(CheckpointScan.id.in_(ids))
        .values(
            flags=CheckpointScan.flags.op("|")(int(Flag.rescan)),
            review_status=case(
                (CheckpointScan.review_status == "none", "pending"),
                else_=CheckpointScan.review_status,
            ),
            updated_at=ctx.now,
        )
    )


async def handle_scans(ctx: UploadContext, envs: list[Envelope]) -> list[ItemResult]:
    """Store new scans with their flags; hold those whose patrol has not arrived."""
    session = ctx.session
    known = await _stored(session, [env.item.id for env in envs])
    results: list[ItemResult] = []
    fresh = []
    for env in envs:
        team, bhash, bits, status = known.get(env.item.id, (None, None, None, None))
        if team is not None:
            results.append(_against_stored(ctx, env, (team, bhash, bits)))
        elif bhash is not None and not env.from_held:  # in the held table
            results.append(held_answer(ctx, env, bhash, status))
        else:
            fresh.append(env)
    patrols = await patrol_facts(session, (env.item.patrol_id for env in fresh))
    waiting, to_file = [], []
    for env in fresh:
        patrol = patrols.get(env.item.patrol_id)
        if patrol is not None and uploader_may_file(env.meta.team_ids, patrol.team_id):
            to_file.append((env, patrol))
        elif env.from_held:
            results.append(ctx.rejected(env, 404, "not_found", detail="patrol"))
        else:
            # The patrol is not here (yet), or not one this phone's team may see: keep the
            # scan until it comes; saying "held" in both cases reveals nothing.
            waiting.append((env, env.item.patrol_id))
    rows, all_bits, later_rescans = await _build_rows(ctx, to_file)
    # fresh: none of these ids was stored a moment ago (looked up above)
    inserted = await insert_rows_ignore(session, CheckpointScan, SCAN_COLUMNS, rows, fresh=True)
    late = await _stored(
        session, [env.item.id for env, _ in to_file if env.item.id not in inserted]
    )
    for (env, _), bits in zip(to_file, all_bits, strict=True):
        if env.item.id in inserted:
            results.append(ctx.result(env, "created", flags=flag_names(bits)))
        else:
            results.append(_against_stored(ctx, env, late[env.item.id][:3]))
    await _mark_rescans(ctx, later_rescans)
    if waiting:
        results.extend(await hold(ctx, "scan", waiting))
    return results

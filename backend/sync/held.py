"""Items that arrived before their parent (a scan before its patrol): kept, then filed."""

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import delete, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend.models.patrol import HeldUploadItem
from backend.policy import Subject, scoped
from backend.sync.bulk import among, insert_ignore
from backend.sync.upload_types import HANDLERS, Envelope, ItemMeta, ItemResult, UploadContext


async def held_hashes(session: AsyncSession, kind: str, ids: Sequence[uuid.UUID]) -> dict:
    """Ids of this kind already held -> (body hash, status: waiting | refused)."""
    if not ids:
        return {}
    rows = await session.execute(
        select(HeldUploadItem.id, HeldUploadItem.body_hash, HeldUploadItem.status).where(
            HeldUploadItem.kind == kind, among(session, HeldUploadItem.id, ids)
        )
    )
    return {item_id: (bhash, status) for item_id, bhash, status in rows}


def held_answer(ctx: UploadContext, env: Envelope, stored_hash: bytes, status: str) -> ItemResult:
    """The answer to an item already in the held table."""
    if status == "refused":  # filed once its patrol came, and refused (not the uploader's team)
        return ctx.rejected(env, 404, "not_found")
    if stored_hash == env.body_hash:
        return ctx.result(env, "duplicate", held=True)
    return ctx.conflict(env, held=True)


async def hold(
    ctx: UploadContext, kind: str, items: list[tuple[Envelope, uuid.UUID]]
) -> list[ItemResult]:
    """Keep items whose parent has not arrived; answered ``created`` with ``held: true``."""
    rows = [
        {
            "kind": kind,
            "id": env.item.id,
            "waiting_for": parent,
            "payload": env.item.model_dump(mode="json"),
            "body_hash": env.body_hash,
            "received_at": env.meta.received_at,
            "clock_offset_s": env.meta.clock_offset_s,
            "uploaded_by": env.meta.user_id,
            "device_id": env.meta.device_id,
            "uploader_team_ids": sorted(str(t) for t in env.meta.team_ids),
            "status": "waiting",
            "created_at": ctx.now,
        }
        for env, parent in items
    ]
    inserted = await insert_ignore(ctx.session, HeldUploadItem, rows)
    late = [env.item.id for env, _ in items if env.item.id not in inserted]
    stored = await held_hashes(ctx.session, kind, late)
    results = []
    for env, _ in items:
        if env.item.id in inserted:
            results.append(ctx.result(env, "created", held=True))
        else:
            results.append(held_answer(ctx, env, *stored[env.item.id]))
    return results


async def file_held(ctx: UploadContext, parent_ids: Iterable[uuid.UUID]) -> int:
    """File the items that were waiting for these parents, as of the batch they came in."""
    parent_ids = list(parent_ids)
    if not parent_ids:
        return 0
    rows = (
        await ctx.session.scalars(
            select(HeldUploadItem).where(
                HeldUploadItem.waiting_for.in_(parent_ids), HeldUploadItem.status == "waiting"
            )
        )
    ).all()
    by_kind: dict[str, list[Envelope]] = defaultdict(list)
    for row in rows:
        handler = HANDLERS.get(row.kind)
        if handler is None:
            continue
        meta = ItemMeta(
            received_at=row.received_at,
            clock_offset_s=row.clock_offset_s,
            user_id=row.uploaded_by,
            device_id=row.device_id,
            team_ids=frozenset(uuid.UUID(t) for t in row.uploader_team_ids),
        )
        item = handler.model.model_validate(row.payload)
        by_kind[row.kind].append(Envelope(-1, item, meta, row.body_hash, from_held=True))
    filed = 0
    for kind in sorted(by_kind, key=lambda k: HANDLERS[k].order):
        results = await HANDLERS[kind].handle(ctx, by_kind[kind])
        done = [uuid.UUID(r.id) for r in results if r.status in ("created", "duplicate")]
        failed = {
            uuid.UUID(r.id): r.problem for r in results if r.status not in ("created", "duplicate")
        }
        if done:
            await ctx.session.execute(
                delete(HeldUploadItem).where(
                    HeldUploadItem.kind == kind, HeldUploadItem.id.in_(done)
                )
            )
        for item_id, problem in failed.items():
            # e.g. the uploader is not on the patrol's team: kept, out of the queue, for a person
            await ctx.session.execute(
                update(HeldUploadItem)
                .where(HeldUploadItem.kind == kind, HeldUploadItem.id == item_id)
                .values(status="refused", problem=problem)
            )
        filed += len(done)
        ctx.filed_from_held[kind] += len(done)
    return filed


async def list_held(
    session: AsyncSession,
    *,
    subject: Subject,
    status: str | None,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> list[HeldUploadItem]:
    """Held items the subject uploaded, oldest first (keyset on created_at, id)."""
    stmt = scoped(select(HeldUploadItem), subject, HeldUploadItem)
    if status:
        stmt = stmt.where(HeldUploadItem.status == status)
    if after:
        stmt = stmt.where(tuple_(HeldUploadItem.created_at, HeldUploadItem.id) > tuple_(*after))
    stmt = stmt.order_by(HeldUploadItem.created_at, HeldUploadItem.id).limit(limit)
    return list((await session.scalars(stmt)).all())

"""The ``awareness_session`` item kind of the batch upload (``POST /api/v1/sync/upload``).

An item is the body of ``PUT /awareness-sessions/{id}`` plus ``kind`` and ``id``, and is judged
the same way: new → created, same body → duplicate, other body → conflict, holder outside the
uploader's scope → rejected 404. Its hash is the PUT's, so a PUT and an upload of one session
recognise each other.
"""

import uuid
from typing import Literal

from backend.core.errors import DomainError
from backend.monitoring import awareness_service as service
from backend.monitoring.awareness_schemas import AwarenessSessionPut
from backend.policy import may
from backend.sync.upload_service import (
    Envelope,
    ItemHandler,
    ItemResult,
    UploadContext,
    register_handler,
)

KIND = "awareness_session"


class AwarenessSessionItem(AwarenessSessionPut):
    """One awareness session recorded on the phone."""

    kind: Literal["awareness_session"]
    id: uuid.UUID


async def handle_awareness_sessions(ctx: UploadContext, items: list[Envelope]) -> list[ItemResult]:
    """Store new sessions, recognise re-sends, refuse what the uploader may not record."""
    subject = ctx.subject
    if not may(subject, "awareness.write"):
        return [ctx.rejected(env, 403, "forbidden") for env in items]
    bodies = {
        env.item.id: AwarenessSessionPut.model_validate(env.item.model_dump(exclude={"kind", "id"}))
        for env in items
    }
    digests = {item_id: service.body_hash(body) for item_id, body in bodies.items()}
    stored = await service.stored_hashes(ctx.session, bodies)
    seen = await service.visible_ids(ctx.session, subject, stored)

    def judge(env: Envelope, stored_hash: str) -> ItemResult:
        if env.item.id not in seen:
            return ctx.rejected(env, 404, "not_found")
        if stored_hash == digests[env.item.id]:
            return ctx.result(env, "duplicate")
        return ctx.conflict(env, "awareness_session_conflict")

    results: list[ItemResult] = []
    new: list[tuple[Envelope, dict]] = []
    for env in items:
        item_id = env.item.id
        if item_id in stored:
            results.append(judge(env, stored[item_id]))
            continue
        try:
            row = await service.new_row(
                ctx.session,
                actor=subject,
                session_id=item_id,
                body=bodies[item_id],
                digest=digests[item_id],
            )
        except DomainError as exc:
            results.append(ctx.rejected(env, exc.status, exc.code, **exc.extra))
            continue
        new.append((env, row))

    inserted = await service.store_new(ctx.session, actor=subject, rows=[r for _, r in new])
    late = [env.item.id for env, _ in new if env.item.id not in inserted]
    if late:  # another request stored them between our check and our insert
        stored = await service.stored_hashes(ctx.session, late)
        seen = await service.visible_ids(ctx.session, subject, stored)
    for env, _ in new:
        if env.item.id in inserted:
            results.append(ctx.result(env, "created"))
        else:
            results.append(judge(env, stored[env.item.id]))
    return results


register_handler(
    ItemHandler(kind=KIND, model=AwarenessSessionItem, handle=handle_awareness_sessions, order=200)
)

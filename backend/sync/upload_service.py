"""Batch upload from phones: one request, up to 500 items of mixed kinds, one result per item.

How a domain adds an item kind (e.g. ``incident``, ``awareness_session``)
-------------------------------------------------------------------------
Create ``backend/<domain>/upload_handlers.py`` (found and imported automatically) with::

    class IncidentItem(BaseModel):          # one item as the phone sends it
        kind: Literal["incident"]
        id: uuid.UUID                       # the phone's UUID: the item's identity
        ...

    async def handle_incidents(ctx: UploadContext, items: list[Envelope]) -> list[ItemResult]:
        # set-based: look up all ids at once (among), bulk insert the new ones
        # (insert_ignore), then answer every envelope with ctx.result(env, "created"),
        # ctx.result(env, "duplicate"), ctx.conflict(env, code) or
        # ctx.rejected(env, status, code, **extra)
        ...

    register_handler(ItemHandler(kind="incident", model=IncidentItem,
                                 handle=handle_incidents, order=50))

Handlers run in ``order`` (patrol 10, patrol_end 20, scan 30, track 40), each once per batch
with the first occurrence of every id; repeats of an id within the batch are answered here.
The request schema (and the OpenAPI spec) is the union of the registered item models, built
when the upload router is imported; an item that does not validate as its kind is rejected
on its own with per-field errors instead of failing the batch.

Rules a handler keeps: never commit; answer each envelope exactly once; compare ``body_hash``
with the stored one (same -> duplicate, other -> conflict); use ``envelope.meta`` (who
uploaded it, from which teams, the batch's clocks), not the request, since items held for a
parent are filed later within another request. A handler whose items can arrive before their
parent sets ``parent_of`` (for locking) and calls ``hold`` for them; the parent's handler calls
``file_held`` once the parent exists.
"""

import importlib
import importlib.util
import pkgutil
import uuid
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ValidationError

import backend
from backend.audit.service import record
from backend.core.messages import FIELD_MESSAGES_VI
from backend.sync.bulk import among, insert_ignore, insert_rows_ignore, lock_ids
from backend.sync.held import file_held, held_answer, held_hashes, hold
from backend.sync.upload_types import (
    HANDLERS,
    MAX_ITEMS,
    Envelope,
    ItemHandler,
    ItemMeta,
    ItemResult,
    Status,
    UploadContext,
    body_hash,
    register_handler,
)

# What handler modules import from here (the names live in the modules next to this one).
__all__ = [
    "HANDLERS",
    "MAX_ITEMS",
    "Envelope",
    "ItemHandler",
    "ItemMeta",
    "ItemResult",
    "Status",
    "UploadContext",
    "among",
    "body_hash",
    "discover_handlers",
    "file_held",
    "held_answer",
    "held_hashes",
    "hold",
    "insert_ignore",
    "insert_rows_ignore",
    "lock_ids",
    "process_batch",
    "register_handler",
    "upload",
]


def discover_handlers() -> None:
    """Import every ``backend.<domain>.upload_handlers`` module, so each registers its kinds."""
    for module in pkgutil.iter_modules(backend.__path__):
        if not module.ispkg:
            continue
        name = f"backend.{module.name}.upload_handlers"
        if importlib.util.find_spec(name) is not None:
            importlib.import_module(name)


def _field_errors(exc: ValidationError, lang: str) -> list[dict[str, Any]]:
    errors = []
    for err in exc.errors(include_url=False):
        message = err.get("msg", "")
        if lang == "vi":
            message = FIELD_MESSAGES_VI.get(err["type"], message)
        loc = ".".join(str(p) for p in err.get("loc", ()))
        errors.append({"field": loc, "code": err["type"], "message": message})
    return errors


def _first_seen(envelopes: list[Envelope]) -> tuple[list[Envelope], list[Envelope]]:
    """Split a kind's envelopes into first occurrences of each id and later repeats."""
    seen: set[Any] = set()
    first, repeats = [], []
    for env in envelopes:
        (repeats if env.item.id in seen else first).append(env)
        seen.add(env.item.id)
    return first, repeats


def _repeat_result(ctx: UploadContext, env: Envelope, original: ItemResult, same: bool):
    if not same:
        return ctx.conflict(env, held=original.held)
    if original.status in ("created", "duplicate"):
        return ItemResult(
            env.index, original.kind, original.id, "duplicate", original.held, original.flags
        )
    return ItemResult(
        env.index,
        original.kind,
        original.id,
        original.status,
        original.held,
        original.flags,
        original.problem,
    )


async def process_batch(
    ctx: UploadContext,
    *,
    items: Sequence[Any],
    meta: ItemMeta,
) -> list[ItemResult]:
    """Answer every item: validate per item, then each kind's handler, in handler order."""
    results: list[ItemResult | None] = [None] * len(items)
    groups: dict[str, list[Envelope]] = defaultdict(list)
    for index, raw in enumerate(items):
        kind = getattr(raw, "kind", None)
        handler = HANDLERS.get(kind) if isinstance(kind, str) else None
        if handler is None:
            raw_id = getattr(raw, "id", None)
            problem = ctx.problem(422, "unknown_kind", kinds=sorted(HANDLERS))
            results[index] = ItemResult(
                index,
                kind if isinstance(kind, str) else None,
                str(raw_id) if raw_id is not None else None,
                "rejected",
                problem=problem,
            )
            continue
        item = raw
        if not isinstance(raw, handler.model):
            # the request schema let it through as a raw item: find out what is wrong with it
            data = raw.model_dump() if isinstance(raw, BaseModel) else raw
            try:
                item = handler.model.model_validate(data)
            except ValidationError as exc:
                raw_id = data.get("id") if isinstance(data, dict) else None
                problem = ctx.problem(422, "validation_error", errors=_field_errors(exc, ctx.lang))
                results[index] = ItemResult(
                    index,
                    kind,
                    str(raw_id) if raw_id is not None else None,
                    "rejected",
                    problem=problem,
                )
                continue
        groups[kind].append(Envelope(index, item, meta, body_hash(item)))

    parents = [
        parent
        for kind, envs in groups.items()
        if HANDLERS[kind].parent_of is not None
        for env in envs
        if (parent := HANDLERS[kind].parent_of(env.item)) is not None
    ]
    await lock_ids(ctx.session, parents)

    for kind in sorted(groups, key=lambda k: HANDLERS[k].order):
        first, repeats = _first_seen(groups[kind])
        by_id = {}
        for result in await HANDLERS[kind].handle(ctx, first):
            results[result.index] = result
            by_id[result.id] = result
        hashes = {env.item.id: env.body_hash for env in first}
        for env in repeats:
            original = by_id[str(env.item.id)]
            same = hashes[env.item.id] == env.body_hash
            results[env.index] = _repeat_result(ctx, env, original, same)
    assert all(r is not None for r in results), "a handler left an item unanswered"
    return results  # type: ignore[return-value]


async def upload(
    ctx: UploadContext, *, items: Sequence[Any], sent_at: datetime, device_id: uuid.UUID | None
) -> dict[str, Any]:
    """Process one batch for the signed-in subject and audit it; the answer as a dict."""
    subject = ctx.subject
    assert subject is not None
    offset = (sent_at - ctx.now).total_seconds()
    meta = ItemMeta(ctx.now, offset, subject.user_id, device_id, subject.team_ids)
    results = await process_batch(ctx, items=items, meta=meta)
    summary = Counter(r.status for r in results)
    held = sum(1 for r in results if r.held and r.status == "created")
    await record(
        ctx.session,
        actor=subject,
        action="sync.upload",
        object_type="upload_batch",
        detail={
            "items": len(results),
            "by_status": dict(summary),
            "by_kind": dict(Counter(r.kind or "?" for r in results)),
            "held": held,
            "filed_from_held": dict(ctx.filed_from_held),
            "clock_offset_s": round(offset, 3),
            "device_id": str(device_id) if device_id else None,
        },
    )
    return {
        "received_at": ctx.now,
        "clock_offset_seconds": round(offset, 3),
        "summary": {s: summary.get(s, 0) for s in ("created", "duplicate", "conflict", "rejected")},
        "results": results,
    }

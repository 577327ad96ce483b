"""The vocabulary of the batch upload: item envelopes, answers, handlers and their registry."""

import hashlib
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from backend.core.config import Settings
from backend.core.messages import title_for
from backend.policy import Subject

Status = Literal["created", "duplicate", "conflict", "rejected"]
MAX_ITEMS = 500


@dataclass(slots=True, frozen=True)
class ItemMeta:
    """The receipt facts of the batch an item came in (kept with held items)."""

    received_at: datetime
    clock_offset_s: float | None
    user_id: uuid.UUID
    device_id: uuid.UUID | None
    team_ids: frozenset[uuid.UUID]


@dataclass(slots=True)
class Envelope:
    index: int  # position in the batch; -1 for an item filed from the held table
    item: Any  # the validated item model
    meta: ItemMeta
    body_hash: bytes
    from_held: bool = False


@dataclass(slots=True)
class ItemResult:
    index: int
    kind: str | None
    id: str | None
    status: Status
    held: bool = False
    flags: list[str] | None = None
    problem: dict[str, Any] | None = None


@dataclass
class UploadContext:
    session: AsyncSession
    settings: Settings
    now: datetime  # the server's receipt time of this request
    lang: str = "vi"
    subject: Subject | None = None
    filed_from_held: Counter = field(default_factory=Counter)

    def problem(self, status: int, code: str, **extra: Any) -> dict[str, Any]:
        """An RFC 9457 problem for one item, titled in the request's language."""
        body = {
            "type": f"https://ttq.vn/problems/{code}",
            "title": title_for(code, self.lang),
            "status": status,
            "code": code,
        }
        body.update({k: v for k, v in extra.items() if v is not None})
        return body

    def result(self, env: Envelope, status: Status, **kw: Any) -> ItemResult:
        return ItemResult(env.index, env.item.kind, str(env.item.id), status, **kw)

    def rejected(self, env: Envelope, status: int, code: str, **extra: Any) -> ItemResult:
        return self.result(env, "rejected", problem=self.problem(status, code, **extra))

    def conflict(self, env: Envelope, code: str = "item_conflict", **kw: Any) -> ItemResult:
        return self.result(env, "conflict", problem=self.problem(409, code), **kw)


Handle = Callable[[UploadContext, list[Envelope]], Awaitable[list[ItemResult]]]


@dataclass(frozen=True)
class ItemHandler:
    kind: str
    model: type[BaseModel]
    handle: Handle
    order: int = 100  # lower runs first within a batch (patrols before their scans)
    parent_of: Callable[[Any], uuid.UUID | None] | None = None  # for locking, see lock_ids


HANDLERS: dict[str, ItemHandler] = {}


def register_handler(handler: ItemHandler) -> None:
    """Make ``handler.kind`` acceptable in uploads (call at import time)."""
    HANDLERS[handler.kind] = handler


_IDENTITY = {"kind", "id"}


def body_hash(item: BaseModel) -> bytes:
    """16 bytes identifying an item's content: same id + same hash is a harmless re-send.

    ``kind`` and ``id`` are the item's identity, not its content (so a patrol PUT alone and
    the same patrol in a batch hash alike). Fields left at their defaults are left out, so
    adding an optional field to a model later does not turn old re-sends into conflicts.
    """
    dumped = item.__pydantic_serializer__.to_json(item, exclude=_IDENTITY, exclude_defaults=True)
    return hashlib.sha256(dumped).digest()[:16]

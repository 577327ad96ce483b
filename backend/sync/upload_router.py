"""Batch upload from phones: mixed items, per-item results, Idempotency-Key."""

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal, Union

from fastapi import Request
from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    TypeAdapter,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WrapValidator,
)
from pydantic.json_schema import SkipJsonSchema

from backend.core.db import SessionDep
from backend.core.idempotency import Idempotency, idempotent
from backend.core.messages import pick_language
from backend.core.pagination import Page, PageDep, decode_keys, encode_cursor
from backend.core.params import Moment
from backend.core.routing import GuardedRouter
from backend.models.base import utcnow
from backend.policy import Subject
from backend.policy.deps import allowed
from backend.sync import upload_service
from backend.sync.held import list_held
from backend.sync.upload_service import HANDLERS, MAX_ITEMS, UploadContext, discover_handlers

router = GuardedRouter(prefix="/api/v1", tags=["sync"])
discover_handlers()


class RawItem(BaseModel):
    """An item that is not valid as its kind: let through so it is answered on its own."""

    model_config = ConfigDict(extra="allow")

    kind: Any = None
    id: Any = None


def _kind_of(value: Any) -> str:
    kind = value.get("kind") if isinstance(value, dict) else getattr(value, "kind", None)
    return kind if isinstance(kind, str) and kind in HANDLERS else "raw"


def _tolerant(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    # One bad item must not fail the batch: keep it raw, to be rejected on its own with the
    # errors of its kind (process_batch validates it again to say what is wrong).
    try:
        return handler(value)
    except ValidationError:
        return RawItem.model_validate(value if isinstance(value, dict) else {"value": value})


def _item_union():
    choices = [Annotated[handler.model, Tag(kind)] for kind, handler in sorted(HANDLERS.items())]
    choices.append(Annotated[SkipJsonSchema[RawItem], Tag("raw")])
    return Annotated[
        Union[tuple(choices)],  # noqa: UP007
        Discriminator(_kind_of),
        WrapValidator(_tolerant),
    ]


_ONE_BY_ONE = TypeAdapter(list[_item_union()])  # type: ignore[misc]


def _items(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    # Fast path: a batch of valid items is validated in one call into pydantic-core. Only a
    # batch with a bad item pays for the item-by-item pass that keeps the bad ones raw.
    try:
        return handler(value)
    except ValidationError as exc:
        if any(not err["loc"] for err in exc.errors()):
            raise  # the list itself is wrong (not a list, empty, too long): the whole batch
    return _ONE_BY_ONE.validate_python(value)


# The strict union (discriminated by the literal ``kind``) is what the spec shows phones.
UploadItem = Annotated[
    Union[tuple(handler.model for _, handler in sorted(HANDLERS.items()))],  # noqa: UP007
    Field(discriminator="kind"),
]


class UploadRequest(BaseModel):
    sent_at: Moment = Field(
        description="The phone's clock when this request is sent (set it again on every "
        "retry; it is not part of the Idempotency-Key fingerprint). The phone's clock error "
        "is sent_at minus the server's receipt time."
    )
    items: Annotated[list[UploadItem], WrapValidator(_items)] = Field(  # type: ignore[valid-type]
        min_length=1, max_length=MAX_ITEMS
    )


class ItemProblem(BaseModel):
    type: str
    title: str
    status: int
    code: str
    detail: str | None = None
    errors: list[dict[str, Any]] | None = None


class ItemResultOut(BaseModel):
    index: int = Field(description="position of the item in the request")
    kind: str | None
    id: str | None
    status: Literal["created", "duplicate", "conflict", "rejected"] = Field(
        description="created: stored now; duplicate: already stored with the same content; "
        "conflict: this id is stored with other content (kept as it was); rejected: not "
        "stored, see problem. created/duplicate mean the phone may forget the item."
    )
    held: bool = Field(
        default=False,
        description="stored, but waiting for its patrol to arrive; filed when it does",
    )
    flags: list[str] | None = Field(
        default=None, description="scans: what looks wrong (the scan is kept and reviewed)"
    )
    problem: ItemProblem | None = None


class UploadResponse(BaseModel):
    received_at: datetime
    clock_offset_seconds: float
    summary: dict[str, int]
    results: list[ItemResultOut]


_DUMP = TypeAdapter(dict[str, Any])
Uploader = Annotated[Subject, allowed("sync.upload")]
UploadIdempotency = Annotated[Idempotency, idempotent(exclude_fields=("sent_at",))]


@router.post(
    "/sync/upload",
    name="sync-upload",
    response_model=UploadResponse,
    responses={
        409: {"description": "the same Idempotency-Key is still being processed"},
        422: {"description": "invalid batch, or an Idempotency-Key reused with another body"},
    },
)
async def upload(
    request: Request,
    session: SessionDep,
    subject: Uploader,
    idem: UploadIdempotency,
    body: UploadRequest,
):
    """Batch upload from phones: up to 500 patrols, scans, tracks, incidents in any order.

    Every item is answered on its own (`results[i]` answers `items[i]`); items that are valid
    are stored even when others fail. Send an `Idempotency-Key` and re-send the same batch
    with the same key until an answer arrives.
    """
    if idem.replay is not None:
        return idem.replay
    ctx = UploadContext(
        session=session,
        settings=request.app.state.settings,
        now=utcnow(),
        lang=pick_language(request.headers.get("accept-language")),
        subject=subject,
    )
    device_id: uuid.UUID | None = getattr(request.state, "device_id", None)
    outcome = await upload_service.upload(
        ctx, items=body.items, sent_at=body.sent_at, device_id=device_id
    )
    return await idem.respond(session, _DUMP.dump_json(outcome))


class HeldItemRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    kind: str
    id: uuid.UUID
    waiting_for: uuid.UUID = Field(description="the parent (a patrol) the item waits for")
    status: Literal["waiting", "refused"] = Field(
        description="waiting: filed when its patrol arrives; refused: the patrol came, and "
        "the item could not be filed (see problem)"
    )
    problem: dict[str, Any] | None = None
    received_at: datetime = Field(description="when the server received the item")


@router.get("/sync/held", name="sync-held-list", response_model=Page[HeldItemRead])
async def held_items(
    session: SessionDep,
    subject: Uploader,
    page: PageDep,
    status: Literal["waiting", "refused"] | None = None,
):
    """Items you uploaded that still wait for their patrol, or were refused when it came.

    A scan answered `held` stays here until its patrol is uploaded: a phone that lost the
    patrol's record can see which scans are stuck, oldest first.
    """
    after = decode_keys(page.cursor, datetime.fromisoformat, uuid.UUID)
    rows = await list_held(
        session, subject=subject, status=status, after=after, limit=page.limit + 1
    )
    more = len(rows) > page.limit
    rows = rows[: page.limit]
    last = rows[-1] if rows else None
    return Page(
        items=[HeldItemRead.model_validate(r) for r in rows],
        next_cursor=encode_cursor([last.created_at.isoformat(), last.id]) if more else None,
    )

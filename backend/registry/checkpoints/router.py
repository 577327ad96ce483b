"""Checkpoint routes: QR images, rotation, and the A4 printout of a team's QR codes.

The token is a secret (whoever has it can fake a scan): only those who may write the house or
lead a team covering it get it, every fetch is audited, and answers are never cached.
"""

from typing import Annotated

from fastapi import APIRouter, Depends, Response
from fastapi.responses import HTMLResponse
from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.audit.service import record
from backend.core.config import get_settings
from backend.core.db import SessionDep
from backend.core.errors import Invalid
from backend.core.etag import IfMatch, set_etag
from backend.models import BoardingHouse
from backend.policy import Subject, authorize
from backend.policy.deps import CurrentSubject
from backend.policy.registry import checkpoint_rule
from backend.registry.checkpoints import tokens
from backend.registry.checkpoints.printout import Sticker, render_printout
from backend.registry.checkpoints.qr import render_png, render_svg
from backend.registry.deps import CheckpointHouse, RotatableHouse, ensure_fresh
from backend.registry.houses_router import house_filters, house_read
from backend.registry.schemas import HouseRead

router = APIRouter(prefix="/houses", tags=["registry"])

_SECRET_HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
}


def _binary(media_type: str) -> dict:
    return {200: {"content": {media_type: {"schema": {"type": "string", "format": "binary"}}}}}


async def _audit_read(
    session: AsyncSession, subject: Subject, house: BoardingHouse, fmt: str
) -> None:
    await record(
        session,
        actor=subject,
        action="boarding_house.checkpoint_read",
        object_type="boarding_house",
        object_id=house.id,
        detail={"format": fmt, "checkpoint_id": str(house.checkpoint_id)},
    )


@router.get(
    "/printout",
    name="houses-printout",
    response_class=HTMLResponse,
    responses={200: {"content": {"text/html": {"schema": {"type": "string"}}}}},
)
async def printout(
    session: SessionDep,
    subject: CurrentSubject,
    stmt: Annotated[Select, Depends(house_filters)],
) -> HTMLResponse:
    """One HTML page, A4-ready, of the QR codes of a team's houses (`team_id`) or of any
    filtered set; only houses whose codes the caller may handle are included."""
    authorize(subject, "house.checkpoint.read")
    stmt = stmt.where(checkpoint_rule(subject))
    limit = get_settings().printout_max_houses
    count = await session.scalar(select(func.count()).select_from(stmt.subquery()))
    if count and count > limit:
        raise Invalid(code="too_many_houses", count=count, max=limit)
    houses = list(
        (await session.scalars(stmt.order_by(BoardingHouse.name_search, BoardingHouse.id))).all()
    )
    await record(
        session,
        actor=subject,
        action="boarding_house.checkpoint_printout",
        object_type="boarding_house",
        detail={"count": len(houses), "house_ids": [str(h.id) for h in houses]},
    )
    html = render_printout(
        [Sticker(h.checkpoint_token, h.name, h.address, h.code) for h in houses],
        title="Mã QR điểm kiểm tra nhà trọ",
    )
    return HTMLResponse(html, headers=_SECRET_HEADERS)


@router.get(
    "/{house_id}/qr.svg",
    name="houses-qr-svg",
    response_class=Response,
    responses=_binary("image/svg+xml"),
)
async def qr_svg(session: SessionDep, subject: CurrentSubject, house: CheckpointHouse) -> Response:
    """The house's checkpoint QR code as SVG, with its name underneath."""
    await _audit_read(session, subject, house, "svg")
    body = render_svg(house.checkpoint_token, house.name, house.code)
    headers = _SECRET_HEADERS | {"Content-Disposition": f'inline; filename="{house.code}.svg"'}
    return Response(body, media_type="image/svg+xml", headers=headers)


@router.get(
    "/{house_id}/qr.png",
    name="houses-qr-png",
    response_class=Response,
    responses=_binary("image/png"),
)
async def qr_png(session: SessionDep, subject: CurrentSubject, house: CheckpointHouse) -> Response:
    """The house's checkpoint QR code as PNG, with its name underneath."""
    await _audit_read(session, subject, house, "png")
    body = render_png(house.checkpoint_token, house.name, house.code)
    headers = _SECRET_HEADERS | {"Content-Disposition": f'inline; filename="{house.code}.png"'}
    return Response(body, media_type="image/png", headers=headers)


@router.post(
    "/{house_id}/checkpoint/rotate", name="houses-rotate-checkpoint", response_model=HouseRead
)
async def rotate_checkpoint(
    session: SessionDep,
    subject: CurrentSubject,
    house: RotatableHouse,
    response: Response,
    if_match: IfMatch = None,
) -> HouseRead:
    """Issue a new checkpoint token (điểm kiểm tra), e.g. a sticker was copied or lost; the old one
    stops counting as a
    valid scan. Print the new QR afterwards. If-Match required."""
    await ensure_fresh(if_match, house.version, lambda: house_read(session, house))
    house = await tokens.rotate_checkpoint(session, actor=subject, house=house)
    set_etag(response, house.version)
    return await house_read(session, house)

"""Boarding houses: the list, the form to register one (optionally straight onto a team), and
one house's page with its teams and its QR sticker. The registry service checks and audits."""

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Query, Request
from sqlalchemy import func, select

from backend.audit.service import record_personal_read
from backend.console import admin_files
from backend.console import admin_pickers as pickers
from backend.console.admin_common import (
    attempt,
    check_form_version,
    done,
    form_error,
    opt_float,
    opt_int,
    opt_uuid,
    require_admin,
)
from backend.console.web import Console, ConsoleRoute, CurrentConsole, render
from backend.core.db import SessionDep
from backend.models import AdminUnit, BoardingHouse, Site, Team, TeamHouse
from backend.policy import get_visible
from backend.policy.registry import current_period
from backend.registry import houses_service, queries
from backend.registry.checkpoints import tokens
from backend.registry.validation import HOUSE_STATUSES

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
LIST_LIMIT = 200

EMPTY = {
    "code": "",
    "name": "",
    "address": "",
    "admin_unit_id": "",
    "lat": "",
    "lon": "",
    "landlord_name": "",
    "landlord_phone": "",
    "rooms": "",
    "team_id": "",
}


def _uuid_or_none(raw: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(raw) if raw else None
    except ValueError:  # the form's own error says so; the picker just keeps nothing
        return None


async def _found(session, console: Console, q: str):
    return await queries.house_query(
        session, subject=console.subject, filters=queries.Filters(q=q or None)
    )


async def _houses_ctx(request: Request, session, console: Console, form: dict, q: str) -> dict:
    stmt = await _found(session, console, q)
    houses = (
        await session.scalars(stmt.order_by(BoardingHouse.name_search).limit(LIST_LIMIT))
    ).all()
    total = await session.scalar(select(func.count()).select_from(stmt.subquery()))
    units = await pickers.unit_options(
        session, "admin", picked=pickers.picked_ids([form.get("admin_unit_id")])
    )
    teams = list(
        await session.scalars(
            pickers.team_choices(console).order_by(Team.name_search).limit(pickers.PICK_LIMIT)
        )
    )
    picked = _uuid_or_none(form.get("team_id"))
    if picked and all(team.id != picked for team in teams):
        # A form shown again after an error keeps the team that was searched for and picked.
        kept = await session.scalar(pickers.team_choices(console).where(Team.id == picked))
        teams = [kept, *teams] if kept else teams
    return {
        "houses": houses,
        "total": total,
        "admin_units": units,
        "teams": teams,
        "form": form,
        "q": q,
        "done": request.query_params.get("done", ""),
    }


@router.get("/admin/houses", name="console-admin-houses")
async def houses_page(
    request: Request,
    session: SessionDep,
    console: CurrentConsole,
    q: Annotated[str, Query(max_length=100)] = "",
    format: Literal["html", "csv", "xlsx"] = "html",
):
    """Houses by name (search ignores diacritics), the first ``LIST_LIMIT`` and the form to
    register one; or every matching house as CSV/XLSX (streamed: a city has 40,000)."""
    require_admin(console)
    if format != "html":
        h = BoardingHouse
        stmt = await _found(session, console, q)
        return await admin_files.admin_stream(
            request,
            session,
            console,
            stmt=stmt.with_only_columns(h.name, h.code, h.address, h.status, h.id).order_by(
                h.name_search, h.id
            ),
            columns=admin_files.HOUSE_COLUMNS,
            fmt=format,
            thing="houses",
            filters={"q": q},
        )
    ctx = await _houses_ctx(request, session, console, dict(EMPTY), q)
    return render(request, "admin/houses.html", ctx)


@router.post("/admin/houses", name="console-admin-house-create")
async def create_house(
    request: Request,
    session: SessionDep,
    console: CurrentConsole,
    code: Annotated[str, Form(max_length=64)] = "",
    name: Annotated[str, Form(max_length=255)] = "",
    address: Annotated[str, Form(max_length=500)] = "",
    admin_unit_id: Annotated[str, Form(max_length=64)] = "",
    lat: Annotated[str, Form(max_length=32)] = "",
    lon: Annotated[str, Form(max_length=32)] = "",
    landlord_name: Annotated[str, Form(max_length=255)] = "",
    landlord_phone: Annotated[str, Form(max_length=32)] = "",
    rooms: Annotated[str, Form(max_length=12)] = "",
    team_id: Annotated[str, Form(max_length=64)] = "",
):
    """Register a house with a fresh checkpoint token; its site follows from its location."""
    require_admin(console)
    form = {
        "code": code,
        "name": name,
        "address": address,
        "admin_unit_id": admin_unit_id,
        "lat": lat,
        "lon": lon,
        "landlord_name": landlord_name,
        "landlord_phone": landlord_phone,
        "rooms": rooms,
        "team_id": team_id,
    }

    async def call():
        return await houses_service.create_house(
            session,
            actor=console.subject,
            code=code,
            name=name,
            address=address,
            admin_unit_id=opt_uuid(admin_unit_id, "admin_unit_id"),
            lat=opt_float(lat, "lat"),
            lon=opt_float(lon, "lon"),
            landlord_name=landlord_name or None,
            landlord_phone=landlord_phone or None,
            rooms=opt_int(rooms, "rooms"),
            team_id=opt_uuid(team_id, "team_id"),
        )

    house, error = await attempt(session, call)
    if error is not None:
        ctx = await _houses_ctx(request, session, console, form, "")
        return form_error(request, "admin/houses.html", ctx, error)
    return done(f"/admin/houses/{house.id}", "house_created")


@router.get("/admin/houses/{house_id}", name="console-admin-house")
async def house_page(
    request: Request, session: SessionDep, console: CurrentConsole, house_id: uuid.UUID
):
    """One house: where it is, its landlord (a logged read), its teams, its QR sticker."""
    require_admin(console)
    house = await get_visible(session, console.subject, BoardingHouse, house_id)
    return render(request, "admin/house.html", await _house_ctx(request, session, console, house))


async def _house_ctx(request: Request, session, console: Console, house: BoardingHouse) -> dict:
    if house.landlord_phone:  # a third party's personal data, logged as the API logs it
        await record_personal_read(
            session,
            actor=console.subject,
            object_type="boarding_house",
            ids=[house.id],
            fields=["landlord_name", "landlord_phone"],
        )
    unit = await session.get(AdminUnit, house.admin_unit_id)
    site = await session.get(Site, house.site_id) if house.site_id else None
    teams = (
        await session.scalars(
            select(Team)
            .join(TeamHouse, TeamHouse.team_id == Team.id)
            .where(TeamHouse.house_id == house.id, current_period(TeamHouse))
            .order_by(Team.name_search)
        )
    ).all()
    return {
        "house": house,
        "unit": unit,
        "site": site,
        "teams": teams,
        "statuses": HOUSE_STATUSES,
        "done": request.query_params.get("done", ""),
    }


@router.post("/admin/houses/{house_id}", name="console-admin-house-update")
async def update_house(
    request: Request,
    session: SessionDep,
    console: CurrentConsole,
    house_id: uuid.UUID,
    version: Annotated[str, Form(max_length=12)] = "",
    name: Annotated[str, Form(max_length=255)] = "",
    address: Annotated[str, Form(max_length=500)] = "",
    lat: Annotated[str, Form(max_length=32)] = "",
    lon: Annotated[str, Form(max_length=32)] = "",
    landlord_name: Annotated[str, Form(max_length=255)] = "",
    landlord_phone: Annotated[str, Form(max_length=32)] = "",
    rooms: Annotated[str, Form(max_length=12)] = "",
    status: Annotated[str, Form(max_length=16)] = "",
):
    """Change a house's name, address, location (its site is decided again), landlord, rooms
    or status, if it is still at the version the form was read at."""
    require_admin(console)
    house = await get_visible(session, console.subject, BoardingHouse, house_id)

    async def call():
        check_form_version(version, house.version)
        return await houses_service.update_house(
            session,
            actor=console.subject,
            house=house,
            name=name,
            address=address,
            lat=opt_float(lat, "lat"),
            lon=opt_float(lon, "lon"),
            landlord_name=landlord_name or None,
            landlord_phone=landlord_phone or None,
            rooms=opt_int(rooms, "rooms"),
            status=status,
        )

    _, error = await attempt(session, call)
    if error is not None:
        house = await get_visible(session, console.subject, BoardingHouse, house_id)
        ctx = await _house_ctx(request, session, console, house)
        return form_error(request, "admin/house.html", ctx, error)
    return done(f"/admin/houses/{house_id}", "saved")


@router.post("/admin/houses/{house_id}/rotate", name="console-admin-house-rotate")
async def rotate(session: SessionDep, console: CurrentConsole, house_id: uuid.UUID):
    """A new checkpoint token (a sticker was lost or copied): the old one stops counting as a
    valid scan; print the new sticker next."""
    require_admin(console)
    house = await get_visible(session, console.subject, BoardingHouse, house_id)
    await tokens.rotate_checkpoint(session, actor=console.subject, house=house)
    return done(f"/admin/houses/{house.id}", "checkpoint_rotated")

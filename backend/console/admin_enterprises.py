"""One enterprise's page and its edit form (name, site, tax code, sector, headcount) through the
registry's ``update_enterprise`` (checked, audited ``enterprise.update``). The form carries the
version it was read at, as the API's If-Match does: a stale save is refused, not merged."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Form, Request
from sqlalchemy import select

from backend.console.admin_common import (
    attempt,
    check_form_version,
    done,
    form_error,
    opt_int,
    opt_uuid,
    require_admin,
)
from backend.console.web import Console, ConsoleRoute, CurrentConsole, render
from backend.core.db import SessionDep
from backend.models import Enterprise, Site
from backend.policy import authorize, get_visible, scoped
from backend.registry import enterprises_service

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)


async def _ctx(request: Request, session, console: Console, enterprise: Enterprise) -> dict:
    sites = await session.scalars(
        scoped(select(Site), console.subject, Site)
        .where(Site.deleted_at.is_(None))
        .order_by(Site.name_search)
        .limit(500)
    )
    return {
        "e": enterprise,
        "sites": sites.all(),
        "done": request.query_params.get("done", ""),
    }


@router.get("/admin/enterprises/{enterprise_id}", name="console-admin-enterprise")
async def enterprise_page(
    request: Request, session: SessionDep, console: CurrentConsole, enterprise_id: uuid.UUID
):
    """One enterprise and the form to change it (administrators only)."""
    require_admin(console)
    enterprise = await get_visible(session, console.subject, Enterprise, enterprise_id)
    return render(
        request, "admin/enterprise.html", await _ctx(request, session, console, enterprise)
    )


@router.post("/admin/enterprises/{enterprise_id}", name="console-admin-enterprise-update")
async def update_enterprise(
    request: Request,
    session: SessionDep,
    console: CurrentConsole,
    enterprise_id: uuid.UUID,
    version: Annotated[str, Form(max_length=12)] = "",
    name: Annotated[str, Form(max_length=255)] = "",
    site_id: Annotated[str, Form(max_length=64)] = "",
    tax_code: Annotated[str, Form(max_length=32)] = "",
    sector: Annotated[str, Form(max_length=128)] = "",
    headcount: Annotated[str, Form(max_length=12)] = "",
):
    """Save the form if the enterprise is still at the version the form was read at (else the
    form again, saying someone else changed it); an empty site or tax code clears it."""
    require_admin(console)
    enterprise = await get_visible(session, console.subject, Enterprise, enterprise_id)
    authorize(console.subject, "enterprise.write")

    async def call():
        check_form_version(version, enterprise.version)
        return await enterprises_service.update_enterprise(
            session,
            actor=console.subject,
            enterprise=enterprise,
            name=name,
            site_id=opt_uuid(site_id, "site_id"),
            tax_code=tax_code.strip() or None,
            sector=sector.strip() or None,
            headcount=opt_int(headcount, "headcount"),
        )

    _, error = await attempt(session, call)
    if error is not None:
        enterprise = await get_visible(session, console.subject, Enterprise, enterprise_id)
        ctx = await _ctx(request, session, console, enterprise)
        return form_error(request, "admin/enterprise.html", ctx, error)
    return done(f"/admin/enterprises/{enterprise_id}", "saved")

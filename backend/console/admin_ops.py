"""Police jurisdictions (which liaison answers for which ward or site), webhook subscriptions
(list, create with the secret shown once, disable), and failed deliveries with retry."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from sqlalchemy import select

from backend.console import admin_pickers as pickers
from backend.console.admin_common import (
    attempt,
    done,
    field_invalid,
    form_error,
    opt_uuid,
    require_admin,
)
from backend.console.paging import next_page
from backend.console.web import Console, ConsoleRoute, CurrentConsole, render
from backend.core.db import SessionDep
from backend.core.pagination import decode_keys
from backend.models import Site, User
from backend.models.notification import NotificationDelivery, WebhookSubscription
from backend.notifications import service as notify
from backend.policy import get_visible
from backend.teams import jurisdictions

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
LIMIT = 500


async def _live(session, model, *, order) -> list:
    stmt = select(model).where(model.deleted_at.is_(None)).order_by(order).limit(2000)
    return list((await session.scalars(stmt)).all())


# --- police jurisdictions -----------------------------------------------------------------


async def _jurisdictions_ctx(
    request: Request, session, console: Console, form: dict, cursor: str | None = None
) -> dict:
    # By id, LIMIT a page: a country's wards each have their liaison.
    key = decode_keys(cursor, uuid.UUID)
    rows = await jurisdictions.list_jurisdictions(
        session, subject=console.subject, after=key[0] if key else None, limit=LIMIT + 1
    )
    more = next_page(request, [str(rows[LIMIT - 1][0].id)]) if len(rows) > LIMIT else None
    rows = rows[:LIMIT]
    picked = pickers.picked_ids([form.get("admin_unit_id")])
    units = await pickers.unit_options(session, "admin", picked=picked)
    sites = await _live(session, Site, order=Site.name_search)
    # The first PICK_LIMIT by name and a search (a country has thousands); a pick is kept.
    liaisons = list(
        await session.scalars(
            pickers.account_choices(console, kind="liaison")
            .order_by(User.full_name)
            .limit(pickers.PICK_LIMIT)
        )
    )
    chosen = pickers.picked_ids([form.get("user_id")])
    if chosen and all(u.id != chosen[0] for u in liaisons):
        kept = await session.scalar(
            pickers.account_choices(console, kind="liaison").where(User.id == chosen[0])
        )
        liaisons = [kept, *liaisons] if kept else liaisons
    return {
        "rows": rows,
        "more": more,
        "unit_names": await pickers.unit_names(session, (s.admin_unit_id for s, _ in rows)),
        "site_names": {s.id: s.name for s in sites},
        "admin_units": units,
        "sites": sites,
        "liaisons": liaisons,
        "form": form,
        "done": request.query_params.get("done", ""),
    }


@router.get("/admin/jurisdictions", name="console-admin-jurisdictions")
async def jurisdictions_page(
    request: Request,
    session: SessionDep,
    console: CurrentConsole,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
):
    """Who answers for which ward or site (``LIMIT`` a page), and the form to assign one more."""
    require_admin(console)
    ctx = await _jurisdictions_ctx(request, session, console, {}, cursor)
    return render(request, "admin/jurisdictions.html", ctx)


@router.post("/admin/jurisdictions", name="console-admin-jurisdiction-create")
async def assign(
    request: Request,
    session: SessionDep,
    console: CurrentConsole,
    user_id: Annotated[str, Form(max_length=64)] = "",
    admin_unit_id: Annotated[str, Form(max_length=64)] = "",
    site_id: Annotated[str, Form(max_length=64)] = "",
):
    """Make a liaison answer for an admin unit (with its subtree) or a site."""
    require_admin(console)
    form = {"user_id": user_id, "admin_unit_id": admin_unit_id, "site_id": site_id}

    async def call():
        liaison = opt_uuid(user_id, "user_id")
        if liaison is None:
            raise field_invalid("user_id", "required")
        return await jurisdictions.create_jurisdiction(
            session,
            actor=console.subject,
            user_id=liaison,
            admin_unit_id=opt_uuid(admin_unit_id, "admin_unit_id"),
            site_id=opt_uuid(site_id, "site_id"),
        )

    _, error = await attempt(session, call)
    if error is not None:
        ctx = await _jurisdictions_ctx(request, session, console, form)
        return form_error(request, "admin/jurisdictions.html", ctx, error)
    return done("/admin/jurisdictions", "jurisdiction_added")


@router.post(
    "/admin/jurisdictions/{jurisdiction_id}/delete", name="console-admin-jurisdiction-delete"
)
async def unassign(session: SessionDep, console: CurrentConsole, jurisdiction_id: uuid.UUID):
    """Remove one assignment (the audit trail keeps it)."""
    require_admin(console)
    scope, _ = await jurisdictions.get_jurisdiction(
        session, subject=console.subject, jurisdiction_id=jurisdiction_id
    )
    await jurisdictions.delete_jurisdiction(session, actor=console.subject, scope=scope)
    return done("/admin/jurisdictions", "jurisdiction_removed")


# --- webhooks -----------------------------------------------------------------------------

EMPTY_HOOK = {"url": "", "unit": "", "description": "", "event_types": "", "include_subtree": True}


async def _webhooks_ctx(request: Request, session, console: Console, form: dict) -> dict:
    rows = await notify.list_subscriptions(
        session, subject=console.subject, after_id=None, limit=LIMIT
    )
    picked = pickers.picked_ids([form.get("unit")])
    names = await pickers.unit_names(session, (w.admin_unit_id or w.union_unit_id for w in rows))
    return {
        "rows": rows,
        "names": names,
        "admin_units": await pickers.unit_options(session, "admin", picked=picked),
        "union_units": await pickers.unit_options(session, "union", picked=picked),
        "form": form,
        "done": request.query_params.get("done", ""),
    }


@router.get("/admin/webhooks", name="console-admin-webhooks")
async def webhooks_page(request: Request, session: SessionDep, console: CurrentConsole):
    """Live webhook subscriptions (never their secrets) and the form to add one."""
    require_admin(console)
    ctx = await _webhooks_ctx(request, session, console, dict(EMPTY_HOOK))
    return render(request, "admin/webhooks.html", ctx)


def _unit(raw: str) -> tuple[uuid.UUID | None, uuid.UUID | None]:
    """The picker's "admin:<id>" or "union:<id>" as (admin_unit_id, union_unit_id)."""
    kind, _, value = raw.partition(":")
    unit = opt_uuid(value, "unit")
    if unit is None or kind not in ("admin", "union"):
        raise field_invalid("unit", "webhook_unit_required")
    return (unit, None) if kind == "admin" else (None, unit)


@router.post("/admin/webhooks", name="console-admin-webhook-create")
async def create_webhook(
    request: Request,
    session: SessionDep,
    console: CurrentConsole,
    url: Annotated[str, Form(max_length=2048)] = "",
    unit: Annotated[str, Form(max_length=80)] = "",
    description: Annotated[str, Form(max_length=255)] = "",
    event_types: Annotated[str, Form(max_length=1400)] = "",
    include_subtree: Annotated[bool, Form()] = False,
):
    """Subscribe a URL; the signing secret is shown on the answer, once."""
    require_admin(console)
    form = {
        "url": url,
        "unit": unit,
        "description": description,
        "event_types": event_types,
        "include_subtree": include_subtree,
    }

    async def call():
        admin_unit_id, union_unit_id = _unit(unit)
        types = [t for t in event_types.replace(",", " ").split() if t]
        if len(types) > 20 or any(not _glob_ok(t) for t in types):
            raise field_invalid("event_types")
        return await notify.create_subscription(
            session,
            actor=console.subject,
            settings=request.app.state.settings,
            url=url.strip(),
            union_unit_id=union_unit_id,
            admin_unit_id=admin_unit_id,
            description=description.strip(),
            event_types=types,
            include_subtree=include_subtree,
        )

    created, error = await attempt(session, call)
    if error is not None:
        ctx = await _webhooks_ctx(request, session, console, form)
        return form_error(request, "admin/webhooks.html", ctx, error)
    sub, secret = created
    ctx = await _webhooks_ctx(request, session, console, dict(EMPTY_HOOK))
    # Shown on this answer only (no redirect that could be reloaded from history).
    return render(
        request, "admin/webhooks.html", ctx | {"created": sub, "secret": secret}, status=201
    )


def _glob_ok(text: str) -> bool:
    allowed = set("abcdefghijklmnopqrstuvwxyz0123456789_.*?-")
    return 0 < len(text) <= 64 and set(text) <= allowed


@router.post("/admin/webhooks/{webhook_id}/disable", name="console-admin-webhook-disable")
async def disable_webhook(session: SessionDep, console: CurrentConsole, webhook_id: uuid.UUID):
    """Stop a subscription (its pending deliveries are dropped)."""
    require_admin(console)
    sub = await get_visible(session, console.subject, WebhookSubscription, webhook_id)
    if sub.deleted_at is not None:
        return done("/admin/webhooks", "webhook_disabled")
    await notify.delete_subscription(session, actor=console.subject, subscription=sub)
    return done("/admin/webhooks", "webhook_disabled")


# --- failed deliveries --------------------------------------------------------------------


@router.get("/admin/deliveries", name="console-admin-deliveries")
async def deliveries_page(request: Request, session: SessionDep, console: CurrentConsole):
    """Deliveries that gave up, newest first, each with a retry button."""
    require_admin(console)
    rows = await notify.list_failed(
        session, subject=console.subject, channel=None, after=None, limit=LIMIT
    )
    ctx = {"rows": rows, "done": request.query_params.get("done", "")}
    return render(request, "admin/deliveries.html", ctx)


@router.post("/admin/deliveries/{delivery_id}/retry", name="console-admin-delivery-retry")
async def retry(
    request: Request, session: SessionDep, console: CurrentConsole, delivery_id: uuid.UUID
):
    """Queue a failed delivery again with a fresh set of attempts."""
    require_admin(console)
    delivery = await get_visible(session, console.subject, NotificationDelivery, delivery_id)
    _, error = await attempt(
        session,
        lambda: notify.retry_delivery(session, actor=console.subject, delivery=delivery),
    )
    if error is not None:
        rows = await notify.list_failed(
            session, subject=console.subject, channel=None, after=None, limit=LIMIT
        )
        return form_error(request, "admin/deliveries.html", {"rows": rows}, error)
    return done("/admin/deliveries", "delivery_queued")

"""Users and roles: create an account, change its role and units, deactivate or reactivate it,
reset its password. The accounts service does the checking and the auditing, as for the API."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Form, Request

from backend.accounts import service as accounts
from backend.audit.service import record_personal_read
from backend.console import admin_pickers as pickers
from backend.console.admin_common import (
    attempt,
    done,
    field_invalid,
    form_error,
    require_admin,
    uuids,
)
from backend.console.web import Console, ConsoleRoute, CurrentConsole, render
from backend.core.db import SessionDep
from backend.core.errors import Invalid
from backend.models import User
from backend.policy import Role, get_visible

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)


async def unit_choices(session, picked: list[str]) -> dict[str, list]:
    """The scope picker's units of both trees (the picked ones kept; a search reaches the rest)."""
    ids = pickers.picked_ids(picked)
    return {
        tree: await pickers.unit_options(session, tree, picked=ids) for tree in ("admin", "union")
    }


def _form(values: dict | None = None) -> dict:
    base = {"phone": "", "full_name": "", "role": "union_officer", "scope_unit_ids": []}
    return base | (values or {})


@router.get("/admin/users/new", name="console-admin-user-new")
async def new_user(request: Request, session: SessionDep, console: CurrentConsole):
    """The new-account form."""
    require_admin(console)
    ctx = {"form": _form(), "units": await unit_choices(session, []), "roles": list(Role)}
    return render(request, "admin/user_new.html", ctx)


@router.post("/admin/users", name="console-admin-user-create")
async def create_user(
    request: Request,
    session: SessionDep,
    console: CurrentConsole,
    phone: Annotated[str, Form(max_length=32)] = "",
    full_name: Annotated[str, Form(max_length=255)] = "",
    role: Annotated[str, Form(max_length=32)] = "",
    password: Annotated[str, Form(max_length=128)] = "",
    scope_unit_ids: Annotated[list[str] | None, Form()] = None,
):
    """Create the account (phone normalised, NIST password rule, units checked against role)."""
    require_admin(console)
    values = {"phone": phone, "full_name": full_name.strip(), "role": role}
    values["scope_unit_ids"] = scope_unit_ids or []

    async def call():
        if not full_name.strip():
            raise field_invalid("full_name", "required")
        return await accounts.create_user(
            session,
            actor=console.subject,
            phone=phone,
            password=password,
            role=role,
            full_name=full_name.strip(),
            scope_unit_ids=uuids(scope_unit_ids, "scope_unit_ids"),
        )

    user, error = await attempt(session, call)
    if error is not None:
        units = await unit_choices(session, values["scope_unit_ids"])
        ctx = {"form": _form(values), "units": units, "roles": list(Role)}
        return form_error(request, "admin/user_new.html", ctx, error)
    return done(f"/admin/users/{user.id}", "user_created")


async def _user_ctx(request: Request, session, console: Console, user: User) -> dict:
    scope_ids = await accounts.load_scope_unit_ids(session, user_id=user.id)
    if user.id != console.subject.user_id:  # as the API: reading someone's phone is logged
        await record_personal_read(
            session, actor=console.subject, object_type="user", ids=[user.id], fields=["phone"]
        )
    picked = [str(i) for i in scope_ids]
    return {
        "user": user,
        "scope_ids": picked,
        "units": await unit_choices(session, picked),
        "roles": list(Role),
        "done": request.query_params.get("done", ""),
    }


@router.get("/admin/users/{user_id}", name="console-admin-user")
async def user_page(
    request: Request, session: SessionDep, console: CurrentConsole, user_id: uuid.UUID
):
    """One account: role and units, active or not, password reset."""
    require_admin(console)
    user = await get_visible(session, console.subject, User, user_id)
    return render(request, "admin/user.html", await _user_ctx(request, session, console, user))


async def _change(request, session, console: Console, user_id: uuid.UUID, key: str, **changes):
    require_admin(console)
    user = await get_visible(session, console.subject, User, user_id)

    async def call():
        # An administrator cannot lock themselves out (the last one would leave nobody).
        demoted = changes.get("role") not in (None, Role.system_admin.value)
        if user.id == console.user.id and (changes.get("is_active") is False or demoted):
            raise Invalid(code="self_lockout")
        return await accounts.update_user(session, actor=console.subject, user=user, **changes)

    _, error = await attempt(session, call)
    if error is not None:
        ctx = await _user_ctx(request, session, console, user)
        return form_error(request, "admin/user.html", ctx, error)
    return done(f"/admin/users/{user.id}", key)


@router.post("/admin/users/{user_id}/role", name="console-admin-user-role")
async def change_role(
    request: Request,
    session: SessionDep,
    console: CurrentConsole,
    user_id: uuid.UUID,
    role: Annotated[str, Form(max_length=32)] = "",
    scope_unit_ids: Annotated[list[str] | None, Form()] = None,
):
    """A new role and units together (the service checks they fit)."""
    ids = uuids(scope_unit_ids, "scope_unit_ids")
    return await _change(
        request, session, console, user_id, "user_updated", role=role, scope_unit_ids=ids
    )


@router.post("/admin/users/{user_id}/active", name="console-admin-user-active")
async def set_active(
    request: Request,
    session: SessionDep,
    console: CurrentConsole,
    user_id: uuid.UUID,
    active: Annotated[bool, Form()],
):
    """Deactivate (sessions stop at their next request) or reactivate an account."""
    key = "user_activated" if active else "user_deactivated"
    return await _change(request, session, console, user_id, key, is_active=active)


@router.post("/admin/users/{user_id}/password", name="console-admin-user-password")
async def reset_password(
    request: Request,
    session: SessionDep,
    console: CurrentConsole,
    user_id: uuid.UUID,
    password: Annotated[str, Form(max_length=128)] = "",
):
    """Set a new password, under the same rule as everywhere."""
    return await _change(request, session, console, user_id, "password_reset", password=password)

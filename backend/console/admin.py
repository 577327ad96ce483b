"""The administrator's home: users and roles, and the audit log with filters."""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from sqlalchemy import func, select

from backend.console.web import Console, ConsoleRoute, CurrentConsole, render
from backend.core.db import SessionDep
from backend.models import AuditEvent, BoardingHouse, Team, User
from backend.models.incident import Incident
from backend.policy import authorize, scoped

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
PAGE = 100


async def admin_home(request: Request, session, console: Console):
    """Counts of what the city holds, the newest users and the newest audit records."""
    authorize(console.subject, "user.manage")
    counts = {}
    for key, model in (("users", User), ("teams", Team), ("houses", BoardingHouse)):
        counts[key] = await session.scalar(
            scoped(select(func.count()).select_from(model), console.subject, model)
        )
    counts["incidents"] = await session.scalar(
        scoped(select(func.count()).select_from(Incident), console.subject, Incident)
    )
    users = (
        await session.scalars(
            scoped(select(User), console.subject, User).order_by(User.created_at.desc()).limit(20)
        )
    ).all()
    events = (
        await session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(20))
    ).all()
    return render(request, "admin/home.html", {"counts": counts, "users": users, "events": events})


@router.get("/admin/users", name="console-admin-users")
async def users(
    request: Request,
    session: SessionDep,
    console: CurrentConsole,
    role: Annotated[str | None, Query(max_length=32)] = None,
):
    """Every account with its role (administrators only)."""
    authorize(console.subject, "user.manage")
    stmt = scoped(select(User), console.subject, User).order_by(User.full_name).limit(PAGE)
    if role:
        stmt = stmt.where(User.role == role)
    rows = (await session.scalars(stmt)).all()
    return render(request, "admin/users.html", {"users": rows, "role": role or ""})


@router.get("/admin/audit", name="console-admin-audit")
async def audit_log(
    request: Request,
    session: SessionDep,
    console: CurrentConsole,
    action: Annotated[str | None, Query(max_length=64)] = None,
    object_type: Annotated[str | None, Query(max_length=64)] = None,
):
    """The audit log, newest first, filtered by action prefix and object type."""
    authorize(console.subject, "audit.read")
    stmt = scoped(select(AuditEvent), console.subject, AuditEvent)
    stmt = stmt.order_by(AuditEvent.id.desc()).limit(PAGE)
    if action:
        stmt = stmt.where(AuditEvent.action.startswith(action, autoescape=True))
    if object_type:
        stmt = stmt.where(AuditEvent.object_type == object_type)
    rows = (await session.scalars(stmt)).all()
    ctx = {"events": rows, "f": {"action": action or "", "object_type": object_type or ""}}
    return render(request, "admin/audit.html", ctx)

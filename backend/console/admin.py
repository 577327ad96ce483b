"""The administrator's home: users and roles, and the audit log with filters; both page by
keyset (a city has ten thousand accounts, and the audit log grows every day)."""

import uuid
from datetime import UTC, datetime, time, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from sqlalchemy import func, select

from backend.audit.service import record_personal_read
from backend.console import admin_files
from backend.console.admin_common import accounts_matching, form_error, opt_date
from backend.console.i18n import LOCAL_TZ
from backend.console.paging import keyset_page
from backend.console.web import Console, ConsoleRoute, CurrentConsole, render
from backend.core.db import SessionDep
from backend.core.errors import DomainError
from backend.models import AuditEvent, BoardingHouse, Team, User
from backend.models.incident import Incident
from backend.policy import authorize, scoped

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
PAGE = 100  # rows a page; a "next" link carries the last one's key
FILE_LIMIT = 10_000  # rows in a file (from the filters, not the page)
Cursor = Annotated[str | None, Query(max_length=200)]
Format = Literal["html", "csv", "xlsx"]


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
    q: Annotated[str | None, Query(max_length=64)] = None,
    cursor: Cursor = None,
    format: Format = "html",
):
    """Accounts with their roles by name (administrators only), filtered by role and by part of
    a name or a whole phone, ``PAGE`` a page; or every matching one as CSV/XLSX."""
    authorize(console.subject, "user.manage")
    stmt = scoped(select(User), console.subject, User)
    if role:
        stmt = stmt.where(User.role == role)
    if q and q.strip():
        stmt = stmt.where(accounts_matching(q.strip()))
    total, more = None, None
    if format == "html":
        total = await session.scalar(select(func.count()).select_from(stmt.subquery()))
        page, more = await keyset_page(
            session,
            request,
            stmt,
            order=[User.full_name, User.id],
            parse=[str, uuid.UUID],
            cursor=cursor,
            limit=PAGE,
        )
        rows = [r[0] for r in page]
    else:
        stmt = stmt.order_by(User.full_name, User.id).limit(FILE_LIMIT)
        rows = (await session.scalars(stmt)).all()
    # As the API's list: other people's phone numbers read in bulk are logged.
    await record_personal_read(
        session,
        actor=console.subject,
        object_type="user",
        ids=[u.id for u in rows if u.id != console.subject.user_id],
        fields=["phone"],
    )
    if format != "html":
        return await admin_files.admin_file(
            request,
            session,
            console,
            rows=admin_files.user_rows(rows),
            columns=admin_files.USER_COLUMNS,
            fmt=format,
            thing="users",
            filters={"role": role, "q": q},
        )
    ctx = {"users": rows, "role": role or "", "q": q or "", "total": total, "more": more}
    return render(request, "admin/users.html", ctx)


def _day_start(raw: str | None, field: str, *, next_day: bool = False) -> datetime | None:
    """A local calendar day (Asia/Ho_Chi_Minh) as its first instant in UTC."""
    day = opt_date(raw, field)
    if day is None:
        return None
    if next_day:
        day += timedelta(days=1)
    return datetime.combine(day, time.min, tzinfo=LOCAL_TZ).astimezone(UTC)


@router.get("/admin/audit", name="console-admin-audit")
async def audit_log(
    request: Request,
    session: SessionDep,
    console: CurrentConsole,
    action: Annotated[str | None, Query(max_length=64)] = None,
    object_type: Annotated[str | None, Query(max_length=64)] = None,
    object_id: Annotated[str | None, Query(max_length=64)] = None,
    actor: Annotated[str | None, Query(max_length=64)] = None,
    date_from: Annotated[str | None, Query(max_length=10)] = None,
    date_to: Annotated[str | None, Query(max_length=10)] = None,
    cursor: Cursor = None,
    format: Format = "html",
):
    """The audit log, newest first, filtered by actor (name or whole phone), action prefix, object
    type and id, and a range of local days; or the same rows as CSV/XLSX."""
    authorize(console.subject, "audit.read")
    f = {
        "action": action or "",
        "object_type": object_type or "",
        "object_id": object_id or "",
        "actor": actor or "",
        "date_from": date_from or "",
        "date_to": date_to or "",
    }
    try:
        start = _day_start(date_from, "date_from")
        end = _day_start(date_to, "date_to", next_day=True)
    except DomainError as exc:
        ctx = {"events": [], "f": f, "actors": {}}
        return form_error(request, "admin/audit.html", ctx, exc)
    stmt = scoped(select(AuditEvent), console.subject, AuditEvent)
    if action:
        stmt = stmt.where(AuditEvent.action.startswith(action, autoescape=True))
    if object_type:
        stmt = stmt.where(AuditEvent.object_type == object_type)
    if object_id:
        stmt = stmt.where(AuditEvent.object_id == object_id.strip())
    if actor and actor.strip():
        stmt = stmt.where(
            AuditEvent.actor_id.in_(select(User.id).where(accounts_matching(actor.strip())))
        )
    if start is not None:
        stmt = stmt.where(AuditEvent.occurred_at >= start)
    if end is not None:
        stmt = stmt.where(AuditEvent.occurred_at < end)
    older = None
    if format == "html":
        page, older = await keyset_page(
            session,
            request,
            stmt,
            order=[AuditEvent.id],
            parse=[int],
            cursor=cursor,
            limit=PAGE,
            descending=True,
        )
        rows = [r[0] for r in page]
    else:
        stmt = stmt.order_by(AuditEvent.id.desc()).limit(FILE_LIMIT)
        rows = (await session.scalars(stmt)).all()
    ids = {e.actor_id for e in rows if e.actor_id}
    names = {}
    if ids:
        found = await session.execute(select(User.id, User.full_name).where(User.id.in_(ids)))
        names = {uid: name for uid, name in found.all()}
    if format != "html":
        return await admin_files.admin_file(
            request,
            session,
            console,
            rows=admin_files.audit_rows(rows, names),
            columns=admin_files.AUDIT_COLUMNS,
            fmt=format,
            thing="audit",
            filters=f,
        )
    ctx = {"events": rows, "f": f, "actors": names, "older": older}
    return render(request, "admin/audit.html", ctx)

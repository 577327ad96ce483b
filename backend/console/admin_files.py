"""The administration lists' files (users, houses, teams, the audit log): the rows each list
page shows, with its filters, as CSV/XLSX; streamed and audited through ``page_file``. A list
longer than any page (a city's 40,000 houses) is streamed from its query instead
(``admin_stream``), as the API's exports are."""

from sqlalchemy import Select

from backend.console.i18n import ROLE_WORDS
from backend.console.page_files import page_file, query_file
from backend.monitoring.exports import Column, labels
from backend.monitoring.registry_exports import HOUSE_STATUS, TEAM_STATUS

ACTIVE = {True: ("Đang hoạt động", "Active"), False: ("Đã khóa", "Inactive")}

USER_COLUMNS = (
    Column("full_name", "Họ và tên", "Name", width=28),
    Column("phone", "Số điện thoại", "Phone", width=16),
    Column("role", "Vai trò", "Role", format=labels(ROLE_WORDS), width=24),
    Column("active", "Trạng thái", "Status", format=labels(ACTIVE), width=16),
    Column("id", "Mã tài khoản", "Account id", width=38),
)
HOUSE_COLUMNS = (
    Column("name", "Tên nhà trọ", "House", width=32),
    Column("code", "Mã nhà trọ", "House code"),
    Column("address", "Địa chỉ", "Address", width=40),
    Column("status", "Trạng thái", "Status", format=labels(HOUSE_STATUS), width=14),
    Column("id", "Mã hệ thống", "Id", width=38),
)
TEAM_COLUMNS = (
    Column("name", "Tên tổ", "Team", width=32),
    Column("code", "Mã tổ", "Team code"),
    Column("status", "Trạng thái", "Status", format=labels(TEAM_STATUS), width=14),
    Column("id", "Mã hệ thống", "Id", width=38),
)
AUDIT_COLUMNS = (
    Column("id", "#", "#", width=10),
    Column("occurred_at", "Thời điểm", "Occurred"),
    Column("actor", "Người thực hiện", "Actor", width=28),
    Column("actor_role", "Vai trò", "Role", format=labels(ROLE_WORDS), width=24),
    Column("action", "Hành động", "Action", width=32),
    Column("object_type", "Loại đối tượng", "Object type"),
    Column("object_id", "Mã đối tượng", "Object id", width=38),
)


def user_rows(users) -> list[dict]:
    return [
        {
            "full_name": u.full_name,
            "phone": u.phone,
            "role": u.role,
            "active": bool(u.is_active),
            "id": str(u.id),
        }
        for u in users
    ]


def team_rows(teams) -> list[dict]:
    return [{"name": t.name, "code": t.code, "status": t.status, "id": str(t.id)} for t in teams]


def audit_rows(events, names: dict) -> list[dict]:
    return [
        {
            "id": e.id,
            "occurred_at": e.occurred_at,
            "actor": names.get(e.actor_id, ""),
            "actor_role": e.actor_role,
            "action": e.action,
            "object_type": e.object_type,
            "object_id": e.object_id or "",
        }
        for e in events
    ]


async def admin_file(request, session, console, *, rows, columns, fmt, thing: str, filters):
    """An administration list as a file, audited ``admin_<thing>.export`` with its filters."""
    return await page_file(
        session,
        subject=console.subject,
        rows=rows,
        columns=columns,
        fmt=fmt,
        lang=request.cookies.get("ttq_lang", "vi"),
        filename=f"quan-tri-{thing}",
        object_type=f"admin_{thing}",
        detail={"filters": filters},
    )


async def admin_stream(request, session, console, *, stmt: Select, columns, fmt, thing, filters):
    """An administration list streamed from its (scoped) query with the columns' keys as labels,
    audited ``admin_<thing>.export`` as ``admin_file`` is."""
    return await query_file(
        request,
        session,
        subject=console.subject,
        stmt=stmt,
        columns=columns,
        fmt=fmt,
        object_type=f"admin_{thing}",
        filename=f"quan-tri-{thing}",
        detail=filters,
    )

"""Labour events (work stoppages, labour disputes, wage arrears) of a union subtree: enterprise,
workers involved, start and end, for the picked period; as a page or as CSV/XLSX."""

from datetime import timedelta
from typing import Literal

from fastapi import APIRouter, Request
from sqlalchemy import func, select

from backend.console import union_scope
from backend.console.i18n import STATUS_WORDS
from backend.console.police import category_names
from backend.console.web import ConsoleRoute, CurrentConsole, render
from backend.core.db import SessionDep
from backend.dashboards.exports import table_export
from backend.dashboards.sqlfuncs import day_start_utc
from backend.models import Enterprise
from backend.models.incident import Incident, IncidentCategory
from backend.monitoring.exports import Column, labels
from backend.policy import visible
from backend.policy.dashboards import incident_scope

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
LIMIT = 5000  # rows in a file (the page's figures count every event)
SHOWN = 200  # rows drawn in the page
COLUMNS = (
    Column("occurred_at", "Thời điểm báo", "Reported for"),
    Column("kind", "Loại", "Kind", width=24),
    Column("enterprise", "Doanh nghiệp", "Enterprise", width=32),
    Column("workers_involved", "Số công nhân", "Workers", width=10),
    Column("labour_started_at", "Bắt đầu", "Started"),
    Column("labour_ended_at", "Kết thúc", "Ended"),
    Column("status", "Trạng thái", "Status", format=labels(STATUS_WORDS)),
    Column("summary", "Nội dung", "Summary", width=60),
    Column("id", "Mã vụ việc", "Incident id", width=38),
)


async def _labour_where(session, *, subject, scope, period) -> list:
    """The conditions of the labour incidents the caller may see in the scope and period."""
    i = Incident
    # The labour codes as values, not a subquery: given them, PostgreSQL reads the period of
    # each from the (category, occurred_at) index; given a subquery it walked every incident
    # of the period newest first looking for labour ones (two months of a city at the
    # documented scale: 180,000 rows, 0.18-0.36 s). The console plans every statement for its
    # values (backend/console/web.py), so the codes reach the planner.
    labour = list(
        await session.scalars(
            select(IncidentCategory.code).where(IncidentCategory.labour_fields.is_(True))
        )
    )
    return [
        i.category.in_(labour),
        i.status != "draft",
        visible(subject, Incident),
        incident_scope(scope, Incident),
        i.occurred_at >= day_start_utc(period.first),
        i.occurred_at < day_start_utc(period.last + timedelta(days=1)),
    ]


async def labour_totals(session, *, where: list) -> tuple[int, int]:
    """How many labour events match ``where``, and how many workers they involved, whatever a
    page shows."""
    i = Incident
    events, workers = (
        await session.execute(
            select(func.count(i.id), func.coalesce(func.sum(i.workers_involved), 0)).where(*where)
        )
    ).one()
    return int(events), int(workers)


async def labour_rows(session, *, where: list, lang: str, limit: int) -> list[dict]:
    """Labour incidents matching ``where`` (``_labour_where``), latest first."""
    i = Incident
    stmt = (
        select(
            i.id,
            i.category,
            i.subtype,
            i.status,
            i.summary,
            i.occurred_at,
            i.workers_involved,
            i.labour_started_at,
            i.labour_ended_at,
            Enterprise.name,
        )
        .outerjoin(Enterprise, Enterprise.id == i.enterprise_id)
        .where(*where)
        .order_by(i.occurred_at.desc(), i.id)
        .limit(limit)
    )
    names = await category_names(session, lang)
    out = []
    for (
        iid,
        cat,
        sub,
        status,
        summary,
        at,
        workers,
        began,
        ended,
        enterprise,
    ) in await session.execute(stmt):
        out.append(
            {
                "occurred_at": at,
                "kind": names.get(f"{cat}.{sub}") or names.get(sub or "") or names.get(cat, cat),
                "enterprise": enterprise,
                "workers_involved": workers,
                "labour_started_at": began,
                "labour_ended_at": ended,
                "status": status,
                "summary": summary,
                "id": str(iid),
            }
        )
    return out


@router.get("/labour", name="console-labour")
async def labour(
    request: Request,
    session: SessionDep,
    console: CurrentConsole,
    format: Literal["html", "csv", "xlsx"] = "html",
):
    """Labour events of the picked union unit and period (union officers, the federation)."""
    union_scope.union_desk(console)
    pk = await union_scope.pick(request, session, console)
    lang = request.cookies.get("ttq_lang", "vi")
    where = await _labour_where(session, subject=console.subject, scope=pk.scope, period=pk.period)
    # The whole file's worth even for the page: with a limit of a page, PostgreSQL walks the
    # period newest first hoping to meet labour events soon (a district's: 130-170 ms against
    # 35-40 ms read from the category's index).
    rows = await labour_rows(session, where=where, lang=lang, limit=LIMIT)
    if format != "html":
        return await table_export(
            session,
            subject=console.subject,
            rows=rows,
            columns=COLUMNS,
            fmt=format,
            lang=lang,
            filename="su-kien-lao-dong",
            object_type="labour_events",
            detail={"scope": f"union:{pk.scope.id}", "from": pk.start, "to": pk.end},
        )
    if len(rows) < LIMIT:  # every event is here
        total, workers = len(rows), sum(r["workers_involved"] or 0 for r in rows)
    else:
        total, workers = await labour_totals(session, where=where)
    ctx = {
        "pk": pk,
        "scope": pk.scope,
        "items": rows[:SHOWN],
        "total": total,
        "workers": workers,
        "file_limit": LIMIT,
    }
    return render(request, "union/labour.html", ctx)

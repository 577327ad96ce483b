"""The police liaison's live queue (phone first): what waits for them, deadlines counting down,
new escalations pushed over server-sent events from the notifications stream hub."""

import uuid
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from sqlalchemy import select

from backend.console.page_files import QUEUE_COLUMNS, incident_row, page_file
from backend.console.paging import next_page
from backend.console.web import Console, ConsoleRoute, CurrentConsole, render
from backend.core.db import SessionDep
from backend.core.pagination import decode_keys
from backend.incidents import queries
from backend.models.incident import IncidentCategory
from backend.notifications.runtime import get_hub
from backend.notifications.stream import event_stream

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
QUEUE_LIMIT = 100  # a page; a "more" link carries the last one's key
FILE_LIMIT = 10_000  # the queue's file holds the whole queue (from its start), up to this
Cursor = Annotated[str | None, Query(max_length=200)]


async def category_names(session, lang: str) -> dict[str, str]:
    """Category code -> name in the page's language (the taxonomy is data)."""
    rows = await session.execute(
        select(IncidentCategory.code, IncidentCategory.name_vi, IncidentCategory.name_en)
    )
    return {code: (en if lang == "en" else vi) for code, vi, en in rows}


async def queue_context(
    request: Request, session, console: Console, *, cursor: str | None, limit: int | None = None
) -> dict:
    """A page of the caller's queue (``QUEUE_LIMIT`` unless ``limit``), unacknowledged first and
    soonest deadline first (the API's order), from the cursor's row on."""
    limit = limit or QUEUE_LIMIT
    after = decode_keys(cursor, int, datetime.fromisoformat, uuid.UUID)
    rows = await queries.queue(
        session,
        subject=console.subject,
        filters=queries.Filters(),
        after_key=after,
        limit=limit + 1,
    )
    more = None
    if len(rows) > limit:
        rows = rows[:limit]
        incident, rank, due = rows[-1]
        more = next_page(request, [rank, due.isoformat(), str(incident.id)])
    lang = request.cookies.get("ttq_lang", "vi")
    return {
        "items": [r[0] for r in rows],
        "categories": await category_names(session, lang),
        "more": more,
        "cursor": cursor,
    }


async def queue_page(request: Request, session, console: Console, cursor: str | None = None):
    """The police home: the live queue (its first page unless a cursor says otherwise)."""
    ctx = await queue_context(request, session, console, cursor=cursor)
    return render(request, "police/queue.html", ctx)


@router.get("/queue", name="console-queue")
async def queue(
    request: Request,
    session: SessionDep,
    console: CurrentConsole,
    cursor: Cursor = None,
    format: Literal["html", "csv", "xlsx"] = "html",
):
    """The queue page (also the police liaison's home); or the whole queue as CSV/XLSX, from its
    start whatever page the link was on (audited ``police_queue.export``)."""
    if format == "html":
        return await queue_page(request, session, console, cursor)
    ctx = await queue_context(request, session, console, cursor=None, limit=FILE_LIMIT)
    return await page_file(
        session,
        subject=console.subject,
        rows=[incident_row(i, ctx["categories"]) for i in ctx["items"]],
        columns=QUEUE_COLUMNS,
        fmt=format,
        lang=request.cookies.get("ttq_lang", "vi"),
        filename="hang-cho-xu-ly",
        object_type="police_queue",
        detail={},
    )


@router.get("/queue/items", name="console-queue-items")
async def queue_items(
    request: Request, session: SessionDep, console: CurrentConsole, cursor: Cursor = None
):
    """The page's rows alone, for htmx to swap in when the stream says something arrived."""
    ctx = await queue_context(request, session, console, cursor=cursor)
    return render(request, "police/_queue_items.html", ctx)


@router.get("/events", name="console-events")
async def events(request: Request, console: CurrentConsole):
    """The signed-in user's notifications as server-sent events, until the session expires."""
    last = request.headers.get("last-event-id")
    body = event_stream(
        request.app.state.session_factory,
        get_hub(request.app),
        request.app.state.settings,
        user_id=console.user.id,
        last_event_id=int(last) if last and last.isdigit() and len(last) < 19 else None,
        until=console.current.expires_at_ts,
    )
    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(body, media_type="text/event-stream", headers=headers)

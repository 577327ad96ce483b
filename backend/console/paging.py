"""Console lists page by keyset, as the API's lists do: the next page's link keeps the page's
filters and carries the last row's sort key as the same opaque cursor; files start from the
filters, never from a page."""

import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import Select
from starlette.requests import Request

from backend.core.pagination import decode_keys, encode_cursor
from backend.monitoring.filters import newest_first_after

CURSOR = "cursor"


def _filters(request: Request) -> list[tuple[str, str]]:
    return [(k, v) for k, v in request.query_params.multi_items() if k != CURSOR]


def filters_query(request: Request) -> str:
    """The request's parameters without its page (what the files and the next page keep)."""
    return urlencode(_filters(request))


def next_page(request: Request, key: list[Any]) -> str:
    """The query string of the page after the row whose sort key is ``key``."""
    return urlencode([*_filters(request), (CURSOR, encode_cursor(key))])


async def newest_first(
    session,
    request: Request,
    stmt: Select,
    *,
    cursor: str | None,
    moment,
    parse: Callable[[str], Any],
    limit: int,
) -> tuple[list, str | None]:
    """A page of ``stmt`` (rows led by an entity with an ``id``) newest first by ``(moment,
    id)`` from the cursor's row on, and the next page's query string (None on the last)."""
    model = moment.class_
    after = decode_keys(cursor, parse, uuid.UUID)
    stmt = stmt.order_by(moment.desc(), model.id.desc()).limit(limit + 1)
    if after:
        stmt = stmt.where(newest_first_after(moment, model.id, *after))
    rows = (await session.execute(stmt)).all()
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    last = rows[-1][0]
    return rows, next_page(request, [getattr(last, moment.key).isoformat(), str(last.id)])

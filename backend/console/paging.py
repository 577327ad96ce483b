"""Console lists page by keyset, as the API's lists do: the next page's link keeps the page's
filters and carries the last row's sort key as the same opaque cursor; files start from the
filters, never from a page."""

import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import Select
from starlette.requests import Request

from backend.core.pagination import after, decode_keys, encode_cursor

CURSOR = "cursor"


def _filters(request: Request) -> list[tuple[str, str]]:
    return [(k, v) for k, v in request.query_params.multi_items() if k != CURSOR]


def filters_query(request: Request) -> str:
    """The request's parameters without its page (what the files and the next page keep)."""
    return urlencode(_filters(request))


def next_page(request: Request, key: list[Any]) -> str:
    """The query string of the page after the row whose sort key is ``key``."""
    return urlencode([*_filters(request), (CURSOR, encode_cursor(key))])


def _plain(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


async def keyset_page(
    session,
    request: Request,
    stmt: Select,
    *,
    order: list,
    parse: list[Callable[[Any], Any]],
    cursor: str | None,
    limit: int,
    descending: bool = False,
) -> tuple[list, str | None]:
    """A page of ``stmt`` (rows led by an entity) in ``order`` from the cursor's row on, and
    the next page's query string (None on the last). ``order`` ends with a unique column; the
    cursor carries the last row's values of it, each read back by ``parse``."""
    after_key = decode_keys(cursor, *parse)
    stmt = stmt.order_by(*(c.desc() if descending else c.asc() for c in order)).limit(limit + 1)
    if after_key:
        stmt = stmt.where(after(order, list(after_key), descending=descending))
    rows = (await session.execute(stmt)).all()
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    last = rows[-1][0]
    return rows, next_page(request, [_plain(getattr(last, c.key)) for c in order])


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
    """A page of ``stmt`` newest first by ``(moment, id)`` (see ``keyset_page``)."""
    return await keyset_page(
        session,
        request,
        stmt,
        order=[moment, moment.class_.id],
        parse=[parse, uuid.UUID],
        cursor=cursor,
        limit=limit,
        descending=True,
    )

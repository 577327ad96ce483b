"""Keyset pagination: opaque cursors, capped limits, one envelope for every list."""

import base64
import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query, Request
from pydantic import BaseModel
from sqlalchemy import ColumnElement, and_, or_

from backend.core.errors import Invalid
from backend.core.params import ROW_ID_MAX

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """A page of a list; pass ``next_cursor`` back as ``cursor`` for the next one."""

    items: list[T]
    next_cursor: str | None = None


def after(columns: list, values: list, *, descending: bool = False) -> ColumnElement[bool]:
    """Keyset condition: rows strictly after ``values`` in (column…) order."""
    clauses = []
    for i, column in enumerate(columns):
        equal = [columns[j] == values[j] for j in range(i)]
        step = column < values[i] if descending else column > values[i]
        clauses.append(and_(*equal, step))
    return or_(*clauses)


def encode_cursor(values: list[Any]) -> str:
    """An opaque cursor from the sort key of the last row."""
    raw = json.dumps(values, default=str, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> list[Any] | None:
    """The sort key inside a cursor; a forged or truncated one is a 422."""
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, UnicodeDecodeError):
        raise Invalid(code="invalid_cursor") from None
    if not isinstance(values, list):
        raise Invalid(code="invalid_cursor")
    return values


def decode_keys(cursor: str | None, *types: Callable[[Any], Any]) -> tuple[Any, ...] | None:
    """Decode a cursor and convert each key (e.g. ``uuid.UUID``); anything off is a 422."""
    values = decode_cursor(cursor)
    if values is None:
        return None
    if len(values) != len(types):
        raise Invalid(code="invalid_cursor")
    try:
        keys = tuple(convert(v) for convert, v in zip(types, values, strict=True))
        # Every key a cursor carries was issued here: a moment with its offset (handed on in
        # UTC), a number a column holds. Anything else was never issued, and failed deep in
        # the query as a 500.
        return tuple(_checked_key(k) for k in keys)
    except (ValueError, TypeError, AttributeError, OverflowError):
        raise Invalid(code="invalid_cursor") from None


def _checked_key(value: Any) -> Any:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("a cursor's moment without an offset")
        return value.astimezone(UTC)
    if isinstance(value, int) and not -ROW_ID_MAX - 1 <= value <= ROW_ID_MAX:
        raise ValueError("a cursor's number past any column")  # never issued
    return value


class PageParams(BaseModel):
    cursor: str | None = None
    limit: int


async def page_params(
    request: Request,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, description="page size; capped by the server")] = 50,
) -> PageParams:
    """Read cursor and limit, clamping the limit to the configured maximum."""
    # The serving app's settings (create_app's), not the process-wide ones from the
    # environment: an app built with other settings must get its own cap.
    return PageParams(cursor=cursor, limit=min(limit, request.app.state.settings.page_limit_max))


PageDep = Annotated[PageParams, Depends(page_params)]


def page_of(
    rows: Sequence[T], *, cursor: str | None, limit: int, key: Callable[[T], tuple[Any, ...]]
) -> Page[T]:
    """Keyset page of a short or computed list (a taxonomy, an incident's escalations, a
    ranking), ordered by ``key``: a tuple of JSON scalars that is unique per row (negate a
    number, or a timestamp via ``stamp``, for a descending field)."""
    rows = sorted(rows, key=key)
    after = decode_cursor(cursor)
    if after is not None:
        try:
            start = next(i for i, row in enumerate(rows) if list(key(row)) > after)
        except StopIteration:
            start = len(rows)
        except TypeError:  # a cursor of another list: its keys do not compare
            raise Invalid(code="invalid_cursor") from None
        rows = rows[start:]
    chunk = list(rows[:limit])
    more = len(rows) > limit
    return Page(items=chunk, next_cursor=encode_cursor(list(key(chunk[-1]))) if more else None)


def stamp(value: Any) -> float:
    """A timestamp as a number for a cursor key (0 for none)."""
    return value.timestamp() if value is not None else 0.0

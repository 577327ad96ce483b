"""Console lists page by keyset, as the API's lists do: the next page's link keeps the page's
filters and carries the last row's sort key as the same opaque cursor; files start from the
filters, never from a page."""

from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request

from backend.core.pagination import encode_cursor

CURSOR = "cursor"


def _filters(request: Request) -> list[tuple[str, str]]:
    return [(k, v) for k, v in request.query_params.multi_items() if k != CURSOR]


def filters_query(request: Request) -> str:
    """The request's parameters without its page (what the files and the next page keep)."""
    return urlencode(_filters(request))


def next_page(request: Request, key: list[Any]) -> str:
    """The query string of the page after the row whose sort key is ``key``."""
    return urlencode([*_filters(request), (CURSOR, encode_cursor(key))])

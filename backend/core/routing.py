"""A router that is skipped at once by requests whose path none of its routes can match.

Why: FastAPI matches a request by trying every route in inclusion order, and since FastAPI kept
included routers as nested objects each candidate costs several dictionary writes besides its
regular expression. The web console (89 routes) is included before the API, so every API
request, ``/healthz`` included, tried all the console's pages first: two thirds of the floor's
CPU (in-process, ``bench/cpu_per_request.py``: 0.29-0.36 ms per ``/healthz``, 0.11-0.13 ms with
the console out of the way). A ``GuardedRouter`` knows the literal beginnings of its routes'
paths (up to the first parameter) and answers "no match" for any other path before looking at
its routes. It only ever says "no" for a path no route of it could match, fully or partly
(405), so what a request reaches does not change (``tests/core/test_routing.py``).
"""

from typing import Any, NamedTuple

from fastapi import APIRouter
from starlette._utils import get_route_path
from starlette.routing import Match, Route
from starlette.types import Scope

try:  # FastAPI >= 0.16x keeps included routers nested; older ones copy their routes flat
    from fastapi.routing import iter_route_contexts
except ImportError:  # pragma: no cover - the flat layout never calls matches() below
    iter_route_contexts = None

# Where FastAPI records, in the request's scope, which inclusion of a router is being tried.
_FASTAPI_SCOPE_KEY = "fastapi"
_INCLUDED_ROUTER_KEY = "included_router"


def _included_prefix(scope: Scope, router: APIRouter) -> str | None:
    # The prefix this router was included under, as FastAPI records the inclusion being tried.
    # None when this FastAPI does not say (then no guard: the ordinary matching runs).
    included = scope.get(_FASTAPI_SCOPE_KEY, {}).get(_INCLUDED_ROUTER_KEY)
    if getattr(included, "original_router", None) is not router:
        return None
    prefix = getattr(getattr(included, "include_context", None), "prefix", None)
    return prefix if isinstance(prefix, str) else None


class _Heads(NamedTuple):
    exact: frozenset[str]  # paths without parameters: only that very path matches
    starts: tuple[str, ...]  # what any other path must begin with


class GuardedRouter(APIRouter):
    """An APIRouter whose routes are not tried for a path that cannot begin like any of them."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._heads: dict[tuple[str, int, int], _Heads | None] = {}

    def _heads_under(self, prefix: str) -> "_Heads | None":
        # Keyed by this router's own route count and version: cheap, where FastAPI's
        # _get_routes_version walks every nested router (a sixth of /me's routing when used
        # here). Sub-routers are complete when included (module-level, built at import).
        key = (prefix, getattr(self, "_routes_version", 0), len(self.routes))
        if key not in self._heads:
            self._heads[key] = self._compute_heads(prefix)
        return self._heads[key]

    def _compute_heads(self, prefix: str) -> "_Heads | None":
        if iter_route_contexts is None or getattr(self, "_low_priority_routes", None):
            return None
        exact, starts = set(), set()
        for context in iter_route_contexts(self.routes):
            path = context.path
            if not isinstance(path, str) or not path.startswith("/"):
                return None  # a host route or something unknown: never guess
            if "{" not in path and isinstance(context.original_route, Route):
                exact.add(prefix + path)  # a plain route's pattern is its whole path
            else:
                starts.add(prefix + path.split("{", 1)[0])  # parameters, mounts: the head
        return _Heads(frozenset(exact), tuple(sorted(starts)))

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        prefix = _included_prefix(scope, self)
        heads = self._heads_under(prefix) if prefix is not None else None
        if heads is not None:
            path = get_route_path(scope)
            if path not in heads.exact and not path.startswith(heads.starts):
                return Match.NONE, {}
        return super().matches(scope)

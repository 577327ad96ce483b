"""The OpenAPI document the mobile team builds its client from: what the server really answers.

FastAPI's own document describes only the happy path and a 422 in a shape the server never sends.
This module builds the spec once from the routes and then corrects it:

- one ``Problem`` schema (RFC 9457, ``application/problem+json``) exactly as
  ``backend.core.errors.problem`` renders it, on every error answer;
- the error answers of each operation, derived from its dependency tree, so a new route declares
  them without a hand table: every dependency and the endpoint are read for the DomainErrors
  they (and the package functions they call) can raise, e.g. ``current_user`` → 401, the
  policy's ``authorize`` → 403, ``get_visible`` → 404, ``check_if_match`` → 412/428,
  ``Idempotency-Key`` → 400/409/422, a service's ``Conflict`` → 409; a UUID in the path means
  404 and any parameter or body means 422. Routes add special cases with ``responses=``;
- a human summary per operation: the decorator's ``summary=`` or the docstring's first line;
- request schemas without ``default``: openapi-typescript's ``defaultNonNullable`` turns a
  property with a default into a required one, but a phone may leave it out (the server fills
  it in); the default is kept in the description.
"""

import inspect
import re
import types
import uuid
from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI, routing
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import _get_api_route_for_openapi, get_openapi

from backend.core.errors import PROBLEM_JSON, DomainError
from backend.core.etag import REQUIRED_MARK

PROBLEM = "#/components/schemas/Problem"

DESCRIPTIONS = {
    400: "Bad request (`code` says what; e.g. `idempotency_key_invalid`)",
    401: "Not signed in, or the token expired or was revoked (`unauthorized`)",
    403: "Your role may not do this (`forbidden`, `not_team_manager`, …)",
    404: "No such object, or it is outside your scope (`not_found`)",
    409: "Conflict with the current state (`code`: e.g. a duplicate, an illegal transition, "
    "`idempotency_in_flight`)",
    412: "Stale `If-Match`: someone changed it first (`current_etag`, and `current` where sent)",
    413: "Too large",
    415: "Unsupported media type",
    422: "Invalid input (`errors[{field, code, message}]`) or a broken domain rule (`code`)",
    428: "`If-Match` is required (`current_etag`)",
    429: "Too many attempts; wait `Retry-After` seconds",
    503: "Not available right now",
}

# Only the code of this package is read for the errors it raises.
PACKAGE = "backend."
# A summary is the docstring's first sentence ("e.g." and "i.e." do not end one).
SENTENCE_END = re.compile(r"(?<!\be\.g)(?<!\bi\.e)\.\s")

FIELD_ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "FieldError",
    "description": "One invalid input field.",
    "properties": {
        "field": {"type": "string", "description": "dotted path, e.g. `body.items.0.lat`"},
        "code": {"type": "string", "description": "stable code, e.g. `missing`"},
        "message": {"type": "string", "description": "in the request's language"},
    },
    "required": ["field", "code", "message"],
    "additionalProperties": True,
}

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "Problem",
    "description": "An RFC 9457 problem. Branch on `code` (stable); show `title` (Vietnamese, "
    "or English with `Accept-Language: en`). Some codes carry more fields, listed here.",
    "properties": {
        "type": {"type": "string", "description": "https://ttq.vn/problems/{code}"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "code": {"type": "string"},
        "detail": {"type": "string"},
        "instance": {"type": "string", "description": "the request's path"},
        "request_id": {"anyOf": [{"type": "string"}, {"type": "null"}]},
        "errors": {"type": "array", "items": {"$ref": "#/components/schemas/FieldError"}},
        "current_etag": {"type": "string", "description": "409, 412, 428: the current ETag"},
        "current": {
            "type": "object",
            "additionalProperties": True,
            "description": "412: the current representation, to merge with",
        },
        "current_status": {"type": "string", "description": "409: the object's status now"},
        "action": {"type": "string"},
        "allowed_transitions": {
            "type": "array",
            "description": "incidents 403/409: what the caller may do from the current status",
            "items": {
                "type": "object",
                "properties": {"action": {"type": "string"}, "to": {"type": "string"}},
                "required": ["action", "to"],
            },
        },
    },
    "required": ["type", "title", "status", "code"],
    "additionalProperties": True,
}


def problem_response(description: str) -> dict[str, Any]:
    """An error answer in the spec: the Problem schema as problem+json."""
    return {"description": description, "content": {PROBLEM_JSON: {"schema": {"$ref": PROBLEM}}}}


def _dependants(dependant: Dependant) -> Iterator[Dependant]:
    yield dependant
    for sub in dependant.dependencies:
        yield from _dependants(sub)


def _code_names(code: types.CodeType) -> set[str]:
    names: set[str] = set()
    pending = [code]
    while pending:  # nested code too: closures, comprehensions
        code = pending.pop()
        names.update(code.co_names)
        pending.extend(c for c in code.co_consts if isinstance(c, types.CodeType))
    return names


class _Raises:
    """The statuses of the DomainErrors a function can raise, read from the names its code
    uses and, recursively, from the package's functions it calls (module.function included).

    An over-approximation by design (a branch that is rarely taken still counts), blind to
    methods called on objects; routes declare what it cannot see with ``responses=``.
    """

    def __init__(self) -> None:
        self._memo: dict[Any, set[int]] = {}

    def __call__(self, fn: Any) -> set[int]:
        if not inspect.isroutine(fn) and type(fn).__module__.startswith(PACKAGE):
            fn = type(fn).__call__  # a dependency that is an instance: read its method
        fn = inspect.unwrap(fn)
        if fn in self._memo:
            return self._memo[fn]
        found: set[int] = set()
        self._memo[fn] = found  # cycles stop here
        code = getattr(fn, "__code__", None)
        if code is None:
            return found
        names = _code_names(code)
        scope = dict(fn.__globals__)
        for var, cell in zip(code.co_freevars, fn.__closure__ or (), strict=False):
            try:
                scope[var] = cell.cell_contents
            except ValueError:  # an empty cell
                continue
        for name in names:
            obj = scope.get(name)
            if inspect.ismodule(obj) and obj.__name__.startswith(PACKAGE):
                for attr in names:
                    found |= self._of(getattr(obj, attr, None))
            else:
                found |= self._of(obj)
        return found

    def _of(self, obj: Any) -> set[int]:
        if inspect.isclass(obj) and issubclass(obj, DomainError) and obj is not DomainError:
            return {obj.status}
        if inspect.isfunction(obj) and obj.__module__.startswith(PACKAGE):
            return self(obj)
        return set()


_RAISES = _Raises()


def derived_statuses(route: routing.APIRoute) -> set[int]:
    """The error statuses a route can answer, read from its dependency tree and its code."""
    statuses: set[int] = set()
    for dep in _dependants(route.dependant):
        if dep.call is not None:
            statuses |= _RAISES(dep.call)
        if any(p.field_info.annotation is uuid.UUID for p in dep.path_params):
            statuses.add(404)  # an object looked up by its id can be missing or out of scope
        if dep.query_params or dep.body_params or dep.path_params or dep.header_params:
            statuses.add(422)  # request validation
        if dep.body_params:
            statuses.add(400)  # a body that is not even text (undecodable bytes)
    return statuses


def _summary(route: routing.APIRoute) -> str:
    if route.summary:
        return route.summary
    paragraph = " ".join((inspect.getdoc(route.endpoint) or "").split("\n\n")[0].split())
    return SENTENCE_END.split(paragraph)[0].rstrip(".") or route.name


def _correct_headers(op: dict[str, Any]) -> None:
    """A header is a string or absent, never null; the marked ones are required."""
    for param in op.get("parameters", []):
        if param["in"] != "header":
            continue
        schema = param.get("schema", {})
        if schema.pop(REQUIRED_MARK, False):
            param["required"] = True
        branches = schema.get("anyOf", [])
        if {"type": "null"} in branches:
            # The string branch, with what the declaration adds (length, pattern): parse_key's
            # bounds are part of the contract.
            kept = [b for b in branches if b != {"type": "null"}]
            skip = ("anyOf", "default", "title", "description")
            extra = {k: v for k, v in schema.items() if k not in skip}
            param["schema"] = {**(kept[0] if len(kept) == 1 else {"type": "string"}), **extra}


def _correct_operation(route: routing.APIRoute, op: dict[str, Any]) -> None:
    op["summary"] = _summary(route)
    _correct_headers(op)
    responses = op.setdefault("responses", {})
    for status in sorted(derived_statuses(route) | {int(s) for s in responses if s[0] in "45"}):
        declared = responses.get(str(status), {})
        description = declared.get("description") or DESCRIPTIONS.get(status, "Error")
        if description == "Validation Error":  # FastAPI's own, in a shape never sent
            declared, description = {}, DESCRIPTIONS[422]
        if PROBLEM_JSON in declared.get("content", {}):  # a route's own, richer schema
            continue
        if description == DESCRIPTIONS.get(status) and set(declared) <= {"description"}:
            responses[str(status)] = {"$ref": f"#/components/responses/{_response_name(status)}"}
        else:
            responses[str(status)] = {**declared, **problem_response(description)}
    op["responses"] = dict(sorted(responses.items()))


def _response_name(status: int) -> str:
    return f"Problem{status}"


def _shared_responses() -> dict[str, Any]:
    shared = {_response_name(s): problem_response(d) for s, d in DESCRIPTIONS.items()}
    shared[_response_name(401)]["headers"] = {
        "WWW-Authenticate": {"schema": {"type": "string"}, "description": "`Bearer`"}
    }
    shared[_response_name(429)]["headers"] = {
        "Retry-After": {"schema": {"type": "string"}, "description": "seconds to wait"}
    }
    return shared


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            yield ref.rsplit("/", 1)[-1]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _reachable(schemas: dict[str, Any], roots: set[str]) -> set[str]:
    seen: set[str] = set()
    pending = list(roots)
    while pending:
        name = pending.pop()
        if name in seen or name not in schemas:
            continue
        seen.add(name)
        pending.extend(_refs(schemas[name]))
    return seen


def _undefault(schema: dict[str, Any]) -> None:
    for prop in (schema.get("properties") or {}).values():
        if "default" in prop:
            default = prop.pop("default")
            if default is not None:
                shown = f"`{default}`" if not isinstance(default, str) else f'`"{default}"`'
                note = f"Default: {shown}."
                described = prop.get("description")
                prop["description"] = f"{described} {note}" if described else note


def _optional_defaults_in_requests(spec: dict[str, Any]) -> None:
    schemas = spec.get("components", {}).get("schemas", {})
    roots = {
        name
        for item in spec["paths"].values()
        for op in item.values()
        if isinstance(op, dict)
        for name in _refs(op.get("requestBody", {}))
    }
    for name in _reachable(schemas, roots):
        _undefault(schemas[name])


def build_openapi(app: FastAPI) -> dict[str, Any]:
    """The corrected spec of ``app`` (see the module docstring)."""
    spec = get_openapi(
        title=app.title,
        version=app.version,
        openapi_version=app.openapi_version,
        description=app.description,
        routes=app.routes,
        tags=app.openapi_tags,
        servers=app.servers,
    )
    by_operation = {}
    for context in routing.iter_route_contexts(app.routes):
        route = _get_api_route_for_openapi(context)
        if route is not None and route.include_in_schema:
            for method in route.methods:
                by_operation[(route.path_format, method.lower())] = route
    for path, item in spec["paths"].items():
        for method, op in item.items():
            route = by_operation.get((path, method))
            if route is not None:
                _correct_operation(route, op)
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    schemas["Problem"] = PROBLEM_SCHEMA
    schemas["FieldError"] = FIELD_ERROR_SCHEMA
    spec["components"]["schemas"] = dict(sorted(schemas.items()))
    spec["components"]["responses"] = _shared_responses()
    _optional_defaults_in_requests(spec)
    return spec


def install_openapi(app: FastAPI) -> None:
    """Serve (and export) the corrected spec instead of FastAPI's own."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build_openapi(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

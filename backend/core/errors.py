"""Domain errors and the RFC 9457 problem+json handlers that render them."""

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import exc as sa_exc
from starlette.exceptions import HTTPException as StarletteHTTPException

from backend.core.logging import current_request_id
from backend.core.messages import FIELD_MESSAGES_VI, pick_language, title_for

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger(__name__)


class DomainError(Exception):
    """An error of the domain: carries its HTTP status and a stable code."""

    status: int = 400
    code: str = "bad_request"

    def __init__(
        self,
        detail: str | None = None,
        *,
        code: str | None = None,
        status: int | None = None,
        headers: dict[str, str] | None = None,
        persist: bool = False,
        **extra: Any,
    ) -> None:
        super().__init__(detail or code or self.code)
        # persist=True: the request's changes so far are committed even though it fails
        # (a failed sign-in must be counted; a reused refresh token must stay revoked).
        self.persist = persist
        self.detail = detail
        if code:
            self.code = code
        if status:
            self.status = status
        self.headers = headers or {}
        self.extra = extra


class NotFound(DomainError):
    status, code = 404, "not_found"


class Unauthorized(DomainError):
    status, code = 401, "unauthorized"

    def __init__(self, detail: str | None = None, **kw: Any) -> None:
        kw.setdefault("headers", {"WWW-Authenticate": "Bearer"})
        super().__init__(detail, **kw)


class Forbidden(DomainError):
    status, code = 403, "forbidden"


class Conflict(DomainError):
    status, code = 409, "conflict"


class Invalid(DomainError):
    """A well-formed request that breaks a domain rule (422)."""

    status, code = 422, "validation_error"


class PreconditionFailed(DomainError):
    status, code = 412, "precondition_failed"


class PreconditionRequired(DomainError):
    status, code = 428, "precondition_required"


class TooManyRequests(DomainError):
    status, code = 429, "too_many_attempts"


# SQLSTATEs meaning "the database is not there for you right now", not "your request is bad":
# class 08 (connection exceptions), 53 (insufficient resources: too many clients, out of
# memory or disk), 57P01-57P03 (shut down by the administrator, crash, cannot connect now:
# starting up or shutting down), 40001/40P01 are left to the caller (retry in the request).
UNAVAILABLE_SQLSTATE_PREFIXES = ("08", "53", "57P01", "57P02", "57P03")
# SQLite says so in words: another connection holds the lock beyond busy_timeout.
UNAVAILABLE_SQLITE_MESSAGES = ("database is locked", "database table is locked", "database is busy")
RETRY_AFTER_SECONDS = 5
# 57014 query_canceled: PostgreSQL stopped the statement, at a statement_timeout the operator set
# on the role or database (see the README's Hardening) or by an administrator's
# pg_cancel_backend. The request took too long: not a bug, and it may pass when the server is
# less busy.
CANCELLED_SQLSTATE = "57014"


def _causes(exc: BaseException):
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        if isinstance(current, sa_exc.DBAPIError) and current.orig is not None:
            yield current.orig
        current = current.__cause__ or current.__context__


def statement_cancelled(exc: BaseException) -> bool:
    """Whether PostgreSQL stopped the statement (a statement timeout or a cancel): a 503."""
    for cause in _causes(exc):
        sqlstate = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
        if sqlstate == CANCELLED_SQLSTATE:
            return True
    return False


def database_unavailable(exc: BaseException) -> bool:
    """Whether a failure means the database is away or saturated (503), not a bug (500)."""
    if isinstance(exc, sa_exc.TimeoutError):  # the pool had no connection within pool_timeout
        return True
    if isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated:
        return True
    for cause in _causes(exc):
        if isinstance(cause, sa_exc.TimeoutError | ConnectionError):
            return True  # refused, reset, aborted: the server is not listening or went away
        sqlstate = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
        if isinstance(sqlstate, str) and sqlstate.startswith(UNAVAILABLE_SQLSTATE_PREFIXES):
            return True
        name = type(cause).__name__
        if (
            name in ("ConnectionDoesNotExistError", "InterfaceError")
            and "connection" in str(cause).lower()
            and type(cause).__module__.startswith("asyncpg")
        ):
            return True  # asyncpg lost the socket mid-statement
        if name == "OperationalError" and any(
            m in str(cause).lower() for m in UNAVAILABLE_SQLITE_MESSAGES
        ):
            return True
    return False


def database_failure(exc: BaseException) -> str | None:
    """The 503 code of a database failure that is neither the request's fault nor a bug
    (``database_timeout``, ``database_unavailable``), or None."""
    if statement_cancelled(exc):
        return "database_timeout"
    if database_unavailable(exc):
        return "database_unavailable"
    return None


def problem(
    request: Request,
    *,
    status: int,
    code: str,
    detail: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    """Build an application/problem+json answer in the request's language."""
    lang = pick_language(request.headers.get("accept-language"))
    body: dict[str, Any] = {
        "type": f"https://ttq.vn/problems/{code}",
        "title": title_for(code, lang),
        "status": status,
        "code": code,
        "instance": request.url.path,
        "request_id": current_request_id(),
    }
    if detail:
        body["detail"] = detail
    body.update(extra)
    if isinstance(body.get("errors"), list):
        # Every field error has a message (the spec's FieldError requires one), even when the
        # raising code named only the field and the code.
        body["errors"] = [
            {**e, "message": title_for(str(e.get("code")), lang)}
            if isinstance(e, dict) and "message" not in e
            else e
            for e in body["errors"]
        ]
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_JSON)


def _field_errors(exc: RequestValidationError, lang: str) -> list[dict[str, Any]]:
    errors = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ())]
        etype = err.get("type", "value_error")
        message = err.get("msg", "")
        if lang == "vi":
            message = FIELD_MESSAGES_VI.get(etype, message)
        ctx_msg = (err.get("ctx") or {}).get("error")
        if ctx_msg is not None and etype == "value_error":
            # Our own validators raise messages that are already bilingual-safe text.
            message = str(ctx_msg)
        errors.append({"field": ".".join(loc), "code": etype, "message": message})
    return errors


def allowed_methods(request: Request, *, literal: bool = False) -> str:
    """The methods the spec declares for the request's path, from its most specific template;
    ``literal``: only from a template without variables (``/incidents/changes``)."""
    paths = request.app.openapi().get("paths", {})
    found: list[tuple[int, list[str]]] = []
    parts = request.url.path.rstrip("/").split("/")
    for template, item in paths.items():
        pieces = template.rstrip("/").split("/")
        if len(pieces) != len(parts):
            continue
        pairs = zip(pieces, parts, strict=True)
        if all(p == q or p[:1] + p[-1:] == "{}" for p, q in pairs):
            variables = sum(p.startswith("{") for p in pieces)
            found.append((variables, [m.upper() for m in item if m.isalpha()]))
    best = min(found) if found else (0, [])
    return "" if literal and best[0] else ", ".join(sorted(best[1]))


def install_error_handlers(app: FastAPI) -> None:
    """Route every failure through one problem+json renderer."""

    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> JSONResponse:
        return problem(
            request,
            status=exc.status,
            code=exc.code,
            detail=exc.detail,
            headers=exc.headers,
            **exc.extra,
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        lang = pick_language(request.headers.get("accept-language"))
        if any(e.get("loc", ("",))[0] == "path" for e in exc.errors()):
            # PUT /incidents/changes reached PUT /incidents/{id}: the resource is
            # /incidents/changes, which has no PUT.
            allow = allowed_methods(request, literal=True)
            if allow:
                return problem(
                    request, status=405, code="method_not_allowed", headers={"Allow": allow}
                )
        return problem(
            request, status=422, code="validation_error", errors=_field_errors(exc, lang)
        )

    async def _database(request: Request, exc: Exception) -> JSONResponse:
        # PostgreSQL refuses a NUL character in text (SQLite keeps it): that is bad input
        # from the client (a query or body string with \u0000), so a 422, never a 500.
        orig = getattr(exc, "orig", None)
        if orig is not None and (
            "0x00" in str(orig) or type(orig).__name__ == "CharacterNotInRepertoireError"
        ):
            return problem(request, status=422, code="nul_character")
        code = database_failure(exc)
        if code is None:
            raise exc  # a real bug: the generic handler logs it and answers 500
        log.warning("%s: %s: %s", code, type(exc).__name__, exc)
        return problem(
            request, status=503, code=code, headers={"Retry-After": str(RETRY_AFTER_SECONDS)}
        )

    for cls in (sa_exc.DBAPIError, sa_exc.TimeoutError, ConnectionError):
        app.add_exception_handler(cls, _database)
    engine = getattr(app.state, "engine", None)
    if engine is not None and engine.dialect.name == "postgresql":
        # Statements sent straight to asyncpg (the caller's read, the journal's write) raise
        # the driver's own errors, unwrapped: classified the same way (a timeout is a 503).
        from asyncpg import PostgresError

        app.add_exception_handler(PostgresError, _database)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {
            401: "unauthorized",
            403: "forbidden",
            404: "not_found",
            405: "method_not_allowed",
            413: "payload_too_large",
            415: "unsupported_media_type",
        }.get(exc.status_code, "bad_request" if exc.status_code < 500 else "internal_error")
        headers = getattr(exc, "headers", None)
        if exc.status_code == 405:
            # Starlette names only the first route on the path; list every method it has.
            allow = allowed_methods(request)
            if allow:
                headers = {**(headers or {}), "Allow": allow}
        return problem(request, status=exc.status_code, code=code, headers=headers)

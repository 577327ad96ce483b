"""What every console page shares: the route class (sign-in, CSRF, error pages, headers),
the current console user, and rendering in the visitor's language."""

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlsplit

from fastapi import Depends, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.exceptions import HTTPException as StarletteHTTPException

from backend.console import i18n
from backend.console.sessions import ConsoleSession, csrf_ok, csrf_token, resolve
from backend.core.db import SessionDep, plan_for_parameters
from backend.core.errors import (
    RETRY_AFTER_SECONDS,
    DomainError,
    Forbidden,
    NotFound,
    database_failure,
)
from backend.core.logging import current_request_id
from backend.core.logging import log as http_log
from backend.policy import Subject, load_subject

HERE = Path(__file__).parent
SESSION_COOKIE = "ttq_session"
ANON_COOKIE = "ttq_anon"
LANG_COOKIE = "ttq_lang"
STATIC = "/static/console"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

templates = Jinja2Templates(directory=str(HERE / "templates"))
templates.env.globals.update(number=i18n.number, local_time=i18n.local_time, STATIC=STATIC)


class SignInRequired(Exception):
    """No live console session: the visitor is sent to the sign-in page."""


class CsrfRefused(Exception):
    """A state-changing request without this session's CSRF token."""


def lang_of(request: Request) -> str:
    lang = request.cookies.get(LANG_COOKIE)
    return lang if lang in i18n.LANGS else "vi"


def csrf_key(request: Request) -> str | None:
    return request.cookies.get(SESSION_COOKIE) or request.cookies.get(ANON_COOKIE)


def safe_next(target: str | None) -> str:
    """Only a path on this site may be a post-sign-in destination (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or "\\" in target:
        return "/"
    return target


def security_headers(response: Response, request: Request) -> None:
    """CSP with 'self' only (no inline script), plus the usual hardening headers."""
    img = "'self' data:"
    tile = request.app.state.settings.map_tile_url
    if tile:  # the optional tile server, e.g. https://{s}.tile.example/{z}/{x}/{y}.png
        parts = urlsplit(tile)
        host = parts.netloc.replace("{s}", "*")
        img += f" {parts.scheme}://{host}"
    if "content-security-policy" in response.headers:  # a page that set a stricter one
        img = None
    if img is not None:
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; script-src 'self'; style-src 'self'; "
            f"img-src {img}; connect-src 'self'; font-src 'self'; object-src 'none'; "
            "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
        )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers.setdefault("Cache-Control", "no-store")


NAV = {
    "police_liaison": [("/", "queue"), ("/incidents", "incidents")],
    "union_officer": [
        ("/", "dashboard"),
        ("/incidents", "incidents"),
        ("/labour", "labour"),
        ("/awareness", "awareness"),
        ("/commendations", "commendations"),
        ("/reports", "reports"),
    ],
    "city_union_officer": [
        ("/", "dashboard"),
        ("/incidents", "incidents"),
        ("/labour", "labour"),
        ("/awareness", "awareness"),
        ("/commendations", "commendations"),
        ("/reports", "reports"),
        ("/reports/status", "report_status"),
    ],
    "system_admin": [
        ("/", "home"),
        ("/incidents", "incidents"),
        ("/admin/users", "users"),
        ("/admin/teams", "administration"),
        ("/admin/import", "import"),
        ("/admin/audit", "audit"),
    ],
}


def nav_for(console: "Console | None") -> list[tuple[str, str]]:
    if console is None:
        return []
    return NAV.get(console.user.role, [("/", "your_team"), ("/incidents", "incidents")])


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, *, status: int = 200
) -> HTMLResponse:
    """A page in the visitor's language, with the CSRF token for its forms and htmx."""
    lang = lang_of(request)
    console: Console | None = getattr(request.state, "console", None)
    key = csrf_key(request)
    new_anon = None
    if key is None:
        key = new_anon = secrets.token_urlsafe(24)
    ctx = {
        "lang": lang,
        "t": lambda k, **kw: i18n.pick(i18n.WORDS, k, lang).format(**kw),
        "t_action": lambda k: i18n.pick(i18n.ACTION_WORDS, k, lang),
        "t_status": lambda k: i18n.pick(i18n.STATUS_WORDS, k, lang),
        "t_role": lambda k: i18n.pick(i18n.ROLE_WORDS, k, lang),
        "csrf": csrf_token(request.app.state.settings, key),
        "me": console,
        "nav": nav_for(console),
        "path": request.url.path,
        "tile_url": request.app.state.settings.map_tile_url or "",
    }
    ctx.update(context or {})
    response = templates.TemplateResponse(request, name, ctx, status_code=status)
    if new_anon:
        set_cookie(response, request, ANON_COOKIE, new_anon, max_age=None)
    return response


def set_cookie(
    response: Response, request: Request, name: str, value: str, *, max_age: int | None
) -> None:
    """HttpOnly, SameSite=Lax, and Secure everywhere but development and tests over http."""
    env = request.app.state.settings.environment
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=env not in ("development", "test"),
        path="/",
    )


def _login_redirect(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if request.headers.get("hx-request"):
        response = Response(status_code=204)
        response.headers["HX-Redirect"] = f"/login?next={quote(target)}"
        return response
    return RedirectResponse(f"/login?next={quote(target)}", status_code=303)


def error_page(request: Request, status: int, message_key: str, detail: str = "") -> Response:
    template = "404.html" if status == 404 else "error.html"
    return render(request, template, {"message_key": message_key, "detail": detail}, status=status)


def failure_page(request: Request, exc: Exception) -> Response:
    """The page for what the route did not expect: 503 when the database is away, saturated or
    stopped the statement, else 500 (logged with its traceback), both with the request's id.

    An officer's browser showed the API's problem JSON for these; the page says it in words
    and where to go. Starlette's own HTTP errors (a body that cannot be read) keep their status.
    """
    if isinstance(exc, StarletteHTTPException):
        raise exc
    rid = (current_request_id() or "")[:12]
    code = database_failure(exc)
    if code is not None:  # as the API answers them (backend/core/errors.py), as a page
        http_log.warning("%s: %s: %s", code, type(exc).__name__, exc)
        response = error_page(request, 503, code, f"{code} · {rid}")
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    http_log.error("unhandled error", exc_info=exc, extra={"path": request.url.path})
    return error_page(request, 500, "internal_error", f"internal_error · {rid}")


async def _check_csrf(request: Request) -> None:
    if request.method in SAFE_METHODS:
        return
    sent = request.headers.get("x-csrf-token")
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        sent = (await request.form()).get("csrf_token")
    if not csrf_ok(request.app.state.settings, csrf_key(request), sent):
        raise CsrfRefused()


class ConsoleRoute(APIRoute):
    """Console pages answer HTML: sign-in redirects, the 404 page, CSRF refusals, error pages."""

    def get_route_handler(self) -> Callable:
        handler = super().get_route_handler()

        async def console_handler(request: Request) -> Response:
            try:
                await _check_csrf(request)
                response = await handler(request)
            except SignInRequired:
                response = _login_redirect(request)
            except CsrfRefused:
                response = error_page(request, 403, "csrf")
            except NotFound:
                response = error_page(request, 404, "not_found_text")
            except Forbidden:
                response = error_page(request, 403, "forbidden")
            except RequestValidationError:
                response = error_page(request, 422, "error", "validation_error")
            except DomainError as exc:
                response = error_page(request, exc.status, "error", exc.code)
            except Exception as exc:
                response = failure_page(request, exc)
            security_headers(response, request)
            return response

        return console_handler


@dataclass(frozen=True)
class Console:
    """The signed-in console user, with their scope as the policy layer sees it."""

    current: ConsoleSession
    subject: Subject

    @property
    def user(self):
        return self.current.user


async def optional_console(request: Request, session: SessionDep) -> "Console | None":
    """The console user if the cookie names a live session."""
    current = await resolve(session, token=request.cookies.get(SESSION_COOKIE))
    if current is None:
        return None
    console = Console(current=current, subject=await load_subject(session, current.user))
    request.state.console = console
    # The console is a desk: its reads are planned for their periods and subtrees (a team's
    # own pages too; none of them is a phone's hot path). See backend/policy/roles.DESK_ROLES.
    await plan_for_parameters(session)
    return console


async def required_console(console: Annotated["Console | None", Depends(optional_console)]):
    if console is None:
        raise SignInRequired()
    return console


MaybeConsole = Annotated["Console | None", Depends(optional_console)]
CurrentConsole = Annotated[Console, Depends(required_console)]
__all__ = ["AsyncSession", "Console", "ConsoleRoute", "CurrentConsole", "MaybeConsole", "render"]

"""Sign-in, sign-out, the language switch, and `/`: the sign-in page or the role's home."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from backend.console import homes, sessions
from backend.console.web import (
    LANG_COOKIE,
    SESSION_COOKIE,
    ConsoleRoute,
    CurrentConsole,
    MaybeConsole,
    render,
    safe_next,
    set_cookie,
)
from backend.core.db import SessionDep
from backend.core.errors import TooManyRequests, Unauthorized
from backend.core.security import HashingBusy

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)


def _client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.get("/", name="console-home")
async def home(request: Request, session: SessionDep, console: MaybeConsole):
    """The sign-in page for a visitor; the home page of their role for a signed-in user."""
    if console is None:
        return render(request, "login.html", {"next": "/"})
    return await homes.home_for(request, session, console)


@router.get("/login", name="console-login")
async def login_page(request: Request, console: MaybeConsole, next: str | None = None):
    """The sign-in form (a signed-in user goes straight on)."""
    target = safe_next(next)
    if console is not None:
        return RedirectResponse(target, status_code=303)
    return render(request, "login.html", {"next": target})


@router.post("/login", name="console-login-submit")
async def login_submit(
    request: Request,
    session: SessionDep,
    phone: Annotated[str, Form(max_length=32)],
    password: Annotated[str, Form(max_length=256)],
    next: Annotated[str, Form(max_length=2000)] = "/",
):
    """Check the phone and password with the API's brute-force limits; open a session."""
    target = safe_next(next)
    try:
        token = await sessions.sign_in(
            session,
            phone=phone,
            password=password,
            client_ip=_client_ip(request),
            user_agent=request.headers.get("user-agent"),
            settings=request.app.state.settings,
        )
    except (TooManyRequests, HashingBusy) as exc:
        word = "busy" if isinstance(exc, HashingBusy) else "too_many"
        ctx = {"next": target, "phone": phone, "error": (word, exc.extra["retry_after"])}
        response = render(request, "login.html", ctx, status=exc.status)
        response.headers["Retry-After"] = str(exc.extra["retry_after"])
        return response
    except Unauthorized:
        # The failure row and its audit record were added to the session: caught here, they
        # commit with the request, so they count towards the limit.
        ctx = {"next": target, "phone": phone, "error": ("bad_login", 0)}
        return render(request, "login.html", ctx, status=401)
    response = RedirectResponse(target, status_code=303)
    set_cookie(response, request, SESSION_COOKIE, token, max_age=sessions.SESSION_HOURS * 3600)
    return response


@router.post("/logout", name="console-logout")
async def logout(request: Request, session: SessionDep, console: CurrentConsole):
    """End the session on the server and drop the cookie."""
    await sessions.sign_out(session, current=console.current)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/lang/{code}", name="console-language")
async def language(request: Request, code: str, next: str | None = None):
    """Switch between Vietnamese and English (a cookie; nothing else changes)."""
    response = RedirectResponse(safe_next(next), status_code=303)
    set_cookie(response, request, LANG_COOKIE, "en" if code == "en" else "vi", max_age=31536000)
    return response

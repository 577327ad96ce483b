"""What the app's pure ASGI middlewares share: HTTP-only dispatch and a problem answer sent raw."""

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class HttpMiddleware:
    """A pure ASGI middleware (no BaseHTTPMiddleware: it would buffer streams and cost a task
    per request) that acts on HTTP requests and passes lifespan and websockets through."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.handle(scope, receive, send)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one HTTP request."""
        raise NotImplementedError


async def send_problem(scope: Scope, send: Send, *, status: int, code: str, **fields) -> None:
    """Answer with a problem document from below the routes (no Request object exists yet)."""
    # Imported here: errors imports logging, whose middleware uses this module.
    from starlette.requests import Request

    from backend.core.errors import problem

    response = problem(Request(scope), status=status, code=code, **fields)
    await response(scope, _disconnected, send)


async def _disconnected() -> Message:
    return {"type": "http.disconnect"}

"""Structured JSON logs and the request-id middleware that also catches what nobody handled."""

import json
import logging
import re
import sys
import time
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime

from starlette.types import ASGIApp, Message, Receive, Scope, Send

_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
_client_ip: ContextVar[str | None] = ContextVar("client_ip", default=None)
_SAFE_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")
log = logging.getLogger("ttq.http")


def current_request_id() -> str | None:
    """The id of the request being served, if any."""
    return _request_id.get()


def current_client_ip() -> str | None:
    """The address of the client of the request being served, if any."""
    return _client_ip.get()


class JsonFormatter(logging.Formatter):
    """One JSON object per line, with the request id when there is one."""

    _skip = set(vars(logging.makeLogRecord({})).keys()) | {"message", "asctime"}

    def format(self, record: logging.LogRecord) -> str:
        data = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        rid = current_request_id()
        if rid:
            data["request_id"] = rid
        for key, value in record.__dict__.items():
            if key not in self._skip and not key.startswith("_"):
                data[key] = value
        if record.exc_info:
            data["exc"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False, default=str)


def configure_logging(level: str = "INFO", as_json: bool = True) -> None:
    """Send the service's logs to stderr, as JSON lines unless asked otherwise."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter() if as_json else logging.Formatter("%(levelname)s %(name)s %(message)s")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())


class RequestContextMiddleware:
    """Honour or mint X-Request-ID, echo it, log each request, turn crashes into a 500 problem."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope.get("headers") or []).get(b"x-request-id", b"").decode("latin-1")
        rid = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        _request_id.set(rid)
        client = scope.get("client")
        _client_ip.set(client[0] if client else None)
        started = time.perf_counter()
        status = {"code": 500, "sent": False}

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                status["sent"] = True
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", rid.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        except Exception:
            # The traceback stays in the log; the client only gets the id to quote.
            log.exception("unhandled error", extra={"path": scope.get("path")})
            if not status["sent"]:
                await self._send_500(scope, send_wrapper)
        finally:
            log.info(
                "request",
                extra={
                    "method": scope.get("method"),
                    "path": scope.get("path"),
                    "status": status["code"],
                    "ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )

    async def _send_500(self, scope: Scope, send: Send) -> None:
        from starlette.requests import Request

        from backend.core.errors import problem

        response = problem(Request(scope), status=500, code="internal_error")
        await response(scope, _empty_receive, send)


async def _empty_receive() -> Message:
    return {"type": "http.disconnect"}

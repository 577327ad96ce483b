"""Structured JSON logs and the request-id middleware that also catches what nobody handled."""

import json
import logging
import re
import sys
import time
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime

from starlette.types import Message, Receive, Scope, Send

from backend.core.asgi import HttpMiddleware, send_problem

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

    # color_message: uvicorn's copy of its message with ANSI colour codes, for its own console.
    _skip = set(vars(logging.makeLogRecord({})).keys()) | {"message", "asctime", "color_message"}

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


class HumanFormatter(logging.Formatter):
    """One readable line for a person at a terminal: time, level, logger, message, key=value."""

    _skip = JsonFormatter._skip

    def format(self, record: logging.LogRecord) -> str:
        when = datetime.fromtimestamp(record.created).strftime("%H:%M:%S")
        if record.name == log.name and record.msg == "request":
            # "GET /api/v1/me 200 3.1ms" reads better than its five fields
            d = record.__dict__
            text = f"{d.get('method')} {d.get('path')} {d.get('status')} {d.get('ms')}ms"
            extras = {}
        else:
            text = record.getMessage()
            extras = {
                k: v
                for k, v in record.__dict__.items()
                if k not in self._skip and not k.startswith("_")
            }
        rid = current_request_id()
        if rid:
            extras["rid"] = rid[:12]
        tail = "  " + " ".join(f"{k}={v}" for k, v in extras.items()) if extras else ""
        line = f"{when} {record.levelname:<7} {record.name}: {text}{tail}"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def wants_json(as_json: bool | None, stream=None) -> bool:
    """JSON when asked, or by default when the stream is not a terminal (a log collector)."""
    if as_json is not None:
        return as_json
    stream = stream or sys.stderr
    isatty = getattr(stream, "isatty", None)
    return not (isatty and isatty())


def configure_logging(level: str = "INFO", as_json: bool | None = None) -> None:
    """Send the service's logs to stderr: readable lines at a terminal, JSON lines otherwise
    (or as ``as_json`` says: TTQ_LOG_JSON / --log-json)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if wants_json(as_json) else HumanFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())


class RequestContextMiddleware(HttpMiddleware):
    """Honour or mint X-Request-ID, echo it, log each request, turn crashes into a 500 problem."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
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
                await send_problem(scope, send_wrapper, status=500, code="internal_error")
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

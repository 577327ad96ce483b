"""Request guards and answer headers that hold for every route, in one place.

- ``NulByteGuard``: a NUL character in a path, a query, a JSON body or a form field is refused
  with 422 before any route sees it. PostgreSQL cannot store U+0000 in text or jsonb, so
  letting one through turned bad input into a 500; no legitimate field needs it.
- ``SecurityHeaders``: nosniff on every answer (attachments included), a strict referrer
  policy, and a Content-Security-Policy: pages may load scripts, styles and images from the
  app itself only (no inline scripts), and no answer may be framed by another site.
"""

import json
from urllib.parse import unquote_to_bytes

from starlette.types import Message, Receive, Scope, Send

from backend.core.asgi import HttpMiddleware, send_problem

# Pages (the console under "/", Swagger under /docs) load only what the app serves itself.
# Swagger UI and ReDoc are vendored by the console helper under /static; 'unsafe-inline'
# styles are not allowed either. 'wasm-unsafe-eval' lets the field app compile its vendored QR
# decoder (WebAssembly only; JavaScript eval stays forbidden).
PAGE_CSP = (
    b"default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; "
    b"img-src 'self' data: blob:; "
    b"font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    b"form-action 'self'; frame-ancestors 'none'"
)
# JSON, files, attachments: nothing in them may run or be framed, even if a browser opens one.
API_CSP = b"default-src 'none'; frame-ancestors 'none'; sandbox"
STATIC_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
)
JSON_TYPES = (b"application/json", b"application/problem+json")
FORM_TYPE = b"application/x-www-form-urlencoded"
NUL_ESCAPE = b"\\u0000"


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def _json_has_nul(body: bytes) -> bool:
    # A byte search first: almost every body has no escape at all and is not parsed twice.
    if NUL_ESCAPE not in body and b"\\U0000" not in body:
        return False
    try:
        return _has_nul(json.loads(body))
    except ValueError:
        return False  # not JSON: the route's own validation answers 422


def _content_type(scope: Scope) -> bytes:
    for name, value in scope.get("headers") or ():
        if name == b"content-type":
            return value.split(b";")[0].strip().lower()
    return b""


class NulByteGuard(HttpMiddleware):
    """Refuse U+0000 in the path, the query and text bodies with a 422 problem."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        raw_path = scope.get("raw_path") or scope.get("path", "").encode()
        query = scope.get("query_string") or b""
        if b"\x00" in unquote_to_bytes(raw_path) or b"\x00" in unquote_to_bytes(query):
            await _refuse(scope, send, "query")
            return
        ctype = _content_type(scope)
        is_json = ctype in JSON_TYPES or ctype.endswith(b"+json")
        if not (is_json or ctype == FORM_TYPE):
            await self.app(scope, receive, send)  # files and streams pass untouched
            return
        chunks = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        bad = (
            _json_has_nul(body)
            if is_json
            else b"\x00" in unquote_to_bytes(body.replace(b"+", b" "))
        )
        if bad:
            await _refuse(scope, send, "body")
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


async def _refuse(scope: Scope, send: Send, where: str) -> None:
    errors = [{"field": where, "code": "nul_character", "message": "U+0000"}]
    await send_problem(scope, send, status=422, code="nul_character", errors=errors)


class SecurityHeaders(HttpMiddleware):
    """Add the security headers to every answer the app sends, errors and files included."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                for name, value in STATIC_HEADERS:
                    if name not in present:
                        headers.append((name, value))
                if b"content-security-policy" not in present:
                    ctype = next((v for n, v in headers if n.lower() == b"content-type"), b"")
                    # A worker script's own answer sets the worker's policy: give it the page's.
                    is_page = ctype.lower().startswith((b"text/html", b"text/javascript"))
                    headers.append((b"content-security-policy", PAGE_CSP if is_page else API_CSP))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)

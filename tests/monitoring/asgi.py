"""Drive the ASGI app directly and consume a streamed answer chunk by chunk.

httpx's ASGITransport collects the whole body before returning it, which would put the very
memory an export must not use into the test process; this driver hands each chunk to a sink
and keeps only counters.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

import anyio


@dataclass
class Streamed:
    status: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    chunks: int = 0
    size: int = 0


async def stream_get(
    app,
    path: str,
    *,
    params: dict | None = None,
    headers: dict[str, str] | None = None,
    sink: Callable[[bytes], None] | None = None,
    hang_up_after_first_chunk: bool = False,
) -> Streamed:
    """GET ``path`` through the app, passing every body chunk to ``sink`` as it is sent.

    ``hang_up_after_first_chunk``: the client disconnects once the first chunk arrives (and
    never accepts another), as a phone losing its network would.
    """
    out = Streamed()
    done = anyio.Event()
    never = anyio.Event()
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": urlencode(params or {}, doseq=True).encode(),
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()],
        "client": ("127.0.0.1", 50000),
        "server": ("test", 80),
        "state": {},
    }
    sent_request = False

    async def receive():
        nonlocal sent_request
        if not sent_request:
            sent_request = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await done.wait()
        return {"type": "http.disconnect"}

    async def send(message):
        if message["type"] == "http.response.start":
            out.status = message["status"]
            out.headers = {k.decode().lower(): v.decode() for k, v in message["headers"]}
        elif message["type"] == "http.response.body":
            body = message.get("body", b"")
            if body:
                out.chunks += 1
                out.size += len(body)
                if sink is not None:
                    sink(body)
                if hang_up_after_first_chunk:
                    done.set()
                    await never.wait()  # cancelled when the app notices the disconnect
            if not message.get("more_body", False):
                done.set()

    await app(scope, receive, send)
    return out

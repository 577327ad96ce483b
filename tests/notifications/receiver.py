"""A real webhook receiver on 127.0.0.1 that verifies signatures, for tests.

It also records, per event id, how many requests are in flight at once: two workers sending
the same event at the same time shows up as an overlap.
"""

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from backend.notifications import signing


@dataclass
class Received:
    path: str
    event_id: str
    body_id: str
    attempt: int
    signature: str
    body: bytes
    status: int


@dataclass
class Receiver:
    """State shared with the handler threads; tests read it, guarded by ``lock``."""

    secrets: dict[str, str] = field(default_factory=dict)  # path -> signing secret
    tolerance: int = 300
    clock_offset: float = 0.0  # moves the receiver's clock to test replays
    delay: float = 0.0  # seconds each request is held (keeps deliveries in flight)
    statuses: dict[str, list[int]] = field(default_factory=dict)  # path -> answers to give
    received: list[Received] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    # Requests whose body ended early (the sender was killed while sending): never valid.
    truncated: int = 0
    inflight: dict[str, int] = field(default_factory=dict)
    max_inflight: int = 0
    overlaps: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    port: int = 0

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def ids(self) -> set[str]:
        with self.lock:
            return {r.event_id for r in self.received if r.status == 200}

    def wait_for(self, predicate, timeout: float = 30.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if predicate(self):
                    return True
            time.sleep(0.05)
        return False


def _handler(state: Receiver):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # keep test output quiet
            pass

        def do_POST(self):
            length = int(self.headers.get("Content-Length", 0))
            body = self.rfile.read(length)
            if len(body) < length:
                with state.lock:
                    state.truncated += 1
            event_id = self.headers.get(signing.EVENT_ID_HEADER, "")
            with state.lock:
                state.inflight[event_id] = state.inflight.get(event_id, 0) + 1
                if state.inflight[event_id] > 1:
                    state.overlaps.append(event_id)
                state.max_inflight = max(state.max_inflight, sum(state.inflight.values()))
            try:
                status = self._handle(body, event_id)
            finally:
                with state.lock:
                    state.inflight[event_id] -= 1
            self.send_response(status)
            if status == 429:
                self.send_header("Retry-After", "120")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def _handle(self, body: bytes, event_id: str) -> int:
            secret = state.secrets.get(self.path)
            header = self.headers.get(signing.SIGNATURE_HEADER)
            try:
                if secret is None:
                    raise signing.SignatureError("unknown path")
                signing.verify(
                    secret,
                    body,
                    header,
                    tolerance=state.tolerance,
                    now=time.time() + state.clock_offset,
                )
            except signing.SignatureError as exc:
                with state.lock:
                    state.rejected.append(str(exc))
                return 400
            if state.delay:
                time.sleep(state.delay)
            with state.lock:
                queue = state.statuses.get(self.path) or []
                status = queue.pop(0) if queue else 200
                state.received.append(
                    Received(
                        path=self.path,
                        event_id=event_id,
                        body_id=json.loads(body)["id"],
                        attempt=int(self.headers.get(signing.ATTEMPT_HEADER, "0")),
                        signature=header or "",
                        body=body,
                        status=status,
                    )
                )
            return status

    return Handler


class ReceiverServer:
    """Start/stop the receiver in a thread."""

    def __init__(self) -> None:
        self.state = Receiver()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self.state))
        self._server.daemon_threads = True
        self.state.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self._thread.start()
        return self.state

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

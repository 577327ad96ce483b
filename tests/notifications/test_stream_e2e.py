"""The live stream end to end: real API processes, a real worker, LISTEN/NOTIFY on PostgreSQL.

On PostgreSQL: two uvicorn processes and `ttq worker`; the stream is opened on one API, the
event is caused through the other, and it must arrive long before the stream's fallback poll
could have found it (so it came through LISTEN/NOTIFY). On SQLite: two API processes that
each run the in-process dispatcher (what `ttq serve` does) and find events by polling.
"""

import asyncio
import contextlib
import json

import httpx

from tests.conftest import IS_PG
from tests.factories import auth, make_user
from tests.notifications.procs import service_env

WAIT = 30.0


async def _listen(base: str, headers: dict, out: asyncio.Queue, opened: asyncio.Event) -> None:
    """Read one SSE stream into a queue of (id, data)."""
    async with (
        httpx.AsyncClient(timeout=httpx.Timeout(10, read=None)) as http,
        http.stream("GET", f"{base}/api/v1/notifications/stream", headers=headers) as r,
    ):
        assert r.status_code == 200, await r.aread()
        assert r.headers["content-type"].startswith("text/event-stream")
        sse_id, data = None, None
        async for line in r.aiter_lines():
            if line.startswith("retry:"):
                opened.set()
            elif line.startswith("id: "):
                sse_id = int(line[4:])
            elif line.startswith("data: "):
                data = json.loads(line[6:])
            elif line == "" and data is not None:
                await out.put((sse_id, data))
                sse_id, data = None, None


@contextlib.asynccontextmanager
async def stream(base: str, headers: dict):
    out: asyncio.Queue = asyncio.Queue()
    opened = asyncio.Event()
    task = asyncio.create_task(_listen(base, headers, out, opened))
    try:
        await asyncio.wait_for(opened.wait(), WAIT)
        yield out
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task


async def _send_test(base: str, headers: dict) -> str:
    async with httpx.AsyncClient() as http:
        r = await http.post(f"{base}/api/v1/notifications/test", headers=headers)
    assert r.status_code == 202, r.text
    return r.json()["event_id"]


async def test_live_stream_across_two_api_processes(app, session, procs, database_url):
    alice = await make_user(session, role="police_liaison")
    bob = await make_user(session, role="police_liaison")
    await session.commit()
    a_h, b_h = auth(app, alice), auth(app, bob)
    if IS_PG:
        # The fallback poll is far slower than the wait below: arrival proves NOTIFY works.
        env = service_env(database_url, notify_stream_poll_seconds=120)
        procs.worker("worker", env)
    else:
        env = service_env(
            database_url, notify_dispatch_in_process="true", notify_stream_poll_seconds=0.3
        )
    api_a, api_b = await asyncio.gather(
        asyncio.to_thread(procs.api, "api-a", env), asyncio.to_thread(procs.api, "api-b", env)
    )

    async with stream(api_a, a_h) as alices, stream(api_a, b_h) as bobs:
        first = await _send_test(api_b, a_h)
        sse_id, data = await asyncio.wait_for(alices.get(), WAIT)
        assert (data["id"], data["type"]) == (first, "notification.test")
        # Bob's stream was open all along: the first thing on it is his own event.
        bobs_own = await _send_test(api_b, b_h)
        _, got = await asyncio.wait_for(bobs.get(), WAIT)
        assert got["id"] == bobs_own

    # Offline for a while: two more events; reconnect to the other process and resume.
    missed = [await _send_test(api_a, a_h), await _send_test(api_a, a_h)]
    async with stream(api_b, {**a_h, "Last-Event-ID": str(sse_id)}) as resumed:
        got = [await asyncio.wait_for(resumed.get(), WAIT) for _ in missed]
    # Both missed events, each once, in the feed's order: the order their rows were written. Two
    # dispatchers (here one per API process) may deliver events caused a millisecond apart in
    # either order; the SSE ids, not the causing order, are what the phone resumes from.
    assert sorted(data["id"] for _, data in got) == sorted(missed)
    assert [sse for sse, _ in got] == sorted(sse for sse, _ in got)
    assert all(sse > sse_id for sse, _ in got)

"""A 100,000-row export streams in bounded memory, measured in the test process.

The app is driven directly (tests/monitoring/asgi.py) so that the test itself keeps only byte
counts: httpx's ASGI transport would hold the whole body. tracemalloc traces every Python
allocation in the process (the app, the driver, the database driver's row objects); its peak
must stay far below the size of the file, which it could not if rows or the body were
accumulated anywhere.
"""

import tracemalloc

from tests.factories import auth
from tests.monitoring.asgi import stream_get
from tests.monitoring.factories import bulk_sessions, make_world

ROWS = 100_000
BOUND = 25 * 1024 * 1024  # bytes of Python heap at the peak


async def test_100k_row_csv_export_streams_under_a_memory_bound(app, session):
    w = await make_world(session)
    await bulk_sessions(session, team=w.team1, user=w.leader1, n=ROWS, lean=True)
    await session.commit()

    lines = 0
    first: list[bytes] = []
    tail = bytearray()

    def sink(chunk: bytes) -> None:
        nonlocal lines
        if not first:
            first.append(chunk[:64])
        lines += chunk.count(b"\r\n")
        tail[:] = (bytes(tail) + chunk)[-2000:]

    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        out = await stream_get(
            app, "/api/v1/awareness-sessions/export", headers=auth(app, w.officer1), sink=sink
        )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert out.status == 200
    assert first[0].startswith(b"\xef\xbb\xbf")  # the BOM, then the Vietnamese header
    assert first[0][3:].decode("utf-8", errors="ignore").startswith("Thời gian (giờ Việt Nam)")
    assert lines == ROWS + 1  # header + every row (no field holds a line break)
    assert "Buổi tuyên truyền số 0," in tail.decode("utf-8", errors="ignore")  # oldest is last
    assert out.chunks > 50  # sent as it was produced, not as one body
    assert out.size > 2 * BOUND  # the file is far larger than the memory the export may use
    assert peak < BOUND, f"peak {peak / 2**20:.1f} MiB for a {out.size / 2**20:.1f} MiB file"
    print(f"\n{ROWS} rows, {out.size / 2**20:.1f} MiB CSV, peak {peak / 2**20:.1f} MiB")

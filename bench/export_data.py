"""Data of bench_export.py: the perf city (bench/perf_data.py) and ``n`` awareness sessions.

The sessions are generated inside PostgreSQL (generate_series): a million rows in seconds.
Every thousandth title starts like a spreadsheet formula, so the CSV-injection quoting is
exercised at scale; the text is Vietnamese (multi-byte UTF-8) like real data.
"""

import asyncpg

from bench import perf_data
from bench.scan_ingest_data import dsn_of, fresh_database

SUMMARY = (
    "Tuyên truyền về thủ đoạn lừa đảo tuyển dụng, mua bán người và tác hại của ma túy cho công"
    " nhân ở trọ; phát tờ rơi, hướng dẫn số điện thoại đường dây nóng của công an phường."
)

SESSIONS_SQL = """
INSERT INTO awareness_session (id, team_id, admin_unit_id, held_at, duration_minutes, title,
    place, text_search, topics, workers_count, landlords_count, others_count, materials,
    photo_refs, summary, recorded_by, body_hash, created_at, updated_at, version)
SELECT gen_random_uuid(), $1, $2,
       timestamptz '2025-01-01 01:00+00' + n * interval '1 minute', 60,
       CASE WHEN n % 1000 = 0 THEN '=HYPERLINK("http://x.example","bấm") ' || n
            ELSE 'Buổi tuyên truyền số ' || n END,
       'Khu nhà trọ Hòa Bình số ' || n || ', đường Lê Văn Việt, phường Hiệp Phú',
       'khu nha tro hoa binh so ' || n,
       '["job_offer", "drugs"]'::jsonb, n % 90, n % 4, 0,
       '[{"name": "Tờ rơi", "quantity": 100}]'::jsonb, '[]'::jsonb, $3, $4,
       repeat('0', 64), timestamptz '2026-01-01 05:00+00', timestamptz '2026-01-01 05:00+00', 1
FROM generate_series(0, $5 - 1) n
"""


async def build(url: str, rows: int, *, secret: str) -> dict:
    """A fresh database with the perf city (phones sealed for ``secret``) and ``rows`` sessions."""
    await fresh_database(url)
    world = await perf_data.seed(dsn_of(url), 2, secret=secret)
    conn = await asyncpg.connect(dsn_of(url))
    try:
        team = world["teams"][0]
        await conn.execute(
            SESSIONS_SQL, team["team_id"], world["ward"], SUMMARY, team["leader"], rows
        )
        await conn.execute("VACUUM ANALYZE awareness_session")
    finally:
        await conn.close()
    return world

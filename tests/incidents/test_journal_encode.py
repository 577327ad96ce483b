"""The JSON a report's rows travel in to their one statement (backend/incidents/journal_pg.py)."""

import json
import uuid
from datetime import UTC, date, datetime, timedelta, timezone

import asyncpg.pgproto.pgproto
import pytest

from backend.incidents.journal_pg import encode


def test_rows_come_back_as_the_columns_expect_them():
    row_id = uuid.uuid4()
    at = datetime(2026, 11, 20, 14, 14, 3, 250, tzinfo=UTC)
    hanoi = datetime(2026, 11, 20, 21, 14, 3, tzinfo=timezone(timedelta(hours=7)))
    rows = [
        {
            "id": row_id,
            "at": at,
            "occurred_at": hanoi,
            "on": date(2026, 11, 20),
            "detail": {"summary": "Mất xe máy trước cổng nhà trọ", "n": 3, "ok": True},
            "recipient_user_ids": [str(row_id)],
            "none": None,
            "driver_id": asyncpg.pgproto.pgproto.UUID(str(row_id)),  # as raw statements read ids
        }
    ]
    text = encode(rows)
    assert "Mất xe máy" in text  # UTF-8 as is, not \\u escapes
    assert json.loads(text) == [
        {
            "id": str(row_id),
            "at": at.isoformat(),
            "occurred_at": hanoi.isoformat(),
            "on": "2026-11-20",
            "detail": {"summary": "Mất xe máy trước cổng nhà trọ", "n": 3, "ok": True},
            "recipient_user_ids": [str(row_id)],
            "none": None,
            "driver_id": str(row_id),
        }
    ]


def test_a_naive_datetime_or_an_unknown_type_is_refused():
    # A bug, not input: the encoder's error names the cause.
    with pytest.raises(TypeError) as refused:
        encode([{"at": datetime(2026, 11, 20, 21, 14)}])
    assert "naive datetime" in str(refused.value.__cause__)
    with pytest.raises(TypeError) as refused:
        encode([{"x": object()}])
    assert "not JSON: object" in str(refused.value.__cause__)

"""Migration 0018 fills the day bits of the month rollup and the house × year rollup from the
rollups already stored (no rebuild needed), and its downgrade removes both."""

import uuid
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import inspect, text

from backend.core.migrate import downgrade, upgrade
from tests.core.tempdb import fresh_database
from tests.test_migrations import inspect_db

AT = datetime(2026, 12, 1, tzinfo=UTC)
A, B, T1, T2 = (uuid.uuid4() for _ in range(4))
DAYS = [  # (house, day, team): A twice on 5 Oct (two teams), across a new year
    (A, date(2026, 10, 1), T1),
    (A, date(2026, 10, 5), T1),
    (A, date(2026, 10, 5), T2),
    (A, date(2026, 10, 31), T2),
    (A, date(2026, 12, 31), T1),
    (A, date(2027, 1, 1), T1),
    (B, date(2026, 11, 30), T1),
]


@pytest.fixture
def fresh_url(tmp_path):
    with fresh_database(tmp_path) as url:
        yield url


def _seed(conn) -> None:
    """Day and month rollups as revision 0017 stored them."""
    key = (lambda u: u.hex) if conn.dialect.name == "sqlite" else (lambda u: u)
    for house, day, team in DAYS:
        conn.execute(
            text(
                "INSERT INTO rollup_house_day (house_id, day, team_id, scans, flagged,"
                " first_scan_at, last_scan_at) VALUES (:h, :d, :t, 1, 0, :at, :at)"
            ),
            {"h": key(house), "d": day, "t": key(team), "at": AT},
        )
    months = {(h, d.replace(day=1)) for h, d, _ in DAYS}
    for house, month in months:
        conn.execute(
            text(
                "INSERT INTO rollup_house_month (house_id, month, scans, patrol_days,"
                " last_scan_at) VALUES (:h, :m, 1, 1, :at)"
            ),
            {"h": key(house), "m": month, "at": AT},
        )


def _filled(conn) -> tuple[dict, dict]:
    def key(value):
        return value if isinstance(value, uuid.UUID) else uuid.UUID(value)

    def day(value):
        return value if isinstance(value, date) else date.fromisoformat(value)

    months = conn.execute(text("SELECT house_id, month, days FROM rollup_house_month")).all()
    years = conn.execute(text("SELECT year, house_id, months FROM rollup_house_year")).all()
    return (
        {(key(h), day(m)): d for h, m, d in months},
        {(y, key(h)): m for y, h, m in years},
    )


def test_0018_fills_day_bits_and_years_and_downgrade_removes_them(fresh_url):
    upgrade(fresh_url, "0017")
    inspect_db(fresh_url, _seed)
    upgrade(fresh_url, "0018")
    months, years = inspect_db(fresh_url, _filled)
    assert months == {
        (A, date(2026, 10, 1)): 1 | 1 << 4 | 1 << 30,  # 1, 5 (two teams: one bit) and 31 Oct
        (A, date(2026, 12, 1)): 1 << 30,
        (A, date(2027, 1, 1)): 1,
        (B, date(2026, 11, 1)): 1 << 29,
    }
    assert years == {(2026, A): 1 << 9 | 1 << 11, (2027, A): 1, (2026, B): 1 << 10}
    downgrade(fresh_url, "0017")

    def schema(conn):
        found = inspect(conn)
        columns = {c["name"] for c in found.get_columns("rollup_house_month")}
        return "days" in columns, "rollup_house_year" in found.get_table_names()

    assert inspect_db(fresh_url, schema) == (False, False)

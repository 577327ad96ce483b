"""SQL expressions that differ between SQLite and PostgreSQL, compiled per dialect.

Local days are Asia/Ho_Chi_Minh. Vietnam has kept UTC+7 without daylight saving since 1975,
so SQLite (which has no zone database) adds seven hours; PostgreSQL uses the zone by name.
"""

from datetime import UTC, date, datetime, time, timedelta, timezone

from sqlalchemy import Date, Integer, literal_column
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from backend.models.base import UTCDateTime

ZONE = "Asia/Ho_Chi_Minh"
LOCAL = timezone(timedelta(hours=7), "ICT")


def day_start_utc(day: date) -> datetime:
    """The UTC instant a local day begins."""
    return datetime.combine(day, time(0), LOCAL).astimezone(UTC)


def local_date(at: datetime) -> date:
    """The local day of a UTC instant."""
    return at.astimezone(LOCAL).date()


class local_day(FunctionElement):
    """The local (Asia/Ho_Chi_Minh) date of a UTC timestamp column."""

    type = Date()
    inherit_cache = True


@compiles(local_day, "postgresql")
def _local_day_pg(element, compiler, **kw):
    arg = compiler.process(element.clauses, **kw)
    return f"CAST(({arg} AT TIME ZONE '{ZONE}') AS DATE)"


@compiles(local_day, "sqlite")
def _local_day_sqlite(element, compiler, **kw):
    return f"date({compiler.process(element.clauses, **kw)}, '+7 hours')"


class month_of(FunctionElement):
    """The first day of the month of a date column."""

    type = Date()
    inherit_cache = True


@compiles(month_of, "postgresql")
def _month_pg(element, compiler, **kw):
    return f"CAST(date_trunc('month', {compiler.process(element.clauses, **kw)}) AS DATE)"


@compiles(month_of, "sqlite")
def _month_sqlite(element, compiler, **kw):
    return f"date({compiler.process(element.clauses, **kw)}, 'start of month')"


class week_of(FunctionElement):
    """The Monday of the ISO week of a date column."""

    type = Date()
    inherit_cache = True


@compiles(week_of, "postgresql")
def _week_pg(element, compiler, **kw):
    return f"CAST(date_trunc('week', {compiler.process(element.clauses, **kw)}) AS DATE)"


@compiles(week_of, "sqlite")
def _week_sqlite(element, compiler, **kw):
    arg = compiler.process(element.clauses, **kw)
    return f"date({arg}, '-' || ((CAST(strftime('%w', {arg}) AS INTEGER) + 6) % 7) || ' days')"


class seconds_between(FunctionElement):
    """Whole seconds from the second argument to the first (each truncated to the second)."""

    type = Integer()
    inherit_cache = True


@compiles(seconds_between, "postgresql")
def _secs_pg(element, compiler, **kw):
    a, b = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST(floor(extract(epoch from {a})) - floor(extract(epoch from {b})) AS BIGINT)"


@compiles(seconds_between, "sqlite")
def _secs_sqlite(element, compiler, **kw):
    a, b = (compiler.process(c, **kw) for c in element.clauses)
    return f"(CAST(strftime('%s', {a}) AS INTEGER) - CAST(strftime('%s', {b}) AS INTEGER))"


class seconds_before(FunctionElement):
    """A UTC timestamp moved back by a whole number of seconds (``seconds_before(at, n)``, ``n``
    a Python int), comparable with the timestamp columns on either engine."""

    type = UTCDateTime()
    inherit_cache = True

    def __init__(self, at, seconds: int):
        super().__init__(at, literal_column(str(int(seconds))))


@compiles(seconds_before, "postgresql")
def _before_pg(element, compiler, **kw):
    at, n = (compiler.process(c, **kw) for c in element.clauses)
    return f"({at} - {n} * interval '1 second')"


@compiles(seconds_before, "sqlite")
def _before_sqlite(element, compiler, **kw):
    # Stored as 'YYYY-MM-DD HH:MM:SS.ffffff': whole seconds move the first 19 characters and
    # leave the fraction as it is, so the result compares with stored values to the microsecond.
    # (Only the whole seconds go through strftime, which rounds a fraction to milliseconds:
    # .999999 would carry into the next second.)
    at, n = (compiler.process(c, **kw) for c in element.clauses)
    return (
        f"(strftime('%Y-%m-%d %H:%M:%S', substr({at}, 1, 19), '-{n} seconds') || substr({at}, 20))"
    )


class year_of(FunctionElement):
    """The year of a date column, as an integer."""

    type = Integer()
    inherit_cache = True


@compiles(year_of, "postgresql")
def _year_pg(element, compiler, **kw):
    return f"CAST(extract(year FROM {compiler.process(element.clauses, **kw)}) AS INTEGER)"


@compiles(year_of, "sqlite")
def _year_sqlite(element, compiler, **kw):
    return f"CAST(strftime('%Y', {compiler.process(element.clauses, **kw)}) AS INTEGER)"


class month_bit(FunctionElement):
    """1 << (month - 1) of a date column: its bit in a year's month mask."""

    type = Integer()
    inherit_cache = True


@compiles(month_bit, "postgresql")
def _month_bit_pg(element, compiler, **kw):
    arg = compiler.process(element.clauses, **kw)
    return f"(1 << (CAST(extract(month FROM {arg}) AS INTEGER) - 1))"


@compiles(month_bit, "sqlite")
def _month_bit_sqlite(element, compiler, **kw):
    arg = compiler.process(element.clauses, **kw)
    return f"(1 << (CAST(strftime('%m', {arg}) AS INTEGER) - 1))"


class day_bit(FunctionElement):
    """1 << (day of month - 1) of a date column: its bit in a month's day mask."""

    type = Integer()
    inherit_cache = True


@compiles(day_bit, "postgresql")
def _day_bit_pg(element, compiler, **kw):
    arg = compiler.process(element.clauses, **kw)
    return f"(1 << (CAST(extract(day FROM {arg}) AS INTEGER) - 1))"


@compiles(day_bit, "sqlite")
def _day_bit_sqlite(element, compiler, **kw):
    arg = compiler.process(element.clauses, **kw)
    return f"(1 << (CAST(strftime('%d', {arg}) AS INTEGER) - 1))"

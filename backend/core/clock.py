"""The one clock TTQ reads: "now" in UTC and "today" in Asia/Ho_Chi_Minh.

Every stamp the service writes (outbox, dispatcher, jobs, deadlines, "today" for memberships
and plans) comes from here, so a test that freezes or moves the clock moves all of them
together and no test depends on the day it runs. Two things deliberately stay on the OS
clock: elapsed-time measurements (``time.monotonic``) and the timestamps other parties check
against their own clocks (JWT expiry, webhook signatures, the FCM assertion).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

try:
    LOCAL_TZ: tzinfo = ZoneInfo("Asia/Ho_Chi_Minh")
except ZoneInfoNotFoundError:  # no tz database: Vietnam has had no DST since 1975
    LOCAL_TZ = timezone(timedelta(hours=7), "ICT")


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    """The machine's wall clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FrozenClock:
    """A clock that stands still until moved: for tests and for replaying a past night."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("a frozen clock needs a timezone-aware start")
        self.current = start.astimezone(UTC)

    def now(self) -> datetime:
        return self.current

    def advance(self, seconds: float = 0, **delta: float) -> None:
        self.current += timedelta(seconds=seconds, **delta)

    def set(self, when: datetime) -> None:
        self.current = when.astimezone(UTC)


class ReadingClock:
    """A clock that asks a function for the time (e.g. a test's own frozen clock)."""

    def __init__(self, read: Callable[[], datetime]) -> None:
        self.read = read

    def now(self) -> datetime:
        return self.read()


_clock: Clock = SystemClock()


def now() -> datetime:
    """Now, timezone-aware, in UTC, from the installed clock."""
    return _clock.now()


def today() -> date:
    """Today's date in Vietnam (Asia/Ho_Chi_Minh), from the installed clock."""
    return _clock.now().astimezone(LOCAL_TZ).date()


def current() -> Clock:
    """The installed clock."""
    return _clock


def install(clock: Clock) -> Clock:
    """Make ``clock`` the one every piece of code reads; returns the one it replaced."""
    global _clock
    previous, _clock = _clock, clock
    return previous


@contextmanager
def installed(clock: Clock) -> Iterator[Clock]:
    """Install ``clock`` for the duration of a block, then put the previous one back."""
    previous = install(clock)
    try:
        yield clock
    finally:
        install(previous)

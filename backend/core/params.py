"""Request value types that take only what the spec says: RFC 3339 text, never a number, and
moments in the service's calendar.

Pydantic's lax mode reads ``0`` or ``0.5`` as a Unix time, so ``?occurred_to=0`` would quietly
mean 1970; the contract says a date or date-time string, and anything else is a 422. A date-time
carries its offset (RFC 3339 requires one; every stored moment is UTC) and is handed on in UTC.
Days and moments lie in this service's calendar (``FIRST_DAY`` to ``LAST_DAY``): year 1 or 9999
made local-day arithmetic overflow deep in a query (a 500); outside it is a 422 here. Bodies'
moments (``Moment``) are checked the same way and keep the offset they were sent with (a
report's re-send must hash as it did).
"""

import re
from datetime import UTC, date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, BeforeValidator, Field

NUMBER = re.compile(r"\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*")


def _text_only(value: Any) -> Any:
    if isinstance(value, int | float) or (isinstance(value, str) and NUMBER.fullmatch(value)):
        raise ValueError("expected an RFC 3339 date or date-time, not a number")
    return value


# A row id or any integer key a request names: what a 64-bit column holds (a longer one was a
# 500 where the driver binds it).
ROW_ID_MAX = 2**63 - 1
RowId = Annotated[int, Field(ge=1, le=ROW_ID_MAX)]

FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2099, 12, 31)


def in_calendar(day: date) -> bool:
    """Whether a day lies in the service's calendar (what a request may name)."""
    return FIRST_DAY <= day <= LAST_DAY


def _calendar_day(value: date) -> date:
    if not in_calendar(value):
        raise ValueError(f"a day from {FIRST_DAY} to {LAST_DAY}")
    return value


def _calendar_moment(value: datetime) -> datetime:
    try:
        utc = value.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"a moment from {FIRST_DAY} to {LAST_DAY}") from None
    _calendar_day(utc.date())
    return utc


def _in_calendar_as_sent(value: datetime) -> datetime:
    _calendar_moment(value)
    return value


QueryDate = Annotated[date, BeforeValidator(_text_only), AfterValidator(_calendar_day)]
QueryDateTime = Annotated[
    AwareDatetime, BeforeValidator(_text_only), AfterValidator(_calendar_moment)
]
Moment = Annotated[AwareDatetime, AfterValidator(_in_calendar_as_sent)]
MomentUTC = Annotated[AwareDatetime, AfterValidator(_calendar_moment)]

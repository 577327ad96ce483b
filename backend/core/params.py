"""Query parameter types that take only what the spec says: RFC 3339 text, never a number.

Pydantic's lax mode reads ``0`` or ``0.5`` as a Unix time, so ``?occurred_to=0`` would quietly
mean 1970; the contract says a date or date-time string, and anything else is a 422.
"""

import re
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BeforeValidator

NUMBER = re.compile(r"\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*")


def _text_only(value: Any) -> Any:
    if isinstance(value, int | float) or (isinstance(value, str) and NUMBER.fullmatch(value)):
        raise ValueError("expected an RFC 3339 date or date-time, not a number")
    return value


QueryDate = Annotated[date, BeforeValidator(_text_only)]
QueryDateTime = Annotated[datetime, BeforeValidator(_text_only)]

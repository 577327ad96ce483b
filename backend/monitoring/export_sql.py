"""What the database hands an export already rendered, cell for cell as Python would render it.

Rendering a million rows in Python is most of an export's cost. Before the rows are read:

- JSON columns are read as their text (both engines, both formats): the driver no longer
  decodes every value of every row; the exporter decodes each distinct text once (memo).
- On PostgreSQL, for CSV, unformatted timestamps, dates and UUIDs come as the very text the
  exporter writes: ``to_char`` of the Asia/Ho_Chi_Minh wall-clock time (PostgreSQL's time
  zone database, as Python's zoneinfo), ``uuid::text`` (the same 8-4-4-4-12 form as
  ``str(uuid)``). XLSX keeps real dates (typed cells); SQLite keeps the Python path.
"""

import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import JSON, Date, DateTime, Label, Select, Text, cast, func

from backend.monitoring.exports import Column

LOCAL_ZONE = "Asia/Ho_Chi_Minh"
_PG_DATETIME = {"vi": "DD/MM/YYYY HH24:MI", "en": "YYYY-MM-DD HH24:MI"}
_PG_DATE = {"vi": "DD/MM/YYYY", "en": "YYYY-MM-DD"}


def _decoding(fmt: Callable[[Any, str], Any] | None) -> Callable[[Any, str], Any]:
    def decode(value: Any, lang: str) -> Any:
        value = json.loads(value) if isinstance(value, str) else value
        return value if fmt is None else fmt(value, lang)

    return decode


def _is_uuid(sql_type: Any) -> bool:
    try:
        return sql_type.python_type is uuid.UUID
    except NotImplementedError:
        return False


def _pg_text(expr: Any, sql_type: Any, lang: str) -> Any | None:
    """``expr`` rendered by PostgreSQL as the exporter's CSV text, or None if not ours to do."""
    impl = getattr(sql_type, "impl", sql_type)
    if isinstance(impl, DateTime):
        # a naive timestamp is UTC to the exporter: make it UTC before the wall-clock shift
        aware = expr if impl.timezone else func.timezone("UTC", expr)
        return func.to_char(func.timezone(LOCAL_ZONE, aware), _PG_DATETIME[lang], type_=Text)
    if isinstance(impl, Date):
        return func.to_char(expr, _PG_DATE[lang], type_=Text)
    if _is_uuid(sql_type):
        return cast(expr, Text)
    return None


def prepare(
    stmt: Select, columns: Sequence[Column], *, dialect: str, fmt: str, lang: str
) -> tuple[Select, list[Column]]:
    """The statement with cells rendered by the database where that is exact; its columns."""
    wanted = {c.key: c for c in columns}
    decoded: set[str] = set()
    selected, changed = [], False
    for col in stmt.selected_columns:
        spec = wanted.get(col.key)
        inner = col.element if isinstance(col, Label) else col
        new = None
        if spec is not None and isinstance(col.type, JSON):
            new = cast(inner, Text)
            decoded.add(col.key)
        elif spec is not None and spec.format is None and dialect == "postgresql" and fmt == "csv":
            new = _pg_text(inner, col.type, lang)
        if new is None:
            selected.append(col)
        else:
            selected.append(new.label(col.key))
            changed = True
    if not changed:
        return stmt, list(columns)
    stmt = stmt.with_only_columns(*selected, maintain_column_froms=True)
    return stmt, [
        replace(c, format=_decoding(c.format)) if c.key in decoded else c for c in columns
    ]

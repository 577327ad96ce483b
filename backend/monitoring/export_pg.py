"""Every cell of a CSV export rendered by PostgreSQL, as text the exporter would have written.

For the COPY path (export_copy.py): when PostgreSQL can render each column of an export
exactly as ``exports.normalize`` + ``_csv_text`` do in Python, the whole SELECT becomes
``COPY (…) TO STDOUT (FORMAT csv)`` and no row passes through Python. What is rendered here:

- text: as is, behind the formula guard (``_csv_text``: ``'`` before = @ tab CR, and before
  + or - unless the text is a plain signed number or phone number, ``_SAFE_SIGNED``);
- whole numbers (``int::text`` is ``str(int)``), booleans (Có/Không, Yes/No), timestamps and
  dates (export_sql's ``to_char`` of the Vietnam wall-clock time), UUIDs;
- ``labels(...)`` of a text column: a CASE whose labels are guarded in Python beforehand;
- a column's own ``Column.sql`` (JSON lists: see ``json_list``, ``json_count``).

Anything else (floats, whose text differs between Python and PostgreSQL; sealed or
otherwise processed columns; other formatters) leaves the export on the Python path.
An empty text becomes NULL: PostgreSQL's CSV writes NULL bare and ``""`` quoted, csv.writer
writes an empty field bare.
"""

import re
import sys
from collections.abc import Sequence
from functools import cache
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Integer,
    Label,
    Select,
    String,
    Text,
    TypeDecorator,
    case,
    cast,
    func,
    literal,
    literal_column,
    select,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by

from backend.monitoring import export_sql
from backend.monitoring.exports import _BOOL, _RISKY_FIRST, Column, _csv_text


def _class_of(pattern: str) -> str:
    """A PostgreSQL bracket expression of exactly the characters Python's ``pattern`` matches.

    Python's ``\\d`` and ``\\s`` are Unicode-wide whatever the locale; PostgreSQL's depend
    on the database's: the characters are listed one range at a time instead.
    """
    match = re.compile(pattern).fullmatch
    ranges: list[list[int]] = []
    for code in range(sys.maxunicode + 1):
        if 0xD800 <= code <= 0xDFFF or not match(chr(code)):
            continue
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    # a range's ends are never ] \ ^ - (digits, spaces, parentheses and the dot)
    parts = [chr(a) if a == b else f"{chr(a)}-{chr(b)}" for a, b in ranges]
    return "[" + "".join(parts) + "]"


@cache
def safe_signed() -> str:
    """_SAFE_SIGNED (``^[+-][\\d\\s().]*$``) for PostgreSQL (NUL cannot be in its text)."""
    return "^[+-]" + _class_of(r"[\d\s().]").replace("\x00", "") + "*$"


_ALWAYS = sorted(_RISKY_FIRST - {"+", "-"})
_RISKY_CODES = sorted(ord(c) for c in _RISKY_FIRST)
SHORT_LIST = 4  # lists up to this long are joined without a subquery (most are 1-3 long)


def guarded(text: Any) -> Any:
    """``text`` as ``_csv_text`` writes a str: quoted with ' when Excel would run it."""
    first = func.left(text, 1)
    risky = first.in_(_ALWAYS) | (first.in_(["+", "-"]) & text.op("!~")(safe_signed()))
    return case((risky, literal("'", Text) + text), else_=text)


def _guarded_if_risky(text: Any, first: Any = None) -> Any:
    """``guarded(text)`` for the few cells starting with a risky character (``first``: what
    starts ``text``, if cheaper to compute); one code-point test for the others."""
    risky = func.ascii(text if first is None else first).in_(_RISKY_CODES)
    return case((risky, guarded(text)), else_=text)


def labelled(text: Any, mapping: dict[str, tuple[str, str]], lang: str) -> Any:
    """``labels(mapping)`` of a text value: each label guarded beforehand, others in SQL."""
    if not mapping:
        return _guarded_if_risky(text)
    pick = 1 if lang == "en" else 0
    return case(
        {code: literal(_csv_text(pair[pick], lang), Text) for code, pair in mapping.items()},
        value=text,
        else_=_guarded_if_risky(text),
    )


def json_list(value: Any, element: Any, *, scalar_as_list: bool = False) -> Any:
    """The elements of a JSON list rendered by ``element(jsonb) -> text``, joined with "; ".

    As ``normalize`` joins a list: in order, None skipped, then the formula guard on the
    whole text. ``scalar_as_list``: a non-list value counts as a list of itself (as
    ``labels`` treats a lone value). A short list is joined by ``concat_ws`` of its first
    elements (which skips NULLs, as the join skips None): a subquery per row cost PostgreSQL
    more than all the other cells of a row.
    """
    items = [element(value.op("->")(literal_column(str(i)))) for i in range(SHORT_LIST)]
    joined = func.concat_ws(literal("; ", Text), *items)
    # the text starts as its first non-null element does (an empty one leaves "; " or "")
    short = _guarded_if_risky(joined, first=func.coalesce(*items))
    return case(
        (func.jsonb_typeof(value) != "array", _json_list_query(value, element, scalar_as_list)),
        (func.jsonb_array_length(value) <= SHORT_LIST, short),
        else_=_json_list_query(value, element, scalar_as_list),
    )


def _json_list_query(value: Any, element: Any, scalar_as_list: bool) -> Any:
    if scalar_as_list:
        value = case(
            (func.jsonb_typeof(value) == "array", value), else_=func.jsonb_build_array(value)
        )
    else:
        value = case((func.jsonb_typeof(value) == "array", value))
    items = func.jsonb_array_elements(value).table_valued("value", with_ordinality="n")
    items = items.render_derived()
    joined = func.string_agg(element(items.c.value), aggregate_order_by(literal("; "), items.c.n))
    # the aggregate is written thrice but computed once (identical aggregates are shared)
    return select(_guarded_if_risky(joined)).select_from(items).scalar_subquery()


def json_text(value: Any) -> Any:
    """A JSON scalar as its text (a string unquoted); NULL for JSON null."""
    return value.op("#>>")(literal_column("'{}'::text[]"))


def json_count(value: Any) -> Any:
    """``len(value or [])`` of a JSON list, as text."""
    count = case((func.jsonb_typeof(value) == "array", func.jsonb_array_length(value)), else_=0)
    return cast(count, Text)


def label_list(value: Any, mapping: dict[str, tuple[str, str]], lang: str) -> Any:
    """``labels(mapping)`` of a JSON list of codes (or of a lone code), joined."""
    pick = 1 if lang == "en" else 0

    def element(item: Any) -> Any:
        code = json_text(item)
        if not mapping:
            return code
        labels = {c: literal(pair[pick], Text) for c, pair in mapping.items()}
        return case(labels, value=code, else_=code)

    return json_list(value, element, scalar_as_list=True)


def _plain_type(sql_type: Any) -> Any | None:
    """The type whose values Python receives unprocessed, or None if a decorator changes them."""
    if isinstance(sql_type, TypeDecorator):
        impl = sql_type.impl_instance
        if isinstance(impl, DateTime | Date):
            return impl  # rendered from the stored value itself (export_sql)
        if type(sql_type).process_result_value is not TypeDecorator.process_result_value:
            return None
        return impl
    return sql_type


def _cell(expr: Any, sql_type: Any, spec: Column, lang: str) -> Any | None:
    if spec.sql is not None:
        return spec.sql(expr, lang)
    kind = _plain_type(sql_type)
    if kind is None:
        return None
    mapping = getattr(spec.format, "mapping", None)
    if spec.format is not None:
        if mapping is not None and isinstance(kind, String):
            return labelled(expr, mapping, lang)
        if mapping is not None and isinstance(kind, JSON):
            return label_list(expr, mapping, lang)
        return None
    if isinstance(kind, String):
        return _guarded_if_risky(expr)
    if isinstance(kind, Boolean):
        yes, no = _BOOL[lang]
        return case((expr.is_(True), literal(yes, Text)), (expr.is_(False), literal(no, Text)))
    if isinstance(kind, Integer):
        return cast(expr, Text)
    return export_sql._pg_text(expr, kind, lang)


def copy_select(stmt: Select, columns: Sequence[Column], lang: str) -> Select | None:
    """``stmt`` selecting each export column as its final CSV text, or None if one cannot be."""
    if len(columns) < 2:  # csv.writer quotes a lone empty field, PostgreSQL does not
        return None
    by_key = {c.key: c for c in stmt.selected_columns}
    cells = []
    for spec in columns:
        col = by_key.get(spec.key)
        if col is None:
            return None
        inner = col.element if isinstance(col, Label) else col
        cell = _cell(inner, col.type, spec, lang)
        if cell is None:
            return None
        cells.append(func.nullif(cell, literal("", Text)).label(spec.key))
    return stmt.with_only_columns(*cells, maintain_column_froms=True)

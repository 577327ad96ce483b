"""The columns of each import kind, how headers are recognised, and how cells are read.

Headers match in Vietnamese or English, with or without diacritics, in any case, ignoring
punctuation and anything in brackets: "Mã nhà trọ *", "ma nha tro", "MA_NHA_TRO" and "code"
all name the same column. Values with a fixed set of choices (kind, status, role) accept the
stored English value or the usual Vietnamese words, also without diacritics.
"""

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from backend.core.text import fold
from backend.registry.validation import Problems


def header_key(text: Any) -> str:
    """A header (or a choice label) reduced to plain lowercase ASCII words."""
    folded = fold(str(text or ""))
    folded = re.sub(r"\(.*?\)|\[.*?\]", " ", folded)
    return " ".join(re.sub(r"[^a-z0-9]+", " ", folded).split())


@dataclass(frozen=True)
class Column:
    """One column of an import kind."""

    field: str  # the key the kind's handler reads
    vi: str  # header in the templates
    en: str  # English header (also accepted)
    note: str  # what to write, shown in the template's notes row and sheet
    example: Any = ""
    required: bool = False  # the column must be present and every cell filled
    aliases: tuple[str, ...] = ()
    choices: dict[str, tuple[str, ...]] = field(default_factory=dict)  # value -> labels
    text: bool = True  # kept as text in the XLSX template (codes, phones: no lost zeros)

    def header_keys(self) -> set[str]:
        return {header_key(h) for h in (self.vi, self.en, self.field, *self.aliases)}

    @property
    def template_header(self) -> str:
        return f"{self.vi} *" if self.required else self.vi


# Columns unions add to their registers that carry nothing to import (row numbers).
IGNORED_HEADERS = frozenset({"stt", "so tt", "so thu tu", "tt", "no", "#", ""})


def match_headers(
    columns: tuple[Column, ...], headers: list[Any]
) -> tuple[dict[str, int], list[dict[str, Any]], list[dict[str, Any]]]:
    """Map each column's field to its position; return (positions, errors, warnings)."""
    by_key = {key: col for col in columns for key in col.header_keys()}
    positions: dict[str, int] = {}
    errors: list[dict[str, Any]] = []
    warnings: list[dict[str, Any]] = []
    for index, header in enumerate(headers):
        key = header_key(header)
        col = by_key.get(key)
        where = {"row": 1, "column": column_letter(index), "header": _show(header)}
        if col is None:
            if key not in IGNORED_HEADERS:
                warnings.append({**where, "field": None, "code": "unknown_column"})
            continue
        if col.field in positions:
            errors.append({**where, "field": col.field, "code": "duplicate_column"})
            continue
        positions[col.field] = index
    for col in columns:
        if col.required and col.field not in positions:
            errors.append(
                {
                    "row": 1,
                    "column": None,
                    "header": col.vi,
                    "field": col.field,
                    "code": "missing_columns",
                }
            )
    return positions, errors, warnings


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA (as spreadsheets name columns)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _show(value: Any) -> str | None:
    return None if value is None else str(value)[:100]


# --- cell readers: each adds a problem naming the field, as the services' validators do ----


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def as_text(value: Any) -> Any:
    """A code or phone that a spreadsheet stored as a number, back as the text it was."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


def read_choice(p: Problems, name: str, value: Any, choices: dict[str, tuple[str, ...]]):
    """The stored value for a label (``None`` when blank)."""
    if is_blank(value):
        return None
    key = header_key(value)
    for stored, labels in choices.items():
        if key in {header_key(stored), *(header_key(label) for label in labels)}:
            return stored
    shown = [f"{stored} ({labels[0]})" if labels else stored for stored, labels in choices.items()]
    p.add(name, "not_allowed", ", ".join(shown), allowed=list(choices))
    return None


_DATE_FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d", "%Y/%m/%d", "%d/%m/%y")


def read_date(p: Problems, name: str, value: Any) -> date | None:
    """A date cell, or text day-first as Vietnamese write it (dd/mm/yyyy), or ISO."""
    if is_blank(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    p.add(name, "invalid_date", "dd/mm/yyyy")
    return None


_TRUE = {"co", "yes", "true", "1", "x", "bat", "on"}
_FALSE = {"khong", "no", "false", "0", "tat", "off"}


def read_bool(p: Problems, name: str, value: Any) -> bool | None:
    if is_blank(value):
        return None
    if isinstance(value, bool):
        return value
    key = header_key(as_text(value))
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    p.add(name, "invalid_boolean", "có / không")
    return None


def read_number(value: Any) -> Any:
    """A coordinate as a float when it reads as one; anything else is left for the validator.

    Spreadsheets saved with Vietnamese settings write decimals with a comma ("10,9").
    """
    if isinstance(value, str):
        text = value.strip()
        if text.count(",") == 1 and "." not in text:
            text = text.replace(",", ".")
        try:
            return float(text)
        except ValueError:
            return value
    return value


def read_list(value: Any) -> list[str]:
    """Codes separated by commas, semicolons or line breaks, without repeats."""
    if is_blank(value):
        return []
    parts = re.split(r"[,;\n]+", str(as_text(value)))
    return list(dict.fromkeys(part.strip() for part in parts if part.strip()))

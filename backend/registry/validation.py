"""Field checks shared by the registry services and the spreadsheet import.

Services collect every problem of one record in a ``Problems`` and raise them together, so an
API caller fixes a form in one round and the import reports each bad cell of a row at once.
Each problem names its field and a stable code (the keys of ``backend.core.messages.TITLES``).
"""

import math
import re
from dataclasses import dataclass
from typing import Any

from backend.core.errors import Invalid
from backend.core.messages import title_for
from backend.core.security import normalize_phone

SITE_KINDS = (
    "industrial_zone",
    "export_processing_zone",
    "economic_zone",
    "high_tech_zone",
    "industrial_cluster",
)
HOUSE_STATUSES = ("active", "closed")
MAX_COUNT = 1_000_000  # rooms, capacity, tenants, headcount: anything larger is a typo

# Mã số thuế: 10 digits (enterprise) or 10 digits + "-" + 3 (a branch / dependent unit).
_TAX_CODE = re.compile(r"^(\d{10})(?:-?(\d{3}))?$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class Problems:
    """Per-field problems of one record, raised together as a single 422."""

    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []

    def add(self, field: str, code: str, detail: str | None = None, **extra: Any) -> None:
        message = title_for(code, "vi") + (f": {detail}" if detail else "")
        self.items.append({"field": field, "code": code, "message": message, **extra})

    def __bool__(self) -> bool:
        return bool(self.items)

    def error(self) -> Invalid | None:
        """The 422 to raise: the problem's own code when alone, ``validation_error`` if many."""
        if not self.items:
            return None
        first = self.items[0]
        code = first["code"] if len(self.items) == 1 else "validation_error"
        return Invalid(code=code, detail=first["message"], errors=self.items)

    def raise_if_any(self) -> None:
        error = self.error()
        if error is not None:
            raise error


def fail(field: str, code: str, detail: str | None = None, **extra: Any) -> Invalid:
    """A one-problem 422 (for checks that cannot be collected with others)."""
    problems = Problems()
    problems.add(field, code, detail, **extra)
    return problems.error()  # type: ignore[return-value]


def clean_text(
    problems: Problems, field: str, value: Any, *, max_length: int, required: bool = False
) -> str | None:
    """Trimmed text; empty is None (or ``required`` when it must be given)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            problems.add(field, "required")
        return None
    if not isinstance(value, str):
        value = str(value)
    value = " ".join(value.split()) if "\n" not in value else value.strip()
    if len(value) > max_length:
        problems.add(field, "text_too_long", f"tối đa {max_length} ký tự", max_length=max_length)
        return None
    return value


def clean_choice(
    problems: Problems, field: str, value: Any, choices: tuple[str, ...], *, required: bool = True
) -> str | None:
    """One of a fixed set of values."""
    if value is None or value == "":
        if required:
            problems.add(field, "required")
        return None
    value = str(value).strip()
    if value not in choices:
        problems.add(field, "not_allowed", ", ".join(choices), allowed=list(choices))
        return None
    return value


def clean_phone(problems: Problems, field: str, value: Any) -> str | None:
    """A Vietnamese phone in E.164, or None when not given."""
    if value is None or not str(value).strip():
        return None
    phone = normalize_phone(str(value))
    if phone is None:
        problems.add(field, "invalid_phone")
    return phone


def clean_email(problems: Problems, field: str, value: Any) -> str | None:
    """An address of plausible shape (delivery is the only real check)."""
    text = clean_text(problems, field, value, max_length=255)
    if text is not None and not _EMAIL.match(text):
        problems.add(field, "invalid_email")
        return None
    return text


def clean_tax_code(problems: Problems, field: str, value: Any) -> str | None:
    """A tax code as ``0123456789`` or ``0123456789-001`` (13 digits may come without dash)."""
    if value is None or not str(value).strip():
        return None
    raw = re.sub(r"[\s.]", "", str(value))
    match = _TAX_CODE.match(raw)
    if not match:
        problems.add(field, "invalid_tax_code", "10 chữ số hoặc 10 chữ số-3 chữ số")
        return None
    return match[1] + (f"-{match[2]}" if match[2] else "")


def clean_count(problems: Problems, field: str, value: Any) -> int | None:
    """A non-negative whole number, or None."""
    if value is None or value == "":
        return None
    try:
        number = int(value)
        if isinstance(value, float) and not value.is_integer():
            raise ValueError
    except (TypeError, ValueError):
        problems.add(field, "not_a_count")
        return None
    if not 0 <= number <= MAX_COUNT:
        problems.add(field, "not_a_count", f"0..{MAX_COUNT}")
        return None
    return number


def clean_coordinate(problems: Problems, field: str, value: Any, limit: float) -> float | None:
    """A finite number within ±limit degrees."""
    if value is None or value == "":
        problems.add(field, "required")
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        problems.add(field, "invalid_coordinates")
        return None
    if not math.isfinite(number) or abs(number) > limit:
        problems.add(field, "invalid_coordinates")
        return None
    return number


@dataclass(frozen=True)
class BBox:
    """A WGS84 bounding box, GeoJSON order."""

    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float


def parse_bbox(raw: str | None) -> BBox | None:
    """``minLon,minLat,maxLon,maxLat`` (the GeoJSON / OGC order), or a 422 naming ``bbox``."""
    if raw is None or not raw.strip():
        return None
    try:
        parts = [float(p) for p in raw.split(",")]
    except ValueError:
        raise fail("bbox", "invalid_bbox", "minLon,minLat,maxLon,maxLat") from None
    if len(parts) != 4 or not all(math.isfinite(p) for p in parts):
        raise fail("bbox", "invalid_bbox", "minLon,minLat,maxLon,maxLat")
    box = BBox(*parts)
    if not (-180 <= box.min_lon <= box.max_lon <= 180 and -90 <= box.min_lat <= box.max_lat <= 90):
        raise fail("bbox", "invalid_bbox", "min ≤ max, lon ±180, lat ±90")
    return box

"""Vietnamese-aware text folding for search that ignores diacritics."""

import unicodedata

_TRANSLATE = str.maketrans({"đ": "d", "Đ": "d"})


def fold(text: str | None) -> str:
    """Lowercase, strip diacritics and map đ to d: "Nhà trọ Hòa Bình" → "nha tro hoa binh"."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text.translate(_TRANSLATE))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.lower().split())

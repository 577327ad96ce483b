"""Password rules after NIST SP 800-63B (5.1.1.2): length, breached lists, context words.

No composition rules (they make passwords harder to remember, not to guess); instead a password
is refused when it is short, on a list of common or breached passwords, a run of one character
or a keyboard/number sequence, or when it is, contains or is contained in the account's phone
number or name. The API, ``ttq create-user`` and the console all call ``check_password``.
"""

import gzip
import re
import unicodedata
from functools import lru_cache
from importlib.resources import files

from backend.core.errors import Invalid

MIN_LENGTH = 8
MAX_LENGTH = 128
# Too few distinct characters is a pattern, not a secret ("aaaaaaaaaaaa", "abababab").
MIN_DISTINCT = 4
SEQUENCES = (
    "01234567890",
    "abcdefghijklmnopqrstuvwxyz",
    "qwertyuiop",
    "asdfghjkl",
    "zxcvbnm",
    "1qaz2wsx3edc",
)


def _fold(text: str) -> str:
    """Lower case without diacritics (đ as d): "Mật Khẩu" and "matkhau" are the same guess."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The bundled lists (backend/accounts/data), folded, loaded once."""
    data = files("backend.accounts") / "data"
    with gzip.open(data.joinpath("common-passwords.txt.gz").open("rb"), "rt") as fh:
        words = {line.strip() for line in fh}
    words |= set(data.joinpath("common-passwords-vi.txt").read_text("utf-8").split())
    return frozenset(_fold(w) for w in words if w)


def _is_sequence(folded: str) -> bool:
    compact = re.sub(r"[\W_]", "", folded)
    if len(compact) < MIN_LENGTH:
        return False
    return any(compact in seq or compact in seq[::-1] for seq in SEQUENCES)


def _context_words(phone: str | None, name: str | None) -> list[str]:
    words = []
    if phone:
        digits = re.sub(r"\D", "", phone)
        words += [digits]
        if digits.startswith("84"):
            words.append("0" + digits[2:])  # the national form people actually type
        words.append(digits[-9:])
    if name:
        folded = _fold(name)
        words += [re.sub(r"\s+", "", folded)]
        words += [part for part in folded.split() if len(part) >= 4]
    return [w for w in words if len(w) >= 4]


def weakness(password: str, *, phone: str | None = None, name: str | None = None) -> str | None:
    """Why a password is refused ("too_short", "common", ...), or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return "too_short"
    if len(password) > MAX_LENGTH:
        return "too_long"
    folded = _fold(password)
    compact = re.sub(r"[\W_]", "", folded)
    if folded in common_passwords() or compact in common_passwords():
        return "common"
    if len(set(folded)) < MIN_DISTINCT or _is_sequence(folded):
        return "pattern"
    for word in _context_words(phone, name):
        if word in compact or (len(compact) >= MIN_LENGTH and compact in word):
            return "personal"
    return None


def check_password(password: str, *, phone: str | None = None, name: str | None = None) -> None:
    """Raise Invalid (422 ``weak_password``) unless the password passes the rules above."""
    reason = weakness(password, phone=phone, name=name)
    if reason is not None:
        raise Invalid(code="weak_password", reason=reason, min_length=MIN_LENGTH)

"""Phone numbers at rest: sealed with AES-GCM, found by a keyed blind index.

A sealed phone is ``p1.<key id>.<base64url(nonce || ciphertext)>``; the column it lives in
(``user_account.phone``) is bound as associated data, so a value copied into another column
does not open. Its blind index is ``<index key id>:<hex HMAC-SHA256 of the E.164 number>``:
equal numbers give equal indexes under one key, so sign-in, uniqueness and imports look phones
up by equality without the database ever holding the number. Both carry their key id, so keys
rotate (``ttq keys rotate``): old keys stay configured for reading until every row is resealed.

The keys come from settings (``TTQ_PII_KEYS``/``TTQ_PII_KEY_ID``, ``TTQ_PII_INDEX_KEYS``/
``TTQ_PII_INDEX_KEY_ID``); unset, one of each is derived from ``TTQ_SECRET_KEY`` with an id
that is the key's fingerprint, so a changed secret is reported as a missing key, never as
garbage. The process holds one keyring (installed by ``create_app`` and the worker, else read
from the environment), because the column type that seals and opens sees no request.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from backend.core.errors import DomainError
from backend.core.security import normalize_phone

SEAL_VERSION = "p1"
INDEX_LENGTH = 100  # "<key id ≤ 32>:<64 hex>"
KEY_ID_MAX = 32


class KeyUnavailable(DomainError):
    """Sealed data whose key this deployment does not have (its secret or key set changed).

    503: the request is fine and the data is intact; the server is misconfigured until the old
    key is configured again (then ``ttq keys rotate``). Not a 409: nothing the caller can change
    would make the request succeed, and not a 500: it is a known state, with a stable code.
    """

    status, code = 503, "key_unavailable"


def _derive(material: str, purpose: bytes) -> bytes:
    raw = material.encode()
    # A key given as base64 of 32 random bytes is used through HKDF too: one code path, and a
    # passphrase (or the derived default) gets the same treatment.
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"ttq-pii", info=purpose).derive(raw)


def fingerprint(material: str, purpose: bytes) -> str:
    """A short, non-secret id for a key (the default keys' id)."""
    return "d" + hashlib.sha256(_derive(material, purpose + b"/id")).hexdigest()[:10]


@dataclass(frozen=True)
class Keyring:
    """The sealing keys and blind-index keys by id, and which of each is current."""

    seal_keys: dict[str, bytes]
    seal_key_id: str
    index_keys: dict[str, bytes]
    index_key_id: str
    _aeads: dict[str, AESGCM] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for kid, key in self.seal_keys.items():
            self._aeads[kid] = AESGCM(key)

    # --- sealing ---------------------------------------------------------------------------
    def seal(self, value: str, *, context: str) -> str:
        """Encrypt a value under the current key, bound to its column."""
        nonce = os.urandom(12)
        blob = nonce + self._aeads[self.seal_key_id].encrypt(
            nonce, value.encode(), context.encode()
        )
        return f"{SEAL_VERSION}.{self.seal_key_id}.{base64.urlsafe_b64encode(blob).decode()}"

    def open(self, sealed: str, *, context: str) -> str:
        """Decrypt a sealed value; a missing key or a foreign/tampered value is KeyUnavailable."""
        version, kid, body = split_sealed(sealed)
        aead = self._aeads.get(kid)
        if version != SEAL_VERSION or aead is None:
            raise KeyUnavailable(key_id=kid)
        try:
            blob = base64.urlsafe_b64decode(body.encode())
            return aead.decrypt(blob[:12], blob[12:], context.encode()).decode()
        except (InvalidTag, binascii.Error, ValueError):
            raise KeyUnavailable(key_id=kid) from None

    # --- blind index -----------------------------------------------------------------------
    def index(self, phone: str, *, key_id: str | None = None) -> str:
        """The blind index of a phone number under one index key (the current one by default)."""
        kid = key_id or self.index_key_id
        digest = hmac.new(self.index_keys[kid], canonical(phone).encode(), hashlib.sha256)
        return f"{kid}:{digest.hexdigest()}"

    def indexes(self, phone: str) -> list[str]:
        """The number's index under every configured index key (lookups during a rotation)."""
        current = self.index(phone)
        return [current] + [self.index(phone, key_id=k) for k in self.index_keys if k != current]


def split_sealed(sealed: str) -> tuple[str, str, str]:
    """(version, key id, body) of a sealed value."""
    version, _, rest = sealed.partition(".")
    kid, _, body = rest.partition(".")
    return version, kid, body


def index_key_id(index: str) -> str:
    """The key id a blind index was computed with."""
    return index.partition(":")[0]


_E164_VN = re.compile(r"\+84[1-9]\d{8,9}")


def canonical(phone: str) -> str:
    """What the index is computed over: E.164 when the number is one, else the trimmed text."""
    if _E164_VN.fullmatch(phone):
        # Already what normalize_phone would give (or, if invalid, what the fallback gives);
        # parsing costs ~100 µs, and imports index thousands of stored E.164 numbers.
        return phone
    return normalize_phone(phone) or phone.strip().lower()


def _keys(configured: dict[str, str], secret: str, purpose: bytes) -> tuple[dict[str, bytes], str]:
    if configured:
        only = next(iter(configured)) if len(configured) == 1 else ""
        return {kid: _derive(material, purpose) for kid, material in configured.items()}, only
    kid = fingerprint(secret, purpose)
    return {kid: _derive(secret, purpose)}, kid


def keyring_for(settings) -> Keyring:
    """The keyring a configuration describes (keys derived from the secret when none are set)."""
    seal_keys, default_seal = _keys(settings.pii_keys, settings.secret_key, b"phone-seal/1")
    index_keys, default_index = _keys(
        settings.pii_index_keys, settings.secret_key, b"phone-index/1"
    )
    return Keyring(
        seal_keys=seal_keys,
        seal_key_id=settings.pii_key_id or default_seal,
        index_keys=index_keys,
        index_key_id=settings.pii_index_key_id or default_index,
    )


_installed: Keyring | None = None


def install(keyring: Keyring | None) -> Keyring | None:
    """Make ``keyring`` the process's keyring; returns the previous one (None: from settings)."""
    global _installed
    previous, _installed = _installed, keyring
    return previous


def keyring() -> Keyring:
    """The process's keyring: the installed one, else the environment's settings."""
    if _installed is None:
        from backend.core.config import get_settings

        install(keyring_for(get_settings()))
    assert _installed is not None
    return _installed


@contextmanager
def using(ring: Keyring) -> Iterator[Keyring]:
    """Run a block with another keyring installed (rotation, tests)."""
    previous = install(ring)
    try:
        yield ring
    finally:
        install(previous)


# --- the module's small API: what the rest of the code calls --------------------------------


def seal_phone(phone: str, *, context: str) -> str:
    """Seal a phone number for the column named ``context`` (``table.column``)."""
    return keyring().seal(phone, context=context)


def open_phone(sealed: str, *, context: str) -> str:
    """Open a sealed phone number of the column named ``context``."""
    return keyring().open(sealed, context=context)


def seal_bytes(data: bytes, *, context: str) -> bytes:
    """Seal UTF-8 text kept as bytes (a stored answer that may name a person)."""
    return keyring().seal(data.decode(), context=context).encode()


def open_bytes(data: bytes, *, context: str) -> bytes:
    """Open what ``seal_bytes`` sealed; bytes stored before sealing began pass unchanged."""
    if not data.startswith(f"{SEAL_VERSION}.".encode()):  # JSON never starts so
        return data
    return keyring().open(data.decode(), context=context).encode()


def phone_index(phone: str | None) -> str | None:
    """The blind index to store for a phone number (current index key)."""
    return None if phone is None else keyring().index(phone)


def phone_matches(column, phone: str):
    """A WHERE clause: ``column`` (a blind-index column) holds this phone's index."""
    found = keyring().indexes(phone)
    return column == found[0] if len(found) == 1 else column.in_(found)


def phones_matching(column, phones: Iterable[str]):
    """A WHERE clause: ``column`` holds the index of any of these phones."""
    ring = keyring()
    return column.in_([i for p in phones for i in ring.indexes(p)])

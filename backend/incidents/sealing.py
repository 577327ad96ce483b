"""Sealing identifying data at rest: AES-GCM with a key derived from settings, plus keyed refs.

A sealed value is ``v1.<base64url(nonce || ciphertext)>``; the incident id is bound as associated
data, so a sealed blob copied onto another incident does not open. ``ref`` is an HMAC of a user
id: it finds a protected reporter's own reports without storing who they are.

Seals made under an earlier key still open while that key is listed in
``TTQ_INCIDENT_SEAL_KEYS_OLD``; ``ttq keys rotate`` reseals them (and recomputes the refs) under
the current key. A seal no configured key opens is ``KeyUnavailable`` (503 ``key_unavailable``):
the deployment lost its key, which is neither the caller's fault nor an unknown bug.
"""

import base64
import hashlib
import hmac
import json
import os
import uuid
from functools import lru_cache
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from backend.core.config import Settings
from backend.core.pii import KeyUnavailable

VERSION = "v1"


def _derive(material: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"ttq-incidents", info=info).derive(
        material
    )


class Sealer:
    """Seal and open JSON values bound to one object id."""

    def __init__(self, key_material: str, old_materials: tuple[str, ...] = ()) -> None:
        raw = key_material.encode()
        self._aead = AESGCM(_derive(raw, b"seal/" + VERSION.encode()))
        self._ref_key = _derive(raw, b"ref/" + VERSION.encode())
        self._old = [
            AESGCM(_derive(m.encode(), b"seal/" + VERSION.encode())) for m in old_materials
        ]

    def seal(self, value: Any, *, bound_to: uuid.UUID) -> str:
        """Encrypt a JSON-able value."""
        nonce = os.urandom(12)
        plain = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
        blob = nonce + self._aead.encrypt(nonce, plain, bound_to.bytes)
        return f"{VERSION}.{base64.urlsafe_b64encode(blob).decode()}"

    def open(self, sealed: str | None, *, bound_to: uuid.UUID) -> Any:
        """Decrypt a sealed value; one no configured key opens raises KeyUnavailable."""
        if sealed is None:
            return None
        return self.open_current(sealed, bound_to=bound_to, old_keys=True)[0]

    def open_current(
        self, sealed: str, *, bound_to: uuid.UUID, old_keys: bool = False
    ) -> tuple[Any, bool]:
        """(value, whether the current key opened it); old keys are tried only if asked."""
        version, _, body = sealed.partition(".")
        if version != VERSION:
            raise KeyUnavailable(seal_version=version)
        try:
            blob = base64.urlsafe_b64decode(body.encode())
        except ValueError:
            raise KeyUnavailable() from None
        for n, aead in enumerate([self._aead, *(self._old if old_keys else [])]):
            try:
                return json.loads(aead.decrypt(blob[:12], blob[12:], bound_to.bytes)), n == 0
            except InvalidTag:
                continue
        raise KeyUnavailable()

    def ref(self, user_id: uuid.UUID) -> str:
        """A keyed, non-reversible handle of a user id."""
        return hmac.new(self._ref_key, user_id.bytes, hashlib.sha256).hexdigest()


@lru_cache(maxsize=8)
def _sealer(material: str, old: tuple[str, ...]) -> Sealer:
    return Sealer(material, old)


def sealer_for(settings: Settings) -> Sealer:
    """The sealer of a configuration (the dedicated key, else one derived from secret_key)."""
    return _sealer(
        settings.incident_seal_key or settings.secret_key, tuple(settings.incident_seal_keys_old)
    )

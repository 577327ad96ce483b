"""Sealing identifying data at rest: AES-GCM with a key derived from settings, plus keyed refs.

A sealed value is ``v1.<base64url(nonce || ciphertext)>``; the incident id is bound as associated
data, so a sealed blob copied onto another incident does not open. ``ref`` is an HMAC of a user
id: it finds a protected reporter's own reports without storing who they are.
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

VERSION = "v1"


def _derive(material: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"ttq-incidents", info=info).derive(
        material
    )


class Sealer:
    """Seal and open JSON values bound to one object id."""

    def __init__(self, key_material: str) -> None:
        raw = key_material.encode()
        self._aead = AESGCM(_derive(raw, b"seal/" + VERSION.encode()))
        self._ref_key = _derive(raw, b"ref/" + VERSION.encode())

    def seal(self, value: Any, *, bound_to: uuid.UUID) -> str:
        """Encrypt a JSON-able value."""
        nonce = os.urandom(12)
        plain = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
        blob = nonce + self._aead.encrypt(nonce, plain, bound_to.bytes)
        return f"{VERSION}.{base64.urlsafe_b64encode(blob).decode()}"

    def open(self, sealed: str | None, *, bound_to: uuid.UUID) -> Any:
        """Decrypt a sealed value; a tampered or foreign one raises ValueError."""
        if sealed is None:
            return None
        version, _, body = sealed.partition(".")
        if version != VERSION:
            raise ValueError(f"unknown seal version {version!r}")
        blob = base64.urlsafe_b64decode(body.encode())
        try:
            plain = self._aead.decrypt(blob[:12], blob[12:], bound_to.bytes)
        except InvalidTag:
            raise ValueError("seal does not open with this key") from None
        return json.loads(plain)

    def ref(self, user_id: uuid.UUID) -> str:
        """A keyed, non-reversible handle of a user id."""
        return hmac.new(self._ref_key, user_id.bytes, hashlib.sha256).hexdigest()


@lru_cache(maxsize=8)
def _sealer(material: str) -> Sealer:
    return Sealer(material)


def sealer_for(settings: Settings) -> Sealer:
    """The sealer of a configuration (the dedicated key, else one derived from secret_key)."""
    return _sealer(settings.incident_seal_key or settings.secret_key)

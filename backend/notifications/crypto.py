"""Encryption at rest for webhook signing secrets (they must be readable to sign with)."""

import base64
import hashlib
import secrets

from cryptography.fernet import Fernet, InvalidToken

from backend.core.config import Settings


def _fernet(settings: Settings) -> Fernet:
    if settings.notify_encryption_key:
        return Fernet(settings.notify_encryption_key.encode())
    # No dedicated key: derive one from the service secret, under its own label, so the
    # signing secrets are never stored in clear (secret_key is refused if weak in production).
    digest = hashlib.sha256(b"ttq-webhook-secrets:" + settings.secret_key.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def new_webhook_secret() -> str:
    """A fresh signing secret, shown to the admin once."""
    return "whsec_" + secrets.token_urlsafe(32)


def encrypt(settings: Settings, plaintext: str) -> str:
    """Encrypt a secret for storage."""
    return _fernet(settings).encrypt(plaintext.encode()).decode()


def decrypt(settings: Settings, ciphertext: str) -> str:
    """The stored secret in clear; a key change makes it unreadable (ValueError)."""
    try:
        return _fernet(settings).decrypt(ciphertext.encode()).decode()
    except InvalidToken:
        raise ValueError("cannot decrypt webhook secret: was the key changed?") from None

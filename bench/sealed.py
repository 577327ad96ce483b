"""Phone numbers as a bench's server stores them: sealed and blind-indexed with its keys.

The generators write rows with raw SQL (fast), past the model column that seals on the way in
(backend/models/sealed.py), so they seal here, with the keyring a server started with
``TTQ_SECRET_KEY=secret`` derives (backend/core/pii.py). They must use the very secret the
bench's server runs with: a seal made under another one answers 503 key_unavailable on the
first authenticated request (the policy's caller read opens the account's phone). TTQ_PII_*
settings in the environment are honoured like the server honours them (it inherits them).
"""

from functools import cache

from backend.core import pii
from backend.core.config import Settings
from backend.models import User

USER_PHONE = User.__table__.c.phone_sealed.type.context  # "user_account.phone"


@cache
def keyring(secret: str) -> pii.Keyring:
    """The keys of a server run with this TTQ_SECRET_KEY (and the environment's TTQ_PII_*)."""
    return pii.keyring_for(Settings(secret_key=secret))


def seal(secret: str, phone: str, *, context: str = USER_PHONE) -> tuple[str, str]:
    """(phone_sealed, phone_index) of a number, as that server stores it in ``context``."""
    ring = keyring(secret)
    return ring.seal(phone, context=context), ring.index(phone)


def index(secret: str, phone: str) -> str:
    """The blind index that server looks the number up by (``WHERE phone_index = …``)."""
    return keyring(secret).index(phone)


def open_sealed(secret: str, sealed: str, *, context: str = USER_PHONE) -> str:
    """The number inside a seal made with that server's keys."""
    return keyring(secret).open(sealed, context=context)

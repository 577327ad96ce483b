"""Request dependencies that turn a bearer token into a Subject, and gate routes by permission."""

from typing import Annotated

from fastapi import Depends

from backend.core.auth import TOKEN_URL, CurrentUser, current_user, oauth2_scheme
from backend.policy.caller import CurrentCaller
from backend.policy.scopes import authorize
from backend.policy.subject import Subject

__all__ = [
    "TOKEN_URL",
    "CurrentCaller",
    "CurrentSubject",
    "CurrentUser",
    "allowed",
    "current_user",
    "oauth2_scheme",
]


async def current_subject(caller: CurrentCaller) -> Subject:
    """The caller with their scope, as the policy layer needs it (read with the account, in one
    statement: see backend.policy.caller)."""
    return caller.subject


CurrentSubject = Annotated[Subject, Depends(current_subject)]


def allowed(action: str):
    """A dependency that answers 403 unless the caller's role may attempt ``action``."""

    async def _check(subject: CurrentSubject) -> Subject:
        authorize(subject, action)
        return subject

    return Depends(_check)

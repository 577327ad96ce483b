"""Request dependencies that turn a bearer token into a Subject, and gate routes by permission."""

from typing import Annotated

from fastapi import Depends, Request

from backend.core.auth import TOKEN_URL, CurrentUser, current_user, oauth2_scheme
from backend.core.db import SessionDep
from backend.policy.scopes import authorize
from backend.policy.subject import Subject, load_subject

__all__ = ["TOKEN_URL", "CurrentSubject", "CurrentUser", "allowed", "current_user", "oauth2_scheme"]


async def current_subject(request: Request, session: SessionDep, user: CurrentUser) -> Subject:
    """The caller with their scope, as the policy layer needs it (read with the user)."""
    caller = getattr(request.state, "caller", None)
    if caller is not None and caller.user is user:
        return caller.subject
    return await load_subject(session, user)


CurrentSubject = Annotated[Subject, Depends(current_subject)]


def allowed(action: str):
    """A dependency that answers 403 unless the caller's role may attempt ``action``."""

    async def _check(subject: CurrentSubject) -> Subject:
        authorize(subject, action)
        return subject

    return Depends(_check)

"""Request dependencies that turn a bearer token into a Subject, and gate routes by permission."""

import uuid
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer

from backend.core.db import SessionDep
from backend.core.errors import Unauthorized
from backend.core.security import decode_access_token
from backend.models import User
from backend.policy.scopes import authorize
from backend.policy.subject import Subject, load_caller, load_subject

TOKEN_URL = "/api/v1/auth/token"
oauth2_scheme = OAuth2PasswordBearer(tokenUrl=TOKEN_URL, auto_error=False)


async def current_user(
    request: Request,
    session: SessionDep,
    token: Annotated[str | None, Depends(oauth2_scheme)],
) -> User:
    """The signed-in, active user whose device (if any) has not been revoked."""
    if not token:
        raise Unauthorized()
    claims = decode_access_token(token, secret=request.app.state.settings.secret_key)
    if claims is None:
        raise Unauthorized()
    try:
        user_id = uuid.UUID(claims["sub"])
        device_id = uuid.UUID(claims["did"]) if claims.get("did") else None
    except (ValueError, TypeError):
        raise Unauthorized() from None
    caller = await load_caller(session, user_id, device_id)
    if caller is None or not caller.user.is_active or caller.device_revoked:
        raise Unauthorized()
    request.state.device_id = device_id
    request.state.caller = caller  # the scope came with the user: current_subject reuses it
    return caller.user


CurrentUser = Annotated[User, Depends(current_user)]


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

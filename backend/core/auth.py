"""Authentication: a bearer token to the signed-in user (who they are, not what they may see).

Kept in core so that core mechanisms (idempotency keys are per user) need not import the
policy layer; scope is decided in ``backend.policy`` from the user this returns.
"""

import uuid
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy import select

from backend.core.db import SessionDep
from backend.core.errors import Unauthorized
from backend.core.security import decode_access_token
from backend.models import Device, User

TOKEN_URL = "/api/v1/auth/token"
oauth2_scheme = OAuth2PasswordBearer(tokenUrl=TOKEN_URL, auto_error=False)


def token_identity(token: str | None, *, secret: str) -> tuple[uuid.UUID, uuid.UUID | None]:
    """The user and device ids a valid access token names (401 for any other token)."""
    claims = decode_access_token(token, secret=secret) if token else None
    if claims is None:
        raise Unauthorized()
    try:
        user_id = uuid.UUID(claims["sub"])
        device_id = uuid.UUID(claims["did"]) if claims.get("did") else None
    except (ValueError, TypeError):
        raise Unauthorized() from None
    return user_id, device_id


async def current_user(
    request: Request,
    session: SessionDep,
    token: Annotated[str | None, Depends(oauth2_scheme)],
) -> User:
    """The signed-in, active user whose device (if any) has not been revoked."""
    user_id, device_id = token_identity(token, secret=request.app.state.settings.secret_key)
    user = await session.get(User, user_id)
    if user is None or not user.is_active:
        raise Unauthorized()
    if device_id is not None:
        revoked = await session.scalar(select(Device.revoked_at).where(Device.id == device_id))
        if revoked is not None:
            raise Unauthorized()
    request.state.device_id = device_id
    return user


CurrentUser = Annotated[User, Depends(current_user)]

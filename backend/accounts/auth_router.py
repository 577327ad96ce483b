"""Sign-in routes: the OAuth2 password flow, the mobile login, refresh, logout and my devices."""

import uuid
from typing import Annotated

from fastapi import Depends, Request, Response, status
from fastapi.security import OAuth2PasswordRequestForm

from backend.accounts import auth_service
from backend.accounts.schemas import (
    DeviceRead,
    MobileLogin,
    RefreshRequest,
    TokenPair,
    UserRead,
)
from backend.core.db import SessionDep
from backend.core.pagination import Page, PageDep, page_of, stamp
from backend.core.routing import GuardedRouter
from backend.models import Device
from backend.policy.deps import CurrentCaller, CurrentUser

router = GuardedRouter(prefix="/api/v1", tags=["auth"])


def _client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.post("/auth/token", name="auth-token", response_model=TokenPair)
async def token(
    request: Request,
    session: SessionDep,
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
) -> TokenPair:
    """OAuth2 password flow (username = phone number), for standard tools and the web."""
    settings = request.app.state.settings
    user = await auth_service.authenticate(
        session,
        phone=form.username,
        password=form.password,
        client_ip=_client_ip(request),
        settings=settings,
    )
    device = await auth_service.bind_device(
        session,
        user=user,
        client_device_id=f"web-{uuid.uuid4().hex}",
        kind="web",
        model=(request.headers.get("user-agent") or "")[:128] or None,
    )
    pair, _ = await auth_service.issue_tokens(session, user=user, device=device, settings=settings)
    return pair


@router.post("/auth/mobile-login", name="auth-mobile-login", response_model=TokenPair)
async def mobile_login(request: Request, session: SessionDep, body: MobileLogin) -> TokenPair:
    """Sign in from the app (đăng nhập), registering the phone; refresh tokens are bound to it."""
    settings = request.app.state.settings
    user = await auth_service.authenticate(
        session,
        phone=body.phone,
        password=body.password,
        client_ip=_client_ip(request),
        settings=settings,
    )
    device = await auth_service.bind_device(
        session,
        user=user,
        client_device_id=body.device.device_id,
        model=body.device.model,
        app_version=body.device.app_version,
        push_token=body.device.push_token,
    )
    pair, _ = await auth_service.issue_tokens(session, user=user, device=device, settings=settings)
    return pair


@router.post("/auth/refresh", name="auth-refresh", response_model=TokenPair)
async def refresh(request: Request, session: SessionDep, body: RefreshRequest) -> TokenPair:
    """Trade a refresh token for a new pair (the old one stops working)."""
    return await auth_service.rotate_refresh(
        session,
        token=body.refresh_token,
        client_device_id=body.device_id,
        settings=request.app.state.settings,
    )


@router.post("/auth/logout", name="auth-logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    """Sign this device out."""
    await auth_service.logout(session, user=user, device_id=request.state.device_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/me", name="me-get", response_model=UserRead)
async def me(caller: CurrentCaller) -> UserRead:
    """Who I am, with my scope."""
    a = caller.account  # read with the scope, in the request's one authentication statement
    return UserRead(
        id=a.id,
        phone=a.phone,
        full_name=a.full_name,
        role=a.role,
        is_active=a.is_active,
        created_at=a.created_at,
        version=a.version,
        scope_unit_ids=caller.scope_unit_ids,
    )


def _device_read(device: Device, current: uuid.UUID | None) -> DeviceRead:
    return DeviceRead(
        id=device.id,
        device_id=device.client_device_id,
        kind=device.kind,
        model=device.model,
        app_version=device.app_version,
        created_at=device.created_at,
        last_seen_at=device.last_seen_at,
        revoked_at=device.revoked_at,
        current=device.id == current,
    )


@router.get("/me/devices", name="me-devices-list", response_model=Page[DeviceRead])
async def my_devices(
    request: Request, session: SessionDep, user: CurrentUser, page: PageDep
) -> Page[DeviceRead]:
    """The phones and browsers I signed in from, last seen first."""
    devices = await auth_service.list_devices(session, user=user)
    reads = [_device_read(d, request.state.device_id) for d in devices]
    return page_of(
        reads,
        cursor=page.cursor,
        limit=page.limit,
        key=lambda d: (-stamp(d.last_seen_at), str(d.id)),
    )


@router.delete(
    "/me/devices/{device_id}", name="me-devices-revoke", status_code=status.HTTP_204_NO_CONTENT
)
async def revoke_my_device(
    session: SessionDep, user: CurrentUser, device_id: uuid.UUID
) -> Response:
    """Sign one of my devices out (a lost phone, say)."""
    await auth_service.revoke_device(session, user=user, device_id=device_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)

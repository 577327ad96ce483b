"""User administration routes (system admins)."""

import uuid
from typing import Annotated

from fastapi import Depends, Query, Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.accounts import service
from backend.accounts.schemas import UserCreate, UserRead, UserUpdate
from backend.audit.service import record_personal_read
from backend.core.db import SessionDep
from backend.core.etag import IfMatch, check_if_match, set_etag
from backend.core.pagination import Page, PageDep, decode_keys, encode_cursor
from backend.core.routing import GuardedRouter
from backend.models import User
from backend.policy import Subject, get_visible, scoped
from backend.policy.deps import CurrentSubject, allowed

router = GuardedRouter(prefix="/api/v1/users", tags=["users"])
Manager = Annotated[Subject, allowed("user.manage")]


async def _read(session: AsyncSession, user: User) -> UserRead:
    ids = await service.load_scope_unit_ids(session, user_id=user.id)
    return UserRead.model_validate(user, from_attributes=True).model_copy(
        update={"scope_unit_ids": ids}
    )


async def valid_user_id(session: SessionDep, subject: CurrentSubject, user_id: uuid.UUID) -> User:
    """The user named in the path, if the caller may see them."""
    return await get_visible(session, subject, User, user_id)


VisibleUser = Annotated[User, Depends(valid_user_id)]


@router.get("", name="users-list", response_model=Page[UserRead])
async def list_users(
    session: SessionDep,
    subject: CurrentSubject,
    page: PageDep,
    role: Annotated[str | None, Query(max_length=32)] = None,
) -> Page[UserRead]:
    """Accounts the caller may see, by id."""
    stmt = scoped(select(User), subject, User).order_by(User.id).limit(page.limit + 1)
    if role:
        stmt = stmt.where(User.role == role)
    after = decode_keys(page.cursor, uuid.UUID)
    if after:
        stmt = stmt.where(User.id > after[0])
    rows = list((await session.scalars(stmt)).all())
    more = len(rows) > page.limit
    rows = rows[: page.limit]
    await record_personal_read(
        session,
        actor=subject,
        object_type="user",
        ids=[u.id for u in rows if u.id != subject.user_id],
        fields=["phone"],
    )
    return Page(
        items=[await _read(session, u) for u in rows],
        next_cursor=encode_cursor([str(rows[-1].id)]) if more else None,
    )


@router.post("", name="users-create", response_model=UserRead, status_code=201)
async def create_user(
    session: SessionDep, subject: Manager, body: UserCreate, response: Response
) -> UserRead:
    """Create an account."""
    user = await service.create_user(session, actor=subject, **body.model_dump())
    set_etag(response, user.version)
    return await _read(session, user)


@router.get("/{user_id}", name="users-get", response_model=UserRead)
async def get_user(
    session: SessionDep, subject: CurrentSubject, user: VisibleUser, response: Response
) -> UserRead:
    """One account."""
    if user.id != subject.user_id:
        await record_personal_read(
            session, actor=subject, object_type="user", ids=[user.id], fields=["phone"]
        )
    set_etag(response, user.version)
    return await _read(session, user)


@router.patch("/{user_id}", name="users-update", response_model=UserRead)
async def update_user(
    session: SessionDep,
    user: VisibleUser,  # before Manager: someone out of scope is a 404, not a 403
    subject: Manager,
    body: UserUpdate,
    response: Response,
    if_match: IfMatch = None,
) -> UserRead:
    """Change an account (If-Match required)."""
    check_if_match(if_match, user.version)
    user = await service.update_user(
        session, actor=subject, user=user, **body.model_dump(exclude_unset=True)
    )
    set_etag(response, user.version)
    return await _read(session, user)

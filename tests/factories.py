"""Plain factory functions: they add and flush, never commit (the test decides when)."""

import uuid
from itertools import count

from sqlalchemy.ext.asyncio import AsyncSession

from backend.core.security import create_access_token, hash_password
from backend.models import AdminUnit, UnionUnit, User, UserScope
from backend.orgs.service import create_unit

PASSWORD = "mat-khau-thu-nghiem"
_PASSWORD_HASH = hash_password(PASSWORD)  # argon2 is slow on purpose: hash once per run
_phones = count(1)


def next_phone() -> str:
    """A fresh valid Vietnamese mobile number (Viettel 09x range)."""
    return f"+8498{next(_phones):07d}"


async def make_user(
    session: AsyncSession,
    *,
    role: str = "system_admin",
    units: list[AdminUnit | UnionUnit] = (),
    phone: str | None = None,
    active: bool = True,
) -> User:
    user = User(
        phone=phone or next_phone(),
        full_name=f"Người dùng {role}",
        password_hash=_PASSWORD_HASH,
        role=role,
        is_active=active,
    )
    session.add(user)
    for unit in units:
        column = "union_unit_id" if isinstance(unit, UnionUnit) else "admin_unit_id"
        session.add(UserScope(user_id=user.id, **{column: unit.id}))
    await session.flush()
    return user


async def make_unit(
    session: AsyncSession, model, name: str, *, parent=None, level: str = "Cấp", code: str = ""
):
    return await create_unit(
        session,
        actor=None,
        model=model,
        code=code or f"{name}-{uuid.uuid4().hex[:6]}",
        name=name,
        level=level,
        parent_id=parent.id if parent else None,
    )


def auth(app, user: User) -> dict[str, str]:
    """Authorization header with an access token minted for the user."""
    s = app.state.settings
    token = create_access_token(
        secret=s.secret_key, user_id=user.id, role=user.role, minutes=s.access_token_minutes
    )
    return {"Authorization": f"Bearer {token}"}

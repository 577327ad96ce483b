"""Accounts: creating and changing users and their scope assignments."""

import uuid

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.accounts.passwords import check_password
from backend.audit.service import record, snapshot
from backend.core import pii
from backend.core.errors import Conflict, Invalid
from backend.core.security import hash_password_async, normalize_mobile
from backend.models import AdminUnit, UnionUnit, User, UserScope, utcnow
from backend.policy import Role, Subject
from backend.policy.roles import SCOPE_UNIT_KIND


def parse_phone(raw: str) -> str:
    """E.164 form of a Vietnamese mobile number, or a 422 naming the field."""
    phone = normalize_mobile(raw)
    if phone is None:
        raise Invalid(code="invalid_phone", errors=[{"field": "phone", "code": "invalid_phone"}])
    return phone


def parse_role(raw: str) -> Role:
    """A known role, or a 422 listing the known ones."""
    try:
        return Role(raw)
    except ValueError:
        raise Invalid(code="unknown_role", allowed=[r.value for r in Role]) from None


async def _check_scope_units(
    session: AsyncSession, *, role: Role, unit_ids: list[uuid.UUID]
) -> list[UserScope]:
    kind = SCOPE_UNIT_KIND[role]
    if not unit_ids:
        return []
    if kind is None:
        raise Invalid(code="invalid_scope", role=role.value)
    model = UnionUnit if kind == "union_unit" else AdminUnit
    found = set(
        (
            await session.scalars(
                select(model.id).where(model.id.in_(unit_ids), model.deleted_at.is_(None))
            )
        ).all()
    )
    missing = [str(u) for u in unit_ids if u not in found]
    if missing:
        raise Invalid(code="unknown_unit", unit_ids=missing, expected_kind=kind)
    column = "union_unit_id" if kind == "union_unit" else "admin_unit_id"
    return [UserScope(**{column: u}) for u in dict.fromkeys(unit_ids)]


async def load_scope_unit_ids(session: AsyncSession, *, user_id: uuid.UUID) -> list[uuid.UUID]:
    """The admin/union unit ids a user is scoped to (site jurisdictions are listed apart)."""
    rows = await session.execute(
        select(UserScope.admin_unit_id, UserScope.union_unit_id).where(
            UserScope.user_id == user_id, UserScope.site_id.is_(None)
        )
    )
    return [a or b for a, b in rows.all()]


async def create_user(
    session: AsyncSession,
    *,
    actor: Subject | None,
    phone: str,
    password: str,
    role: str,
    full_name: str,
    scope_unit_ids: list[uuid.UUID] | None = None,
) -> User:
    """Create an account; the phone is normalised and must be new."""
    e164 = parse_phone(phone)
    check_password(password, phone=e164, name=full_name)
    role_ = parse_role(role)
    if await session.scalar(select(User.id).where(pii.phone_matches(User.phone_index, e164))):
        raise Conflict(code="phone_taken", phone=e164)
    scopes = await _check_scope_units(session, role=role_, unit_ids=scope_unit_ids or [])
    user = User(
        phone=e164,
        full_name=full_name,
        password_hash=await hash_password_async(password),
        role=role_.value,
    )
    session.add(user)
    for scope in scopes:
        scope.user_id = user.id
        session.add(scope)
    await session.flush()
    await record(
        session,
        actor=actor,
        action="user.create",
        object_type="user",
        object_id=user.id,
        after=snapshot(user) | {"scope_unit_ids": [str(u) for u in scope_unit_ids or []]},
    )
    return user


async def update_user(
    session: AsyncSession,
    *,
    actor: Subject,
    user: User,
    full_name: str | None = None,
    role: str | None = None,
    is_active: bool | None = None,
    password: str | None = None,
    scope_unit_ids: list[uuid.UUID] | None = None,
) -> User:
    """Change an account; role and scopes are checked together."""
    if password is not None:
        check_password(password, phone=user.phone, name=full_name or user.full_name)
    before = snapshot(user) | {
        "scope_unit_ids": [str(u) for u in await load_scope_unit_ids(session, user_id=user.id)]
    }
    new_role = parse_role(role) if role is not None else Role(user.role)
    if scope_unit_ids is not None or role is not None:
        ids = (
            scope_unit_ids
            if scope_unit_ids is not None
            else await load_scope_unit_ids(session, user_id=user.id)
        )
        scopes = await _check_scope_units(session, role=new_role, unit_ids=ids)
        # Site jurisdictions are managed on their own routes; they go only with the role.
        stale = delete(UserScope).where(UserScope.user_id == user.id)
        if new_role == Role.police_liaison:
            stale = stale.where(UserScope.site_id.is_(None))
        await session.execute(stale)
        for scope in scopes:
            scope.user_id = user.id
            session.add(scope)
    user.role = new_role.value
    if full_name is not None:
        user.full_name = full_name
    if is_active is not None:
        user.is_active = is_active
    if password is not None:
        user.password_hash = await hash_password_async(password)
    user.version += 1
    user.updated_at = utcnow()
    session.add(user)
    await session.flush()
    after = snapshot(user) | {
        "scope_unit_ids": [str(u) for u in await load_scope_unit_ids(session, user_id=user.id)]
    }
    await record(
        session,
        actor=actor,
        action="user.update",
        object_type="user",
        object_id=user.id,
        before=before,
        after=after,
        detail={"password_changed": password is not None},
    )
    return user

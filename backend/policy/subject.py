"""Who is asking: the user with the scope they hold, loaded once per request."""

import uuid
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.models import AdminUnit, UnionUnit, User, UserScope
from backend.policy.roles import Role


@dataclass(frozen=True)
class Subject:
    """The caller as the policy layer sees them."""

    user_id: uuid.UUID
    role: Role
    union_paths: tuple[str, ...] = ()
    admin_paths: tuple[str, ...] = ()
    team_ids: frozenset[uuid.UUID] = field(default_factory=frozenset)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.system_admin

    @property
    def sees_everything(self) -> bool:
        """System admins and the city federation see the whole city."""
        return self.role in (Role.system_admin, Role.city_union_officer)


async def load_subject(session: AsyncSession, user: User) -> Subject:
    """Resolve a user's scope assignments into subtree paths."""
    union_paths = (
        await session.scalars(
            select(UnionUnit.path)
            .join(UserScope, UserScope.union_unit_id == UnionUnit.id)
            .where(UserScope.user_id == user.id, UnionUnit.deleted_at.is_(None))
        )
    ).all()
    admin_paths = (
        await session.scalars(
            select(AdminUnit.path)
            .join(UserScope, UserScope.admin_unit_id == AdminUnit.id)
            .where(UserScope.user_id == user.id, AdminUnit.deleted_at.is_(None))
        )
    ).all()
    return Subject(
        user_id=user.id,
        role=Role(user.role),
        union_paths=tuple(union_paths),
        admin_paths=tuple(admin_paths),
        team_ids=await _team_ids(session, user.id),
    )


async def _team_ids(session: AsyncSession, user_id: uuid.UUID) -> frozenset[uuid.UUID]:
    # Team membership arrives with the registry; until a team table exists there is none.
    from backend import models

    member = getattr(models, "TeamMember", None)
    if member is None:
        return frozenset()
    rows = await session.scalars(
        select(member.team_id).where(member.user_id == user_id, member.until.is_(None))
    )
    return frozenset(rows.all())

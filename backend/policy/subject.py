"""Who is asking: the user with the scope they hold, loaded once per request."""

import uuid
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.models import AdminUnit, Team, TeamMember, UnionUnit, User, UserScope
from backend.policy.roles import Role


@dataclass(frozen=True)
class Subject:
    """The caller as the policy layer sees them."""

    user_id: uuid.UUID
    role: Role
    union_paths: tuple[str, ...] = ()
    admin_paths: tuple[str, ...] = ()
    team_ids: frozenset[uuid.UUID] = field(default_factory=frozenset)
    site_ids: frozenset[uuid.UUID] = field(default_factory=frozenset)

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
    site_ids = (
        await session.scalars(
            select(UserScope.site_id).where(
                UserScope.user_id == user.id, UserScope.site_id.is_not(None)
            )
        )
    ).all()
    team_ids = (
        await session.scalars(
            select(TeamMember.team_id)
            .join(Team, Team.id == TeamMember.team_id)
            .where(
                TeamMember.user_id == user.id,
                TeamMember.deleted_at.is_(None),
                Team.deleted_at.is_(None),
                # `until` is the first day no longer in effect (as for coverage).
                or_(TeamMember.until.is_(None), TeamMember.until > date.today()),
            )
        )
    ).all()
    return Subject(
        user_id=user.id,
        role=Role(user.role),
        union_paths=tuple(union_paths),
        admin_paths=tuple(admin_paths),
        team_ids=frozenset(team_ids),
        site_ids=frozenset(site_ids),
    )

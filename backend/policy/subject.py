"""Who is asking: the user with the scope they hold, loaded once per request."""

import uuid
from dataclasses import dataclass, field

from sqlalchemy import String, Uuid, literal, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from backend.core import clock
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
    """Resolve a user's scope assignments into subtree paths (one round trip: every request
    pays for it)."""
    no_path, no_id = literal(None, String), literal(None, Uuid)
    found = await session.execute(
        union_all(
            select(literal("union"), UnionUnit.path, no_id)
            .join(UserScope, UserScope.union_unit_id == UnionUnit.id)
            .where(UserScope.user_id == user.id, UnionUnit.deleted_at.is_(None)),
            select(literal("admin"), AdminUnit.path, no_id)
            .join(UserScope, UserScope.admin_unit_id == AdminUnit.id)
            .where(UserScope.user_id == user.id, AdminUnit.deleted_at.is_(None)),
            select(literal("site"), no_path, UserScope.site_id).where(
                UserScope.user_id == user.id, UserScope.site_id.is_not(None)
            ),
            select(literal("team"), no_path, TeamMember.team_id)
            .join(Team, Team.id == TeamMember.team_id)
            .where(
                TeamMember.user_id == user.id,
                TeamMember.deleted_at.is_(None),
                Team.deleted_at.is_(None),
                # `until` is the first day no longer in effect (as for coverage).
                or_(TeamMember.until.is_(None), TeamMember.until > clock.today()),
            ),
        )
    )
    paths: dict[str, list[str]] = {"union": [], "admin": []}
    ids: dict[str, set[uuid.UUID]] = {"site": set(), "team": set()}
    for kind, path, ref in found:
        if path is not None:
            paths[kind].append(path)
        else:
            ids[kind].add(ref)
    return Subject(
        user_id=user.id,
        role=Role(user.role),
        union_paths=tuple(paths["union"]),
        admin_paths=tuple(paths["admin"]),
        team_ids=frozenset(ids["team"]),
        site_ids=frozenset(ids["site"]),
    )

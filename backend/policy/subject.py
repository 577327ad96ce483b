"""Who is asking: the user with the scope they hold, loaded once per request."""

import uuid
from dataclasses import dataclass, field

from sqlalchemy import (
    Date,
    String,
    Text,
    Uuid,
    bindparam,
    func,
    literal,
    or_,
    select,
    true,
    type_coerce,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from backend.core import clock
from backend.models import AdminUnit, Device, Team, TeamMember, UnionUnit, User, UserScope
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


def _scope_rows(user_id):
    """Every scope assignment of a user as (kind, path, id) rows: union and admin subtrees by
    path, sites and current teams by id, and ``unit`` rows (the admin/union unit ids the user is
    scoped to, deleted units included, for ``GET /me``)."""
    no_path, no_id = literal(None, String), literal(None, Uuid)
    return union_all(
        select(literal("union"), UnionUnit.path, no_id)
        .join(UserScope, UserScope.union_unit_id == UnionUnit.id)
        .where(UserScope.user_id == user_id, UnionUnit.deleted_at.is_(None)),
        select(literal("admin"), AdminUnit.path, no_id)
        .join(UserScope, UserScope.admin_unit_id == AdminUnit.id)
        .where(UserScope.user_id == user_id, AdminUnit.deleted_at.is_(None)),
        select(literal("site"), no_path, UserScope.site_id).where(
            UserScope.user_id == user_id, UserScope.site_id.is_not(None)
        ),
        select(literal("team"), no_path, TeamMember.team_id)
        .join(Team, Team.id == TeamMember.team_id)
        .where(
            TeamMember.user_id == user_id,
            TeamMember.deleted_at.is_(None),
            Team.deleted_at.is_(None),
            # `until` is the first day no longer in effect (as for coverage).
            or_(TeamMember.until.is_(None), TeamMember.until > bindparam("today", type_=Date)),
        ),
        select(
            literal("unit"),
            no_path,
            func.coalesce(UserScope.admin_unit_id, UserScope.union_unit_id, type_=Uuid),
        ).where(UserScope.user_id == user_id, UserScope.site_id.is_(None)),
    )


def _subject(user_id: uuid.UUID, role: str, rows) -> tuple[Subject, list[uuid.UUID]]:
    paths: dict[str, list[str]] = {"union": [], "admin": []}
    ids: dict[str, set[uuid.UUID]] = {"site": set(), "team": set()}
    units: list[uuid.UUID] = []
    for kind, path, ref in rows:
        if kind is None:
            continue
        if kind == "unit":
            units.append(ref)
        elif path is not None:
            paths[kind].append(path)
        else:
            ids[kind].add(ref)
    subject = Subject(
        user_id=user_id,
        role=Role(role),
        union_paths=tuple(paths["union"]),
        admin_paths=tuple(paths["admin"]),
        team_ids=frozenset(ids["team"]),
        site_ids=frozenset(ids["site"]),
    )
    return subject, units


# Built once: a statement object memoizes its cache key, so each request only binds values.
# The account's own columns, in backend.policy.caller.Account's order; the phone as stored (its
# seal), opened only where it is shown.
_ACCOUNT = (
    User.id,
    type_coerce(User.__table__.c.phone_sealed, Text).label("phone_sealed"),
    User.full_name,
    User.role,
    User.is_active,
    User.created_at,
    User.version,
)
_SCOPE_OF = _scope_rows(bindparam("user_id", type_=Uuid)).subquery("scope")
_CALLER = (
    select(*_ACCOUNT, Device.revoked_at, _SCOPE_OF.c[0], _SCOPE_OF.c[1], _SCOPE_OF.c[2])
    .select_from(User)
    .outerjoin(Device, Device.id == bindparam("device_id", type_=Uuid))
    .outerjoin(_SCOPE_OF, true())
    .where(User.id == bindparam("user_id", type_=Uuid))
)


@dataclass(frozen=True)
class LoadedCaller:
    """A signed-in request's user, device state and scope, read in one round trip."""

    account: tuple  # the columns of _ACCOUNT
    device_revoked: bool
    subject: Subject
    scope_unit_ids: list[uuid.UUID]


async def load_caller(
    session: AsyncSession, user_id: uuid.UUID, device_id: uuid.UUID | None
) -> LoadedCaller | None:
    """The account (None if unknown), whether the token's device was revoked, and their scope:
    one statement (the generic form of ``backend.policy.caller``'s, used on SQLite)."""
    rows = (
        await session.execute(
            _CALLER, {"user_id": user_id, "device_id": device_id, "today": clock.today()}
        )
    ).all()
    if not rows:
        return None
    width = len(_ACCOUNT)
    account = tuple(rows[0][:width])
    subject, units = _subject(account[0], account[3], (row[width + 1 :] for row in rows))
    return LoadedCaller(
        account=account,
        device_revoked=device_id is not None and rows[0][width] is not None,
        subject=subject,
        scope_unit_ids=units,
    )


async def load_subject(session: AsyncSession, user: User) -> Subject:
    """Resolve a user's scope assignments into subtree paths (one round trip)."""
    rows = await session.execute(_scope_rows(user.id), {"today": clock.today()})
    return _subject(user.id, user.role, rows)[0]

"""Police jurisdictions: the admin units and sites each police liaison answers for.

A jurisdiction is a ``UserScope`` row (admin unit or site) of a user with role police_liaison,
so the policy layer's scope for liaisons and escalation routing read the same data.
"""

import uuid
from functools import cache

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.audit.service import record, snapshot
from backend.core.errors import NotFound
from backend.models import AdminUnit, Site, SiteAdminUnit, User, UserScope
from backend.policy import Role, Subject, scoped
from backend.teams.validation import conflict, invalid, live_admin_unit

POLICE = Role.police_liaison.value


def _one_place(admin_unit_id: uuid.UUID | None, site_id: uuid.UUID | None) -> None:
    if (admin_unit_id is None) == (site_id is None):
        raise invalid("admin_unit_or_site", "admin_unit_id" if admin_unit_id is None else "site_id")


def _jurisdictions():
    return (
        select(UserScope, User)
        .join(User, User.id == UserScope.user_id)
        .where(
            User.role == POLICE,
            (UserScope.admin_unit_id.is_not(None)) | (UserScope.site_id.is_not(None)),
        )
    )


async def get_jurisdiction(
    session: AsyncSession, *, subject: Subject, jurisdiction_id: uuid.UUID
) -> tuple[UserScope, User]:
    """One jurisdiction the subject may see, or 404."""
    stmt = scoped(_jurisdictions(), subject, UserScope).where(UserScope.id == jurisdiction_id)
    row = (await session.execute(stmt)).first()
    if row is None:
        raise NotFound()
    return row[0], row[1]


async def list_jurisdictions(
    session: AsyncSession,
    *,
    subject: Subject,
    user_id: uuid.UUID | None = None,
    admin_unit_id: uuid.UUID | None = None,
    site_id: uuid.UUID | None = None,
    after: uuid.UUID | None = None,
    limit: int,
) -> list[tuple[UserScope, User]]:
    """Jurisdictions the subject may see, by id."""
    stmt = scoped(_jurisdictions(), subject, UserScope)
    if user_id is not None:
        stmt = stmt.where(UserScope.user_id == user_id)
    if admin_unit_id is not None:
        stmt = stmt.where(UserScope.admin_unit_id == admin_unit_id)
    if site_id is not None:
        stmt = stmt.where(UserScope.site_id == site_id)
    if after is not None:
        stmt = stmt.where(UserScope.id > after)
    rows = (await session.execute(stmt.order_by(UserScope.id).limit(limit))).all()
    return [(r[0], r[1]) for r in rows]


async def create_jurisdiction(
    session: AsyncSession,
    *,
    actor: Subject | None,
    user_id: uuid.UUID,
    admin_unit_id: uuid.UUID | None = None,
    site_id: uuid.UUID | None = None,
) -> UserScope:
    """Make a police liaison answer for an admin unit (and its subtree) or a site."""
    _one_place(admin_unit_id, site_id)
    user = await session.get(User, user_id)
    if user is None or user.role != POLICE:
        raise invalid("not_police_liaison", "user_id")
    if admin_unit_id is not None:
        await live_admin_unit(session, admin_unit_id, "admin_unit_id")
    else:
        site = await session.get(Site, site_id)
        if site is None or site.deleted_at is not None:
            raise invalid("unknown_site", "site_id")
    taken = await session.scalar(
        select(UserScope.id).where(
            UserScope.user_id == user_id,
            UserScope.admin_unit_id == admin_unit_id
            if admin_unit_id
            else UserScope.site_id == site_id,
        )
    )
    if taken:
        raise conflict("jurisdiction_exists", "user_id", jurisdiction_id=str(taken))
    scope = UserScope(user_id=user_id, admin_unit_id=admin_unit_id, site_id=site_id)
    session.add(scope)
    await session.flush()
    await record(
        session,
        actor=actor,
        action="police_jurisdiction.create",
        object_type="police_jurisdiction",
        object_id=scope.id,
        after=snapshot(scope),
    )
    return scope


async def delete_jurisdiction(
    session: AsyncSession, *, actor: Subject | None, scope: UserScope
) -> None:
    """Remove a jurisdiction (the audit trail keeps what it was)."""
    before = snapshot(scope)
    await session.delete(scope)
    await session.flush()
    await record(
        session,
        actor=actor,
        action="police_jurisdiction.delete",
        object_type="police_jurisdiction",
        object_id=before["id"] if before else None,
        before=before,
    )


def _liaisons(*where) -> select:
    return (
        select(User, UserScope.admin_unit_id)
        .join(UserScope, UserScope.user_id == User.id)
        .where(User.role == POLICE, User.is_active.is_(True), *where)
        .order_by(User.full_name, User.id)
    )


@cache
def _liaisons_at(column) -> select:
    # Built once per column (every police-routed incident runs it): building the statement and
    # its cache key again cost about 0.1 ms of CPU per run.
    return _liaisons(column == bindparam("place"))


def _distinct(users) -> list[User]:
    return list({u.id: u for u in users}.values())


async def liaisons_for(
    session: AsyncSession,
    *,
    admin_unit_id: uuid.UUID | None = None,
    site_id: uuid.UUID | None = None,
) -> list[User]:
    """Active liaisons assigned directly to this admin unit or this site."""
    _one_place(admin_unit_id, site_id)
    column = UserScope.admin_unit_id if admin_unit_id else UserScope.site_id
    rows = await session.execute(_liaisons_at(column), {"place": admin_unit_id or site_id})
    return _distinct(user for user, _ in rows.all())


def _steps_up(paths: list[str]) -> dict[uuid.UUID, int]:
    """Every unit on the paths to the roots, with how many steps up it is (the unit itself: 0)."""
    steps: dict[uuid.UUID, int] = {}
    for path in paths:
        chain = [uuid.UUID(segment) for segment in path.split("/") if segment]
        for distance, unit_id in enumerate(reversed(chain)):
            steps[unit_id] = min(distance, steps.get(unit_id, distance))
    return steps


async def liaisons_up_the_tree(
    session: AsyncSession,
    *,
    admin_unit_id: uuid.UUID | None = None,
    site_id: uuid.UUID | None = None,
) -> list[User]:
    """The nearest liaisons: the site's or unit's own, else those of the closest ancestor unit.

    For a site without its own liaison, its admin units are walked up together and the fewest
    steps up that reach anyone win (a ward's own police before a district's or the city's).
    """
    _one_place(admin_unit_id, site_id)
    if site_id is not None:
        direct = await liaisons_for(session, site_id=site_id)
        if direct:
            return direct
        unit_ids = select(SiteAdminUnit.admin_unit_id).where(SiteAdminUnit.site_id == site_id)
    else:
        unit_ids = select(AdminUnit.id).where(AdminUnit.id == admin_unit_id)
    paths = list(await session.scalars(select(AdminUnit.path).where(AdminUnit.id.in_(unit_ids))))
    steps = _steps_up(paths)
    if not steps:
        return []
    rows = (await session.execute(_liaisons(UserScope.admin_unit_id.in_(steps)))).all()
    if not rows:
        return []
    nearest = min(steps[unit_id] for _, unit_id in rows)
    return _distinct(user for user, unit_id in rows if steps[unit_id] == nearest)

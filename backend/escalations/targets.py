"""The escalation ladder: who is told first, and who next when nobody acknowledges in time.

Police ladder of an incident: the liaisons assigned to its site, then to its ward, then to each
admin unit above, nearest first. Within a unit the first liaison of the unit's list (by name)
is told first, then the unit's other liaisons. Union ladder: the officers of the starting
union unit, then of each union unit above. Both end with the city federation (city union
officers, and the root union units for webhooks). Units with nobody assigned are skipped:
that is the "fallback up the tree".
"""

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from functools import cache
from typing import NamedTuple

from sqlalchemy import bindparam, literal_column, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from backend.models import AdminUnit, Site, UnionUnit, User, UserScope
from backend.models.incident import Incident
from backend.policy.roles import Role
from backend.teams.jurisdictions import liaisons_for

POLICE, UNION, FEDERATION = "police", "union", "federation"


@dataclass(frozen=True)
class Rung:
    """One step of a ladder: whom to tell, and which unit that is on behalf of."""

    key: str
    target_kind: str
    label: str
    recipients: tuple[uuid.UUID, ...]
    admin_unit_id: uuid.UUID | None = None
    union_unit_id: uuid.UUID | None = None
    site_id: uuid.UUID | None = None
    unit_ids: tuple[uuid.UUID, ...] = field(default=())  # outbox units (webhook subscribers)


def path_ids(path: str) -> list[uuid.UUID]:
    """The ids along a materialized path, root first."""
    return [uuid.UUID(hex=part) for part in path.strip("/").split("/") if part]


# Deeper than any real tree (city, district, ward / federation, district union, grassroots):
# only there so that a corrupted parent link can never make the walk loop.
_MAX_LEVELS = 16


def _up_from(model):
    # A unit and the units above it by parent links, in one round trip (the materialized path
    # needs its own read first, then the units: two); each level is a primary-key lookup.
    base = (
        select(model.id, model.parent_id, literal_column("0").label("level"))
        .where(model.id == bindparam("unit_id"))
        .cte("up", recursive=True)
    )
    parent = aliased(model, name="parent")
    return base.union_all(
        select(parent.id, parent.parent_id, base.c.level + 1).where(
            parent.id == base.c.parent_id, base.c.level < _MAX_LEVELS
        )
    )


# The ladder's statement is built once per model and column, with bound parameters: every
# routed incident runs one, and building a statement and its cache key again cost about 0.1 ms
# of CPU (SQLAlchemy then finds the compiled SQL in its cache either way).
@cache
def _ancestors_with_people_statement(model, column):
    # The units above, each beside the active people of a role assigned to it (one row per
    # person, one row with none for a unit without anybody), nearest unit first: the ladder's
    # rungs and their people in one round trip instead of two or more.
    up = _up_from(model)
    people = (
        select(column.label("unit_id"), User.id.label("user_id"), User.full_name.label("name"))
        .join(UserScope, UserScope.user_id == User.id)
        .where(
            User.role == bindparam("role"),
            User.is_active.is_(True),
            column.in_(select(up.c.id)),
        )
        .subquery("people")
    )
    # Columns, not ORM rows: the ladder needs each unit's id and name only.
    return (
        select(model.id, model.name, people.c.user_id)
        .join(up, model.id == up.c.id)
        .outerjoin(people, people.c.unit_id == model.id)
        .where(model.deleted_at.is_(None))
        .order_by(model.depth.desc(), people.c.name, people.c.user_id)
    )


def _unit_rungs(kind: str, unit_id: uuid.UUID, label: str, people: list[uuid.UUID], **target):
    if not people:
        return []
    base = dict(target_kind=kind, label=label, unit_ids=(unit_id,), **target)
    rungs = [Rung(key=f"{kind}:{unit_id.hex}:primary", recipients=(people[0],), **base)]
    if len(people) > 1:
        rungs.append(Rung(key=f"{kind}:{unit_id.hex}:others", recipients=tuple(people[1:]), **base))
    return rungs


class _Unit(NamedTuple):
    id: uuid.UUID
    name: str


async def _units_with_people(session: AsyncSession, model, column, unit_id, role: Role):
    """A unit and the units above it, nearest first (deleted ones skipped), each with its
    active people of ``role`` by name: one statement for the whole ladder."""
    if unit_id is None:
        return []
    units: dict[uuid.UUID, tuple] = {}
    rows = await session.execute(
        _ancestors_with_people_statement(model, column), {"unit_id": unit_id, "role": role.value}
    )
    for found, name, user_id in rows.all():
        people = units.setdefault(found, (_Unit(found, name), []))[1]
        if user_id is not None and user_id not in people:  # two assignments, one person
            people.append(user_id)
    return list(units.values())


async def _police_walk(session: AsyncSession, incident: Incident) -> AsyncIterator[Rung]:
    """The police part of an incident's ladder: site, ward, then up the admin tree.

    The site's liaisons come from the teams domain's jurisdictions (``liaisons_for``); the
    ward's and those above from the same assignments (``UserScope.admin_unit_id``), read with
    the units in one statement, in ``liaisons_for``'s order (name, then id).
    """
    if incident.site_id:
        site = await session.get(Site, incident.site_id)
        people = [u.id for u in await liaisons_for(session, site_id=site.id)]
        for rung in _unit_rungs(POLICE, site.id, site.name, people, site_id=site.id):
            yield rung
    column = UserScope.admin_unit_id
    ladder = await _units_with_people(
        session, AdminUnit, column, incident.admin_unit_id, Role.police_liaison
    )
    for unit, people in ladder:
        for rung in _unit_rungs(POLICE, unit.id, unit.name, people, admin_unit_id=unit.id):
            yield rung


async def _union_walk(session: AsyncSession, union_unit_id: uuid.UUID | None):
    """The union part of a ladder: a union unit's officers, then up the union tree."""
    column = UserScope.union_unit_id
    ladder = await _units_with_people(session, UnionUnit, column, union_unit_id, Role.union_officer)
    for unit, people in ladder:
        for rung in _unit_rungs(UNION, unit.id, unit.name, people, union_unit_id=unit.id):
            yield rung


async def federation_rung(session: AsyncSession) -> Rung | None:
    """The top of every ladder: the city federation's officers and root union units."""
    officers = (
        await session.scalars(
            select(User.id)
            .where(User.role == Role.city_union_officer.value, User.is_active.is_(True))
            .order_by(User.created_at, User.id)
        )
    ).all()
    roots = (
        await session.scalars(
            select(UnionUnit.id).where(
                UnionUnit.parent_id.is_(None), UnionUnit.deleted_at.is_(None)
            )
        )
    ).all()
    if not officers and not roots:
        return None
    return Rung(
        key=f"{FEDERATION}:city",
        target_kind=FEDERATION,
        label="Liên đoàn Lao động thành phố",
        recipients=tuple(officers),
        union_unit_id=roots[0] if len(roots) == 1 else None,
        unit_ids=tuple(roots),
    )


async def walk(session: AsyncSession, incident: Incident, kind: str) -> AsyncIterator[Rung]:
    """The ladder of an incident handled by the police or a union, bottom up, computed lazily
    (routing on submit usually needs only the first rung: one or two queries)."""
    if kind == POLICE:
        rungs = _police_walk(session, incident)
    else:
        covering = incident.route == "union" and incident.covering_union_unit_id
        rungs = _union_walk(session, covering or incident.union_unit_id)
    async for rung in rungs:
        yield rung
    top = await federation_rung(session)
    if top is not None:
        yield top


def _tells_someone_new(rung: Rung, told_keys: set[str], told_users: set[uuid.UUID]) -> bool:
    if rung.key in told_keys:
        return False
    return bool(set(rung.recipients) - told_users) or (not rung.recipients and bool(rung.unit_ids))


async def next_rung(
    rungs: AsyncIterator[Rung],
    *,
    after_key: str | None,
    told_keys: set[str],
    told_users: set[uuid.UUID],
) -> Rung | None:
    """The first rung past ``after_key`` that tells somebody new (or reaches a new unit).

    When ``after_key`` is not on this ladder (the last step was a hand-over), the first rung
    that tells somebody new, from the bottom.
    """
    passed = after_key is None
    below: list[Rung] = []
    async for rung in rungs:
        if passed:
            if _tells_someone_new(rung, told_keys, told_users):
                return rung
            continue
        below.append(rung)
        passed = rung.key == after_key
    if passed:
        return None
    return next((r for r in below if _tells_someone_new(r, told_keys, told_users)), None)

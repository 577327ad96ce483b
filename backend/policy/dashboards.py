"""Visibility rules for dashboards, map layers and periodic reports.

A dashboard is asked for a scope: a union subtree, an admin subtree or a site. The scope node
must be visible to the caller (else 404), and every figure is then limited twice: to the
scope, and to what the caller may see anyway (the same rules as the raw records'), so a
scope can never widen what a role sees.

- union scope: union officers (their subtree) and the city federation / admins;
- admin scope: police liaisons (their jurisdiction) and the city federation / admins;
- site scope: whoever may see the site (registry rule), except team members.

Incident figures follow the incident rule (team's union or covering union / ward or site);
team figures the team rule; house figures the house rule. Periodic reports are read by their
unit's subtree officers and the city federation, written by the unit's own officers.
"""

import uuid
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, exists, false, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from backend.core.errors import NotFound
from backend.models import AdminUnit, BoardingHouse, Site, Team, TeamHouse, UnionUnit
from backend.models.rollup import PeriodicReport, RollupCell
from backend.policy.registry import current_period, house_rule, site_rule, team_rule
from backend.policy.roles import ADMIN, PERMISSIONS, UNION, Role
from backend.policy.scopes import register_rule, under, visible
from backend.policy.subject import Subject

POLICE = frozenset({Role.police_liaison})
PERMISSIONS.update(
    {
        "dashboard.read": ADMIN | UNION | POLICE,
        "map.read": ADMIN | UNION | POLICE,
        "report.read": ADMIN | UNION,
        "report.write": UNION,
    }
)
KINDS = ("union", "admin", "site")


@dataclass(frozen=True)
class Scope:
    """A resolved dashboard scope."""

    kind: str  # union | admin | site
    id: uuid.UUID
    name: str
    path: str | None  # materialized path (union, admin)
    is_root: bool = False


async def resolve_scope(
    session: AsyncSession, subject: Subject, kind: str, scope_id: uuid.UUID
) -> Scope:
    """The scope node if the subject may ask for it, else NotFound (never 403)."""
    if kind == "union" and (subject.sees_everything or subject.role == Role.union_officer):
        unit = await session.scalar(
            select(UnionUnit).where(
                UnionUnit.id == scope_id,
                UnionUnit.deleted_at.is_(None),
                visible(subject, UnionUnit),
            )
        )
        if unit is not None:
            return Scope("union", unit.id, unit.name, unit.path, unit.parent_id is None)
    if kind == "admin" and (subject.sees_everything or subject.role == Role.police_liaison):
        clause = true() if subject.sees_everything else under(AdminUnit.path, subject.admin_paths)
        unit = await session.scalar(
            select(AdminUnit).where(
                AdminUnit.id == scope_id, AdminUnit.deleted_at.is_(None), clause
            )
        )
        if unit is not None:
            return Scope("admin", unit.id, unit.name, unit.path, unit.parent_id is None)
    if kind == "site" and subject.role not in (Role.team_leader, Role.team_member):
        site = await session.scalar(
            select(Site).where(Site.id == scope_id, Site.deleted_at.is_(None), site_rule(subject))
        )
        if site is not None:
            return Scope("site", site.id, site.name, None)
    raise NotFound()


def _unions(path: str):
    return select(UnionUnit.id).where(under(UnionUnit.path, [path]))


def _admins(path: str):
    return select(AdminUnit.id).where(under(AdminUnit.path, [path]))


def cell_rule(subject: Subject) -> ColumnElement[bool]:
    """Rollup cells whose incidents the subject may count (mirrors the incident rule)."""
    c = RollupCell
    if subject.sees_everything:
        return true()
    if subject.role == Role.union_officer:
        units = select(UnionUnit.id).where(under(UnionUnit.path, subject.union_paths))
        return or_(c.union_unit_id.in_(units), c.covering_union_unit_id.in_(units))
    if subject.role == Role.police_liaison:
        wards = select(AdminUnit.id).where(under(AdminUnit.path, subject.admin_paths))
        area = c.admin_unit_id.in_(wards)
        return or_(area, c.site_id.in_(subject.site_ids)) if subject.site_ids else area
    return false()


def cells_in(subject: Subject, scope: Scope):
    """SELECT of the cell ids counted for this scope and subject."""
    c = RollupCell
    if scope.kind == "union":
        units = _unions(scope.path)
        where = or_(c.union_unit_id.in_(units), c.covering_union_unit_id.in_(units))
    elif scope.kind == "admin":
        where = c.admin_unit_id.in_(_admins(scope.path))
    else:
        where = c.site_id == scope.id
    return select(c.id).where(where, cell_rule(subject))


def team_scope(scope: Scope) -> ColumnElement[bool]:
    """Teams that belong to a scope: the union's or the ward's, or covering the site's houses."""
    if scope.kind == "union":
        return Team.union_unit_id.in_(_unions(scope.path))
    if scope.kind == "admin":
        return Team.admin_unit_id.in_(_admins(scope.path))
    return exists().where(
        TeamHouse.team_id == Team.id,
        current_period(TeamHouse),
        TeamHouse.house_id == BoardingHouse.id,
        BoardingHouse.site_id == scope.id,
    )


def teams_in(subject: Subject, scope: Scope):
    """SELECT of the team ids counted for this scope and subject."""
    return select(Team.id).where(Team.deleted_at.is_(None), team_scope(scope), team_rule(subject))


def house_scope(scope: Scope) -> ColumnElement[bool]:
    """Houses that belong to a scope (as the registry's house rule reads a union subtree)."""
    h = BoardingHouse
    if scope.kind == "union":
        if scope.is_root:
            return true()  # the city federation's whole city
        units = _unions(scope.path)
        # IN, not EXISTS: OR'ed below, a correlated EXISTS runs once per house of the city
        covered = h.id.in_(
            select(TeamHouse.house_id).where(
                current_period(TeamHouse),
                TeamHouse.team_id.in_(select(Team.id).where(Team.union_unit_id.in_(units))),
            )
        )
        return or_(covered, h.site_id.in_(select(Site.id).where(Site.union_unit_id.in_(units))))
    if scope.kind == "admin":
        return h.admin_unit_id.in_(_admins(scope.path))
    return h.site_id == scope.id


def houses_where(subject: Subject, scope: Scope) -> ColumnElement[bool]:
    """WHERE clause on BoardingHouse: active houses of the scope the subject may see."""
    h = BoardingHouse
    return and_(
        h.deleted_at.is_(None), h.status == "active", house_scope(scope), house_rule(subject)
    )


def report_rule(subject: Subject) -> ColumnElement[bool]:
    """Periodic reports: the unit's subtree officers and the city federation read them."""
    if subject.sees_everything:
        return true()
    if subject.role == Role.union_officer:
        units = select(UnionUnit.id).where(under(UnionUnit.path, subject.union_paths))
        return PeriodicReport.union_unit_id.in_(units)
    return false()


register_rule(RollupCell, cell_rule)
register_rule(PeriodicReport, report_rule)


def incident_scope(scope: Scope, model) -> ColumnElement[bool]:
    """Raw incidents (or anything with the same columns) that belong to a scope."""
    if scope.kind == "union":
        units = _unions(scope.path)
        return or_(model.union_unit_id.in_(units), model.covering_union_unit_id.in_(units))
    if scope.kind == "admin":
        return model.admin_unit_id.in_(_admins(scope.path))
    return model.site_id == scope.id

"""Who sees which sites, enterprises, houses, teams and members.

- system admin, city federation: everything;
- union officer: what their union subtree covers (sites it covers, teams of its grassroots
  unions, the houses those teams cover or that lie in its sites);
- police liaison: their jurisdiction (admin subtrees and assigned sites);
- team leader / member: their own team, its members, the houses it covers now, and the sites
  and enterprises of those houses.
"""

import uuid

from sqlalchemy import ColumnElement, and_, exists, false, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from backend.core import clock
from backend.core.errors import Forbidden
from backend.models import (
    AdminUnit,
    BoardingHouse,
    Enterprise,
    RegistryChange,
    Site,
    SiteAdminUnit,
    Team,
    TeamHouse,
    TeamMember,
    UnionUnit,
    UserScope,
)
from backend.policy.roles import ADMIN, PERMISSIONS, UNION, Role
from backend.policy.scopes import register_rule, under
from backend.policy.subject import Subject


def current_period(model) -> ColumnElement[bool]:
    """A TeamHouse or TeamMember row in effect today: ``until`` is the first day it no longer is."""
    return or_(model.until.is_(None), model.until > clock.today())


def _current_cover():
    return current_period(TeamHouse)


def _union_ids_under(subject: Subject):
    return select(UnionUnit.id).where(under(UnionUnit.path, subject.union_paths))


def _admin_ids_under(subject: Subject):
    return select(AdminUnit.id).where(under(AdminUnit.path, subject.admin_paths))


def team_rule(subject: Subject) -> ColumnElement[bool]:
    """Teams a subject may see."""
    if subject.sees_everything:
        return true()
    if subject.role == Role.union_officer:
        return Team.union_unit_id.in_(_union_ids_under(subject))
    if subject.role == Role.police_liaison:
        return Team.admin_unit_id.in_(_admin_ids_under(subject))
    if subject.team_ids:
        return Team.id.in_(subject.team_ids)
    return false()


def site_rule(subject: Subject) -> ColumnElement[bool]:
    """Sites a subject may see."""
    if subject.sees_everything:
        return true()
    if subject.role == Role.union_officer:
        return Site.union_unit_id.in_(_union_ids_under(subject))
    if subject.role == Role.police_liaison:
        in_units = exists().where(
            SiteAdminUnit.site_id == Site.id,
            SiteAdminUnit.admin_unit_id.in_(_admin_ids_under(subject)),
        )
        return or_(Site.id.in_(subject.site_ids), in_units) if subject.site_ids else in_units
    if subject.team_ids:
        return exists().where(
            BoardingHouse.site_id == Site.id,
            BoardingHouse.deleted_at.is_(None),
            TeamHouse.house_id == BoardingHouse.id,
            TeamHouse.team_id.in_(subject.team_ids),
            _current_cover(),
        )
    return false()


def house_rule(subject: Subject) -> ColumnElement[bool]:
    """Boarding houses a subject may see."""
    if subject.sees_everything:
        return true()
    if subject.role == Role.union_officer:
        # IN, not a correlated EXISTS: OR'ed with another test, EXISTS is run once per house
        # (0.6 s for a district of a 40,000-house city); IN is one hashed set (25 ms).
        covered_by_subtree = BoardingHouse.id.in_(
            select(TeamHouse.house_id).where(
                _current_cover(),
                TeamHouse.team_id.in_(
                    select(Team.id).where(Team.union_unit_id.in_(_union_ids_under(subject)))
                ),
            )
        )
        in_subtree_site = BoardingHouse.site_id.in_(
            select(Site.id).where(Site.union_unit_id.in_(_union_ids_under(subject)))
        )
        return or_(covered_by_subtree, in_subtree_site)
    if subject.role == Role.police_liaison:
        in_units = BoardingHouse.admin_unit_id.in_(_admin_ids_under(subject))
        if subject.site_ids:
            return or_(in_units, BoardingHouse.site_id.in_(subject.site_ids))
        return in_units
    if subject.team_ids:
        return exists().where(
            TeamHouse.house_id == BoardingHouse.id,
            TeamHouse.team_id.in_(subject.team_ids),
            _current_cover(),
        )
    return false()


def enterprise_rule(subject: Subject) -> ColumnElement[bool]:
    """Enterprises: visible with the site they are in."""
    if subject.sees_everything:
        return true()
    return and_(
        Enterprise.site_id.is_not(None),
        exists().where(Site.id == Enterprise.site_id, site_rule(subject)),
    )


def member_rule(subject: Subject) -> ColumnElement[bool]:
    """Team members: visible with their (live) team."""
    live_team = exists().where(Team.id == TeamMember.team_id, Team.deleted_at.is_(None))
    if subject.sees_everything:
        return live_team
    return exists().where(
        Team.id == TeamMember.team_id, Team.deleted_at.is_(None), team_rule(subject)
    )


# Team roles whose holders (with the team_leader account role) keep their team's lists.
MANAGING_TEAM_ROLES = ("leader", "deputy")


def sees_landlord_contact_in_bulk(subject: Subject) -> bool:
    """Whether landlords' names and phone numbers come with the map's bulk feed of houses.

    Data minimisation (Law 91/2025/QH15): the unions' purpose there is coverage and statistics,
    which needs where houses are, not whom to call; they read a landlord's contact on the one
    house page they manage, and that read is logged. Police, teams and admins work with the
    landlords directly.
    """
    return subject.role not in (Role.union_officer, Role.city_union_officer)


def may_give_team_role(subject: Subject | None, *roles: str) -> bool:
    """Whether the subject may give or take these team roles: the leader's place is the
    union's (and admins') to fill, never another team leader's."""
    return not (subject is not None and subject.role == Role.team_leader and "leader" in roles)


def team_manage_rule(subject: Subject) -> ColumnElement[bool]:
    """Teams whose members and houses list the subject may change (on top of the role check).

    A union officer manages the teams of their subtree; a team leader only a team they lead
    (or deputise) today, whatever other teams they merely belong to.
    """
    if subject.sees_everything:
        return true()
    if subject.role == Role.union_officer:
        return Team.union_unit_id.in_(_union_ids_under(subject))
    if subject.role == Role.team_leader and subject.team_ids:
        return exists().where(
            TeamMember.team_id == Team.id,
            TeamMember.user_id == subject.user_id,
            TeamMember.role.in_(MANAGING_TEAM_ROLES),
            TeamMember.deleted_at.is_(None),
            current_period(TeamMember),
        )
    return false()


async def require_team_manager(session: AsyncSession, subject: Subject, team: Team) -> None:
    """Raise Forbidden unless the subject manages this (already visible) team."""
    stmt = select(Team.id).where(Team.id == team.id, team_manage_rule(subject))
    if await session.scalar(stmt) is None:
        raise Forbidden(code="not_team_manager")


def attachable_house_rule(subject: Subject, team_area_path: str) -> ColumnElement[bool]:
    """Houses a team's manager may add to its list: visible ones, or any in the team's area.

    ``team_area_path`` is the materialized path of the team's admin unit.
    """
    if subject.sees_everything:
        return true()
    in_area = BoardingHouse.admin_unit_id.in_(
        select(AdminUnit.id).where(under(AdminUnit.path, [team_area_path]))
    )
    return or_(house_rule(subject), in_area)


def jurisdiction_rule(subject: Subject) -> ColumnElement[bool]:
    """Police jurisdictions (UserScope rows): visible like the place they name.

    A union officer may see whom to call for any ward (admin units are reference data) and for
    the sites of their subtree, never for a site they cannot see; a liaison sees their own.
    """
    if subject.sees_everything:
        return true()
    if subject.role == Role.union_officer:
        return or_(
            UserScope.site_id.is_(None),
            exists().where(Site.id == UserScope.site_id, site_rule(subject)),
        )
    if subject.role == Role.police_liaison:
        return UserScope.user_id == subject.user_id
    return false()


def change_stamp_rule(subject: Subject) -> ColumnElement[bool]:
    """Change-log rows whose scope stamp the subject's scope covers (mirrors the rules above).

    The offline sync sends a tombstone only for these: an object the caller could have had.
    """
    if subject.sees_everything:
        return true()
    if subject.role == Role.union_officer:
        return under(RegistryChange.union_path, subject.union_paths)
    if subject.role == Role.police_liaison:
        in_units = under(RegistryChange.admin_path, subject.admin_paths)
        if subject.site_ids:
            return or_(in_units, RegistryChange.site_id.in_(subject.site_ids))
        return in_units
    if subject.team_ids:
        return RegistryChange.team_id.in_(subject.team_ids)
    return false()


PERMISSIONS.update({"jurisdiction.read": ADMIN | UNION | {Role.police_liaison}})


register_rule(Team, team_rule)
register_rule(Site, site_rule)
register_rule(BoardingHouse, house_rule)
register_rule(Enterprise, enterprise_rule)
register_rule(TeamMember, member_rule)
register_rule(UserScope, jurisdiction_rule)
register_rule(RegistryChange, change_stamp_rule)


# The checkpoint token is a secret: whoever holds it can fake a patrol scan. Only those who may
# write the house, or the leader of a team covering it now, may fetch it (QR, printout) or
# rotate it.
PERMISSIONS.update({"house.checkpoint.read": PERMISSIONS["house.rotate_checkpoint"]})


def leads_covering_team(subject: Subject) -> ColumnElement[bool]:
    """Houses covered now by a team the subject leads or deputises (a clause on BoardingHouse)."""
    led = select(TeamMember.team_id).where(
        TeamMember.user_id == subject.user_id,
        TeamMember.role.in_(MANAGING_TEAM_ROLES),
        TeamMember.deleted_at.is_(None),
        current_period(TeamMember),
    )
    return exists().where(
        TeamHouse.house_id == BoardingHouse.id, TeamHouse.team_id.in_(led), _current_cover()
    )


def checkpoint_rule(subject: Subject) -> ColumnElement[bool]:
    """Houses whose checkpoint token the subject may handle (a clause on BoardingHouse)."""
    if subject.role in PERMISSIONS["house.write"]:
        return house_rule(subject)
    if subject.role == Role.team_leader:
        return and_(house_rule(subject), leads_covering_team(subject))
    return false()


async def may_handle_checkpoint(
    session: AsyncSession, subject: Subject, house_id: uuid.UUID
) -> bool:
    """Whether the subject may fetch or rotate this house's checkpoint token."""
    found = await session.scalar(
        select(BoardingHouse.id).where(BoardingHouse.id == house_id, checkpoint_rule(subject))
    )
    return found is not None


_NOBODY = uuid.UUID(int=0)


def union_subtree(model: type, path: str) -> ColumnElement[bool]:
    """Rows under a union subtree: what an officer of that union unit would see."""
    officer = Subject(user_id=_NOBODY, role=Role.union_officer, union_paths=(path,))
    return RULES_BY_MODEL[model](officer)


def admin_subtree(model: type, path: str) -> ColumnElement[bool]:
    """Rows in an admin subtree: what a police liaison of that area would see (sites are in it
    through their admin units, houses through their ward, enterprises through their site)."""
    liaison = Subject(user_id=_NOBODY, role=Role.police_liaison, admin_paths=(path,))
    return RULES_BY_MODEL[model](liaison)


RULES_BY_MODEL = {Site: site_rule, BoardingHouse: house_rule, Enterprise: enterprise_rule}

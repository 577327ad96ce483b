"""Who sees which sites, enterprises, houses, teams and members.

- system admin, city federation: everything;
- union officer: what their union subtree covers (sites it covers, teams of its grassroots
  unions, the houses those teams cover or that lie in its sites);
- police liaison: their jurisdiction (admin subtrees and assigned sites);
- team leader / member: their own team, its members, the houses it covers now, and the sites
  and enterprises of those houses.
"""

from datetime import date

from sqlalchemy import ColumnElement, and_, exists, false, or_, select, true

from backend.models import (
    AdminUnit,
    BoardingHouse,
    Enterprise,
    Site,
    SiteAdminUnit,
    Team,
    TeamHouse,
    TeamMember,
    UnionUnit,
)
from backend.policy.roles import Role
from backend.policy.scopes import register_rule, under
from backend.policy.subject import Subject


def _current_cover():
    today = date.today()
    return or_(TeamHouse.until.is_(None), TeamHouse.until >= today)


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
        covered_by_subtree = exists().where(
            TeamHouse.house_id == BoardingHouse.id,
            _current_cover(),
            TeamHouse.team_id.in_(
                select(Team.id).where(Team.union_unit_id.in_(_union_ids_under(subject)))
            ),
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
    """Team members: visible with their team."""
    if subject.sees_everything:
        return true()
    return exists().where(Team.id == TeamMember.team_id, team_rule(subject))


register_rule(Team, team_rule)
register_rule(Site, site_rule)
register_rule(BoardingHouse, house_rule)
register_rule(Enterprise, enterprise_rule)
register_rule(TeamMember, member_rule)

"""Visibility rules and permissions for monitoring: awareness sessions, commendations, reports.

A session or commendation is held by a team or by a union unit, so it is visible with its
holder (the registry's team rule, the union-unit rule): union officers see their subtree, team
members their own team, the city all. Police liaisons see what lies in their jurisdiction: teams
there, and sessions held in their admin units or assigned sites.
"""

from sqlalchemy import ColumnElement, or_, select, true

from backend.models import AdminUnit, Team, UnionUnit
from backend.models.monitoring import AwarenessSession, AwarenessTopic, Commendation
from backend.policy.roles import ALL, PERMISSIONS, UNION, Role
from backend.policy.scopes import register_rule, under, visible
from backend.policy.subject import Subject


def _held_by_visible(subject: Subject, model) -> ColumnElement[bool]:
    return or_(
        model.team_id.in_(select(Team.id).where(visible(subject, Team))),
        model.union_unit_id.in_(select(UnionUnit.id).where(visible(subject, UnionUnit))),
    )


def awareness_rule(subject: Subject) -> ColumnElement[bool]:
    """Awareness sessions a subject may see."""
    if subject.sees_everything:
        return true()
    clause = _held_by_visible(subject, AwarenessSession)
    if subject.role == Role.police_liaison:
        where_held = AwarenessSession.admin_unit_id.in_(
            select(AdminUnit.id).where(under(AdminUnit.path, subject.admin_paths))
        )
        clause = or_(clause, where_held)
        if subject.site_ids:
            clause = or_(clause, AwarenessSession.site_id.in_(subject.site_ids))
    return clause


def commendation_rule(subject: Subject) -> ColumnElement[bool]:
    """Commendations a subject may see (with the team or union unit they were recorded under)."""
    if subject.sees_everything:
        return true()
    return _held_by_visible(subject, Commendation)


register_rule(AwarenessSession, awareness_rule)
register_rule(Commendation, commendation_rule)
register_rule(AwarenessTopic, lambda subject: true())  # reference data for pickers

TEAM = frozenset({Role.team_leader, Role.team_member})
DESK = frozenset({Role.system_admin}) | UNION

PERMISSIONS.update(
    {
        # Teams record their own sessions from the phone; unions record theirs and their teams'.
        "awareness.write": DESK | TEAM,
        "awareness.delete": DESK | {Role.team_leader},
        "commendation.write": DESK,
        # Suggestions feed the union's and the police's emulation proposals.
        "commendation.candidates": DESK | {Role.police_liaison},
        "monitoring.export": ALL,
    }
)

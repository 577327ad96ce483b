"""Visibility rules and permissions for patrols, scans, tracks and plans.

- team leader / member: everything of their own team, GPS tracks included;
- union officer: patrols, scans (with their flags) and plans of the teams in their union
  subtree, never the raw GPS tracks;
- police liaison: patrol summaries (and plan results) of teams in their jurisdiction, not the
  individual scans or tracks;
- system admin, city federation: summaries and scans city-wide, not tracks.

GPS tracks are personal location data: only the team reads them. Police access for an
escalated incident is added by registering a track access rule (``register_track_access``)
from the incidents domain (and adding the role to the ``track.read`` permission); the rule gets
the subject and returns an extra WHERE clause on ``TrackSegment`` (e.g. "the patrol is linked
to an incident escalated to this liaison").
"""

from collections.abc import Callable

from sqlalchemy import ColumnElement, false, or_, select, true

from backend.models import Team
from backend.models.patrol import (
    CheckpointScan,
    HeldUploadItem,
    Patrol,
    PatrolPlan,
    PlanWindowResult,
    TrackSegment,
)
from backend.policy.registry import team_rule
from backend.policy.roles import ADMIN, ALL, PERMISSIONS, UNION, Role
from backend.policy.scopes import register_rule
from backend.policy.subject import Subject

FIELD = frozenset({Role.team_leader, Role.team_member})
TrackRule = Callable[[Subject], ColumnElement[bool]]
_TRACK_ACCESS: list[TrackRule] = []


def _teams_visible(subject: Subject, team_column) -> ColumnElement[bool]:
    """Rows of teams the subject may see (their own, their subtree's, their jurisdiction's)."""
    if subject.sees_everything:
        return true()
    if subject.role in (Role.team_leader, Role.team_member):
        return team_column.in_(subject.team_ids) if subject.team_ids else false()
    return team_column.in_(select(Team.id).where(team_rule(subject)))


def patrol_rule(subject: Subject) -> ColumnElement[bool]:
    """Patrol summaries."""
    return _teams_visible(subject, Patrol.team_id)


def scan_rule(subject: Subject) -> ColumnElement[bool]:
    """Individual scans: the team and the unions above it, not the police."""
    if subject.role == Role.police_liaison:
        return false()
    return _teams_visible(subject, CheckpointScan.team_id)


def register_track_access(rule: TrackRule) -> None:
    """Let another domain grant track access (e.g. police, for an escalated incident)."""
    _TRACK_ACCESS.append(rule)


def track_rule(subject: Subject) -> ColumnElement[bool]:
    """GPS tracks: the team only, plus whatever a registered access rule grants."""
    own = (
        TrackSegment.team_id.in_(subject.team_ids)
        if subject.team_ids and subject.role in FIELD
        else false()
    )
    extra = [rule(subject) for rule in _TRACK_ACCESS]
    return or_(own, *extra) if extra else own


def held_rule(subject: Subject) -> ColumnElement[bool]:
    """Items held for a missing parent: the phone user who uploaded them (and admins)."""
    if subject.is_admin:
        return true()
    return HeldUploadItem.uploaded_by == subject.user_id


def plan_rule(subject: Subject) -> ColumnElement[bool]:
    return _teams_visible(subject, PatrolPlan.team_id)


def plan_result_rule(subject: Subject) -> ColumnElement[bool]:
    return _teams_visible(subject, PlanWindowResult.team_id)


def uploader_may_file(uploader_team_ids: frozenset, team_id) -> bool:
    """Whether a phone upload (made by a member of ``uploader_team_ids``) may file or answer
    for a record of ``team_id``: only the team's own phones write its field records."""
    return team_id is not None and team_id in uploader_team_ids


register_rule(Patrol, patrol_rule)
register_rule(CheckpointScan, scan_rule)
register_rule(TrackSegment, track_rule)
register_rule(PatrolPlan, plan_rule)
register_rule(PlanWindowResult, plan_result_rule)
register_rule(HeldUploadItem, held_rule)

PERMISSIONS.update(
    {
        # Phones of the team create patrols and upload field records.
        "patrol.write": FIELD,
        "sync.upload": FIELD,
        "patrol.read": ALL,
        "scan.read": ALL - {Role.police_liaison},
        "track.read": FIELD,
        # A person decides on flagged evidence: the union above, or the team's leader.
        "scan.review": UNION | {Role.team_leader},
        "patrol_plan.write": ADMIN | UNION | {Role.team_leader},
    }
)

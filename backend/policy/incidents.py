"""Who sees which incidents, in which view, and in which capacity they may act on one.

- system admin, city federation: every submitted incident (and drafts of nobody's team);
- union officer: incidents of the teams of their union subtree, or covered by a union of it
  (labour incidents go to the union covering the enterprise's site);
- police liaison: incidents in their jurisdiction (the ward's admin subtree, or assigned sites);
- team leader / member: their own team's incidents, drafts included.

Drafts are the team's business until submitted: nobody outside the team sees them.
"""

import uuid

from sqlalchemy import ColumnElement, and_, false, or_, select

from backend.models import AdminUnit, UnionUnit
from backend.models.incident import Incident
from backend.policy.roles import ADMIN, ALL, PERMISSIONS, UNION, Role
from backend.policy.scopes import register_rule, under
from backend.policy.subject import Subject

POLICE = frozenset({Role.police_liaison})
TEAM = frozenset({Role.team_leader, Role.team_member})

PERMISSIONS.update(
    {
        "incident.create": TEAM | UNION,
        "incident.transition": ALL,
        "incident.comment": ALL,
        "incident.ask_reporter": POLICE | UNION,
        "incident.break_glass": POLICE | ADMIN,
        "incident.attach": ALL,
        "incident.queue": POLICE | UNION | ADMIN,
    }
)


def incident_rule(subject: Subject) -> ColumnElement[bool]:
    """Incidents a subject may see."""
    submitted = Incident.status != "draft"
    if subject.sees_everything:
        return submitted
    if subject.role == Role.union_officer:
        units = select(UnionUnit.id).where(under(UnionUnit.path, subject.union_paths))
        return and_(
            submitted,
            or_(Incident.union_unit_id.in_(units), Incident.covering_union_unit_id.in_(units)),
        )
    if subject.role == Role.police_liaison:
        wards = select(AdminUnit.id).where(under(AdminUnit.path, subject.admin_paths))
        area = Incident.admin_unit_id.in_(wards)
        if subject.site_ids:
            area = or_(area, Incident.site_id.in_(subject.site_ids))
        return and_(submitted, area)
    if subject.team_ids:
        return Incident.team_id.in_(subject.team_ids)
    return false()


register_rule(Incident, incident_rule)


# The statuses in which an incident waits for its handler's side.
POLICE_QUEUE = ("escalated", "acknowledged", "in_progress")
UNION_QUEUE = ("submitted", "reopened", "triaged", "in_progress")


def queue_states(subject: Subject) -> tuple[tuple[str, str], ...]:
    """The (handler side, status) pairs of the incidents (already visible) that the subject's
    side has to act on: police the ones handed to the police, unions the ones the union
    handles, admins both."""
    police = tuple(("police", status) for status in POLICE_QUEUE)
    union = tuple(("union", status) for status in UNION_QUEUE)
    if subject.role == Role.police_liaison:
        return police
    if subject.role in UNION:
        return union
    return police + union


def actor_kinds(
    subject: Subject,
    incident: Incident,
    *,
    is_reporter: bool,
    recipient_ids: frozenset[uuid.UUID] = frozenset(),
) -> frozenset[str]:
    """The capacities in which a subject (who can see the incident) may act on it."""
    kinds: set[str] = set()
    if is_reporter:
        kinds.add("reporter")
    if subject.role == Role.team_leader and incident.team_id in subject.team_ids:
        kinds.add("team_leader")
    if subject.role in TEAM and incident.team_id in subject.team_ids:
        kinds.add("team_member")
    if subject.role in UNION:
        kinds.add("union")
        if incident.handler_kind == "union":
            kinds.add("handler")
    if subject.role == Role.police_liaison:
        kinds.add("police")
        if incident.handler_kind == "police":
            kinds.add("handler")
    if subject.is_admin:
        kinds.add("admin")
    if subject.user_id in recipient_ids:
        kinds.add("recipient")
    return frozenset(kinds)


def view_kind(subject: Subject, *, is_reporter: bool) -> str:
    """Which view of an incident a subject gets: reporter, full (police), union or team."""
    if is_reporter:
        return "reporter"
    if subject.role == Role.police_liaison:
        return "full"
    if subject.role in TEAM:
        return "team"
    return "union"  # union officers, the city federation and system admins

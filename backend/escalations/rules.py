"""Routing rules as data: who hears of a submitted incident first, and how soon they must answer.

The category table (``incident_category.route``, seeded by migration 0005) says where each kind
of incident goes; severity can only send an incident higher, never lower:

| route        | categories (seed)               | first told                                     |
|--------------|---------------------------------|------------------------------------------------|
| `police`     | trafficking, drugs              | police liaisons of the incident's jurisdiction |
| `union`      | labour                          | the union covering the enterprise / site       |
| `team_union` | everything else                 | the union officers of the team's union         |
| (any)        | severity <= `incident_police_severity` (default 1) | the police, at once         |
"""

from datetime import timedelta

from backend.core.config import Settings
from backend.models.incident import IncidentCategory

POLICE = "police"
UNION_COVERING = "union"
UNION_TEAM = "team_union"


def first_route(category: IncidentCategory, severity: int, settings: Settings) -> str:
    """Where a newly submitted incident goes: police, union (covering) or team_union."""
    if category.route == POLICE or severity <= settings.incident_police_severity:
        return POLICE
    if category.route == UNION_COVERING:
        return UNION_COVERING
    return UNION_TEAM


def ack_window(severity: int, settings: Settings) -> timedelta:
    """How long the one told has to acknowledge, by severity (1 = 15 min … 4 = 24 h)."""
    return timedelta(minutes=settings.incident_ack_minutes[severity - 1])

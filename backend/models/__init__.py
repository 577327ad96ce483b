"""Every table class, imported here so Alembic sees the whole schema.

Every module of this package is imported, so a new aggregate only needs its own file.
"""

import importlib
import pkgutil

from backend.models.audit import AuditEvent
from backend.models.base import utcnow
from backend.models.house import BoardingHouse, HouseEmployer, RetiredCheckpoint
from backend.models.org import AdminUnit, UnionUnit
from backend.models.site import Enterprise, Site, SiteAdminUnit
from backend.models.team import RegistryChange, Team, TeamHouse, TeamMember
from backend.models.user import Device, LoginAttempt, RefreshToken, User, UserScope

__all__ = [
    "AdminUnit",
    "AuditEvent",
    "BoardingHouse",
    "Device",
    "Enterprise",
    "HouseEmployer",
    "LoginAttempt",
    "RefreshToken",
    "RegistryChange",
    "RetiredCheckpoint",
    "Site",
    "SiteAdminUnit",
    "Team",
    "TeamHouse",
    "TeamMember",
    "UnionUnit",
    "User",
    "UserScope",
    "utcnow",
]

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")

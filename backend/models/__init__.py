"""Every table class, imported here so Alembic sees the whole schema."""

from backend.models.audit import AuditEvent
from backend.models.base import utcnow
from backend.models.org import AdminUnit, UnionUnit
from backend.models.user import Device, LoginAttempt, RefreshToken, User, UserScope

__all__ = [
    "AdminUnit",
    "AuditEvent",
    "Device",
    "LoginAttempt",
    "RefreshToken",
    "UnionUnit",
    "User",
    "UserScope",
    "utcnow",
]

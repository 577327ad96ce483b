"""Roles, scopes and permission checks: the one place that decides who sees what."""

# Each module registers its rules and permissions when imported.
from backend.policy import dashboards as _dashboards  # noqa: F401
from backend.policy import incidents as _incidents  # noqa: F401
from backend.policy import monitoring as _monitoring  # noqa: F401
from backend.policy import notifications as _notifications  # noqa: F401
from backend.policy import patrols as _patrols  # noqa: F401
from backend.policy import registry as _registry  # noqa: F401
from backend.policy.roles import Role
from backend.policy.scopes import (
    authorize,
    get_visible,
    may,
    register_rule,
    scoped,
    under,
    visible,
)
from backend.policy.subject import Subject, load_subject

__all__ = [
    "Role",
    "Subject",
    "authorize",
    "get_visible",
    "load_subject",
    "may",
    "register_rule",
    "scoped",
    "under",
    "visible",
]

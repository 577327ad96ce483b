"""Roles, scopes and permission checks: the one place that decides who sees what."""

from backend.policy import registry as _registry_rules  # noqa: F401  (registers rules)
from backend.policy.roles import Role
from backend.policy.scopes import authorize, get_visible, register_rule, scoped, under, visible
from backend.policy.subject import Subject, load_subject

__all__ = [
    "Role",
    "Subject",
    "authorize",
    "get_visible",
    "load_subject",
    "register_rule",
    "scoped",
    "under",
    "visible",
]

"""The one place that decides which rows a subject may see, and whether they may act on them."""

from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, false, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from backend.core import clock
from backend.core.errors import Forbidden, NotFound
from backend.models import AdminUnit, AuditEvent, UnionUnit, User
from backend.policy.roles import PERMISSIONS, Role
from backend.policy.subject import Subject

T = TypeVar("T")
Rule = Callable[[Subject], ColumnElement[bool]]


def under(path_column, paths: Iterable[str]) -> ColumnElement[bool]:
    """Rows whose materialized path lies in any of the given subtrees."""
    clauses = [path_column.startswith(p, autoescape=True) for p in paths]
    return or_(*clauses) if clauses else false()


def _admin_unit(subject: Subject) -> ColumnElement[bool]:
    # Administrative geography is reference data every signed-in user needs (ward pickers).
    return true()


def _union_unit(subject: Subject) -> ColumnElement[bool]:
    if subject.sees_everything:
        return true()
    if subject.role == Role.union_officer:
        return under(UnionUnit.path, subject.union_paths)
    return false()


def _user(subject: Subject) -> ColumnElement[bool]:
    if subject.is_admin:
        return true()
    return User.id == subject.user_id


def _audit(subject: Subject) -> ColumnElement[bool]:
    return true() if subject.is_admin else false()


RULES: dict[type, Rule] = {
    AdminUnit: _admin_unit,
    UnionUnit: _union_unit,
    User: _user,
    AuditEvent: _audit,
}


def register_rule(model: type, rule: Rule) -> None:
    """Domains declare their model's visibility rule here, at import time."""
    RULES[model] = rule
    _rule_for.cache_clear()


# A rule is a pure function of the subject and of today (current team cover and membership):
# built once per (model, subject, day) and shared by every request of that caller, instead of
# rebuilt each time (a house rule costs 67-140 µs of CPU to build, and a new
# expression also has its statement's cache key computed again). Kept small on purpose: the
# rules of the callers active right now (a phone sends its requests in bursts). Each entry
# pins a few KiB in the heap, and at 256 entries an API process after a minute of mixed load
# over 600 teams grew 1.5 MB past the 150 MB target (bench/bench_memory.py --teams 600); an
# evicted rule is only built again.
@lru_cache(maxsize=128)
def _rule_for(model: type, subject: Subject, today) -> ColumnElement[bool]:
    try:
        rule = RULES[model]
    except KeyError:
        raise RuntimeError(f"no visibility rule for {model.__name__}") from None
    return rule(subject)


def visible(subject: Subject, model: type) -> ColumnElement[bool]:
    """The WHERE clause limiting ``model`` to what ``subject`` may see."""
    return _rule_for(model, subject, clock.today())


def scoped(stmt: Select, subject: Subject, model: type) -> Select:
    """Add the subject's visibility filter to a query."""
    return stmt.where(visible(subject, model))


async def get_visible(session: AsyncSession, subject: Subject, model: type[T], obj_id: Any) -> T:
    """Load one object the subject may see, or raise NotFound (never revealing it exists)."""
    pk = model.__mapper__.primary_key[0]  # type: ignore[attr-defined]
    stmt = select(model).where(pk == obj_id).where(visible(subject, model))
    if hasattr(model, "deleted_at"):
        stmt = stmt.where(model.deleted_at.is_(None))  # type: ignore[attr-defined]
    obj = (await session.scalars(stmt)).first()
    if obj is None:
        raise NotFound()
    return obj


def may(subject: Subject | None, action: str) -> bool:
    """Whether the subject's role may attempt ``action`` (for callers that answer per item)."""
    return subject is not None and subject.role in PERMISSIONS.get(action, frozenset())


def authorize(subject: Subject, action: str) -> None:
    """Raise Forbidden unless the subject's role may attempt ``action`` (scope is checked apart)."""
    if subject.role not in PERMISSIONS.get(action, frozenset()):
        raise Forbidden()

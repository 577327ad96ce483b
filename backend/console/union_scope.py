"""The union pages' period and sub-unit pickers: what ``?unit=&period=&month=&quarter=&from=&to=``
ask for, resolved through the policy layer (a unit out of the caller's scope is a 404)."""

import re
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from urllib.parse import urlencode

from fastapi import Request
from sqlalchemy import select

from backend.console.web import Console
from backend.core.errors import Invalid
from backend.dashboards import service as dashboards
from backend.dashboards.service import Period
from backend.dashboards.sqlfuncs import local_date
from backend.models import UnionUnit, utcnow
from backend.policy import authorize, visible
from backend.policy.dashboards import Scope, resolve_scope

KINDS = ("3m", "month", "quarter", "custom")
MONTH = re.compile(r"^(\d{4})-(\d{2})$")
QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
CARRIED = ("unit", "period", "month", "quarter", "from", "to")


@dataclass(frozen=True)
class Pick:
    """A union subtree and a period, with what the pickers need to draw themselves."""

    scope: Scope
    period: Period
    kind: str
    month: str
    quarter: str
    start: str
    end: str
    children: list[tuple[uuid.UUID, str]] = field(default_factory=list)
    parent: tuple[uuid.UUID, str] | None = None
    quarters: list[str] = field(default_factory=list)

    @property
    def query(self) -> str:
        """The picks as a query string, carried into links, tables and exports."""
        values = {
            "unit": str(self.scope.id),
            "period": self.kind,
            "month": self.month if self.kind == "month" else "",
            "quarter": self.quarter if self.kind == "quarter" else "",
            "from": self.start if self.kind == "custom" else "",
            "to": self.end if self.kind == "custom" else "",
        }
        return urlencode({k: v for k, v in values.items() if v})

    @property
    def trend(self) -> str:
        """Weekly bars up to four months, monthly beyond."""
        return "week" if self.period.days <= 124 else "month"


async def home_union_unit(session, console: Console) -> UnionUnit | None:
    """The union unit a page opens on: the officer's own, or the city root."""
    subject = console.subject
    if subject.union_paths:
        stmt = select(UnionUnit).where(UnionUnit.path.in_(subject.union_paths))
    else:
        stmt = select(UnionUnit).where(UnionUnit.parent_id.is_(None))
    return await session.scalar(stmt.where(UnionUnit.deleted_at.is_(None)).order_by(UnionUnit.path))


def _month_end(first: date) -> date:
    return (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def _quarter_of(day: date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def _parse_date(raw: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise Invalid(code="period_invalid") from None


def period_of(params, today: date) -> tuple[str, Period, str, str]:
    """(kind, period, month, quarter) from the query; by default this month and the two before.

    Why whole months by default: the rollups answer a whole month from one row per house, a
    month's odd days from one row per house and day. At 40,000 houses a "last 8 weeks" period
    (three weeks of odd days) cost 0.7 s of house coverage alone; two whole months plus this
    month so far costs a fraction of that (README, console measurements).
    """
    kind = params.get("period") or "3m"
    if kind not in KINDS:
        raise Invalid(code="period_invalid")
    month = params.get("month") or today.strftime("%Y-%m")
    quarter = params.get("quarter") or _quarter_of(today)
    if kind == "3m":
        first = (today.replace(day=1) - timedelta(days=32)).replace(day=1)
        last = today
    elif kind == "month":
        m = MONTH.match(month)
        if not m or not 1 <= int(m.group(2)) <= 12:
            raise Invalid(code="period_invalid")
        first = date(int(m.group(1)), int(m.group(2)), 1)
        last = _month_end(first)
    elif kind == "quarter":
        q = QUARTER.match(quarter)
        if not q:
            raise Invalid(code="period_invalid")
        first = date(int(q.group(1)), 3 * int(q.group(2)) - 2, 1)
        last = _month_end(first.replace(month=first.month + 2))
    else:
        first = _parse_date(params.get("from") or "")
        last = _parse_date(params.get("to") or "")
    if first <= today < last:  # the running month or quarter: up to today
        last = today
    return kind, dashboards.make_period(first, last, today=today), month, quarter


def _unit_id(raw: str | None) -> uuid.UUID | None:
    if not raw:
        return None
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise Invalid(code="validation_error") from None


def union_desk(console: Console) -> None:
    """The union pages are the union desk's (unions, the federation, admins): police and teams
    get the 403 page. ``report.read`` is exactly that set of roles in the policy layer."""
    authorize(console.subject, "report.read")


async def pick(request: Request, session, console: Console) -> Pick:
    """The asked union unit (the caller's own by default) and period, checked by policy."""
    params = request.query_params
    unit_id = _unit_id(params.get("unit"))
    if unit_id is None:
        home = await home_union_unit(session, console)
        if home is None:
            raise Invalid(code="validation_error")
        unit_id = home.id
    scope = await resolve_scope(session, console.subject, "union", unit_id)
    today = local_date(utcnow())
    kind, period, month, quarter = period_of(params, today)
    subject = console.subject
    children = (
        await session.execute(
            select(UnionUnit.id, UnionUnit.name)
            .where(
                UnionUnit.parent_id == scope.id,
                UnionUnit.deleted_at.is_(None),
                visible(subject, UnionUnit),
            )
            .order_by(UnionUnit.name)
        )
    ).all()
    parent = (
        await session.execute(
            select(UnionUnit.id, UnionUnit.name)
            .where(
                UnionUnit.id
                == select(UnionUnit.parent_id).where(UnionUnit.id == scope.id).scalar_subquery(),
                UnionUnit.deleted_at.is_(None),
                visible(subject, UnionUnit),
            )
            .limit(1)
        )
    ).first()
    quarters, day = [], today
    for _ in range(8):
        quarters.append(_quarter_of(day))
        day = day.replace(day=1, month=3 * ((day.month - 1) // 3) + 1) - timedelta(days=1)
    return Pick(
        scope=scope,
        period=period,
        kind=kind,
        month=month,
        quarter=quarter,
        start=period.first.isoformat(),
        end=period.last.isoformat(),
        children=[tuple(c) for c in children],
        parent=tuple(parent) if parent else None,
        quarters=quarters if quarter in quarters else [quarter, *quarters],
    )


async def picked_summary(request: Request, session, console: Console) -> tuple[Pick, dict]:
    """The dashboard's figures for the picked unit and period (the page and its files agree)."""
    authorize(console.subject, "dashboard.read")
    pk = await pick(request, session, console)
    data = await dashboards.summary(
        session,
        subject=console.subject,
        scope=pk.scope,
        period=pk.period,
        trend=pk.trend,
        now=utcnow(),
        lang=request.cookies.get("ttq_lang", "vi"),
        # On PostgreSQL the groups of figures are read at once on connections of their own.
        sessions=request.app.state.session_factory,
    )
    return pk, data

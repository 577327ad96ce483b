"""The content of a union unit's periodic report: generated from the rollups and the records.

Figures are those of the unit's subtree as a union officer of the unit sees them (whoever
generates it), so the report is the unit's, not its author's; incidents are in the union
view: no reporter, no persons, no exact place, and no free text for sensitive categories or
protected reporters.
"""

import calendar
import re
from datetime import date, timedelta

from fastapi.encoders import jsonable_encoder
from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.core.db import plan_for_parameters
from backend.core.errors import Invalid
from backend.dashboards import service, tables
from backend.dashboards.sqlfuncs import day_start_utc, local_date
from backend.models import AdminUnit, Team, UnionUnit, utcnow
from backend.models.incident import Incident, IncidentCategory
from backend.models.monitoring import AwarenessSession, AwarenessTopic, Commendation
from backend.policy import Subject
from backend.policy.dashboards import Scope
from backend.policy.roles import Role
from backend.policy.scopes import under

KINDS = ("month", "quarter", "year")
NOTABLE_LIMIT = 20
LIST_LIMIT = 50
WITHHELD = "(nội dung được bảo vệ)"


def parse_period(kind: str, label: str) -> tuple[date, date]:
    """ "2026-10" (month), "2026-Q4" (quarter), "2026" (year) → first and last day."""
    patterns = {"month": r"(\d{4})-(\d{2})", "quarter": r"(\d{4})-Q([1-4])", "year": r"(\d{4})"}
    match = re.fullmatch(patterns.get(kind, "$^"), label or "")
    if not match:
        raise Invalid(code="report_period_invalid")
    year = int(match.group(1))
    if kind == "year":
        return date(year, 1, 1), date(year, 12, 31)
    if kind == "quarter":
        first_month = 3 * (int(match.group(2)) - 1) + 1
        last_month = first_month + 2
    else:
        first_month = last_month = int(match.group(2))
        if not 1 <= first_month <= 12:
            raise Invalid(code="report_period_invalid")
    last_day = calendar.monthrange(year, last_month)[1]
    return date(year, first_month, 1), date(year, last_month, last_day)


def period_label(kind: str, first: date) -> str:
    if kind == "year":
        return f"{first.year}"
    if kind == "quarter":
        return f"{first.year}-Q{(first.month - 1) // 3 + 1}"
    return f"{first.year}-{first.month:02d}"


def period_title(kind: str, first: date) -> str:
    """The period as the report's title says it, in Vietnamese."""
    if kind == "year":
        return f"năm {first.year}"
    if kind == "quarter":
        roman = ("I", "II", "III", "IV")[(first.month - 1) // 3]
        return f"quý {roman} năm {first.year}"
    return f"tháng {first.month:02d}/{first.year}"


def unit_subject(unit: UnionUnit, author: Subject) -> Subject:
    """A union officer of exactly this unit: what the report may show."""
    return Subject(user_id=author.user_id, role=Role.union_officer, union_paths=(unit.path,))


async def _notable(session, scope: Scope, subject: Subject, first: date, last: date) -> list:
    """Serious incidents of the period (severity 1-2 or trafficking), redacted."""
    i, c, a = Incident, IncidentCategory, AdminUnit
    from backend.policy import visible
    from backend.policy.dashboards import incident_scope

    rows = await session.execute(
        select(i, c.name_vi, c.sensitive_persons, a.name)
        .join(c, c.code == i.category)
        .join(a, a.id == i.admin_unit_id)
        .where(
            visible(subject, Incident),
            incident_scope(scope, Incident),
            i.occurred_at >= day_start_utc(first),
            i.occurred_at < day_start_utc(last + timedelta(days=1)),
            or_(i.severity <= 2, i.category == "trafficking"),
        )
        .order_by(i.severity, i.occurred_at, i.id)
        .limit(NOTABLE_LIMIT)
    )
    out = []
    for inc, category_name, sensitive, ward in rows:
        hidden = sensitive or inc.protect_reporter
        out.append(
            {
                "date": local_date(inc.occurred_at),
                "category": inc.category,
                "category_name": category_name,
                "severity": inc.severity,
                "ward": ward,
                "status": inc.status,
                "outcome": inc.outcome,
                "summary": WITHHELD if hidden else inc.summary,
            }
        )
    return out


async def _awareness(session, unit: UnionUnit, first: date, last: date) -> dict:
    s = AwarenessSession
    teams = select(Team.id).where(
        Team.union_unit_id.in_(select(UnionUnit.id).where(under(UnionUnit.path, [unit.path])))
    )
    units = select(UnionUnit.id).where(under(UnionUnit.path, [unit.path]))
    where = [
        s.deleted_at.is_(None),
        or_(s.team_id.in_(teams), s.union_unit_id.in_(units)),
        s.held_at >= day_start_utc(first),
        s.held_at < day_start_utc(last + timedelta(days=1)),
    ]
    count, workers, landlords, others = (
        await session.execute(
            select(
                func.count(),
                func.coalesce(func.sum(s.workers_count), 0),
                func.coalesce(func.sum(s.landlords_count), 0),
                func.coalesce(func.sum(s.others_count), 0),
            ).where(*where)
        )
    ).one()
    rows = (
        await session.scalars(select(s).where(*where).order_by(s.held_at, s.id).limit(LIST_LIMIT))
    ).all()
    topic_names = dict(
        (await session.execute(select(AwarenessTopic.code, AwarenessTopic.name_vi))).all()
    )
    by_topic: dict[str, int] = {}
    for row in rows:
        for code in row.topics or []:
            by_topic[code] = by_topic.get(code, 0) + 1
    return {
        "sessions": int(count),
        "workers": int(workers),
        "landlords": int(landlords),
        "others": int(others),
        "by_topic": [
            {"topic": code, "name": topic_names.get(code, code), "sessions": n}
            for code, n in sorted(by_topic.items(), key=lambda kv: (-kv[1], kv[0]))
        ],
        "items": [
            {
                "date": local_date(r.held_at),
                "title": r.title,
                "place": r.place,
                "topics": [topic_names.get(t, t) for t in r.topics or []],
                "audience": r.workers_count + r.landlords_count + r.others_count,
            }
            for r in rows
        ],
    }


async def _commendations(session, unit: UnionUnit, first: date, last: date) -> list:
    c = Commendation
    units = select(UnionUnit.id).where(under(UnionUnit.path, [unit.path]))
    teams = select(Team.id).where(Team.union_unit_id.in_(units))
    rows = (
        await session.scalars(
            select(c)
            .where(
                c.deleted_at.is_(None),
                or_(c.team_id.in_(teams), c.union_unit_id.in_(units)),
                c.decided_on.between(first, last),
            )
            .order_by(c.decided_on, c.id)
            .limit(LIST_LIMIT)
        )
    ).all()
    names = dict(
        (await session.execute(select(Team.id, Team.name).where(Team.id.in_(teams)))).all()
    )
    return [
        {
            "decided_on": r.decided_on,
            "recipient": r.person_name if r.recipient_kind == "person" else names.get(r.team_id),
            "recipient_kind": r.recipient_kind,
            "form": r.form,
            "level": r.level,
            "decision_number": r.decision_number,
            "issuing_body": r.issuing_body,
            "reason": r.reason,
        }
        for r in rows
    ]


async def generate(
    session: AsyncSession, *, author: Subject, unit: UnionUnit, kind: str, first: date, last: date
) -> dict:
    """Every figure and list of the report, JSON-ready."""
    # Planned for this period and unit: a year of the city's teams under the generic plan
    # PostgreSQL picks for a prepared statement after its fifth run took 91 s, not 0.16. The
    # desk's requests ask for that already (backend/policy/roles.DESK_ROLES); a report built
    # outside a request (a job, the shell) must too.
    await plan_for_parameters(session)
    subject = unit_subject(unit, author)
    scope = Scope("union", unit.id, unit.name, unit.path, unit.parent_id is None)
    period = service.Period(first, last)
    trend = "month" if kind != "month" else "week"
    now = utcnow()
    summary = await service.summary(
        session, subject=subject, scope=scope, period=period, trend=trend, now=now
    )
    ranking = await tables.team_ranking(
        session, subject=subject, scope=scope, period=period, limit=10
    )
    complete = await tables.completeness(
        session, subject=subject, scope=scope, period=period, threshold=0.8
    )
    content = {
        "unit": {"id": unit.id, "code": unit.code, "name": unit.name},
        "period": {
            "kind": kind,
            "label": period_label(kind, first),
            "title": period_title(kind, first),
            "from": first,
            "to": last,
        },
        "generated_at": now,
        "summary": summary,
        "teams_top": ranking,
        "completeness": complete,
        "notable_incidents": await _notable(session, scope, subject, first, last),
        "awareness": await _awareness(session, unit, first, last),
        "commendations": await _commendations(session, unit, first, last),
    }
    return jsonable_encoder(content)

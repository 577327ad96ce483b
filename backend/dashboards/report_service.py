"""Periodic reports: drafts generated from the data, submission, the city's status board,
and reminders before the due date."""

import uuid
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.audit.service import record, snapshot
from backend.core.errors import Conflict
from backend.dashboards import report
from backend.dashboards.report_schemas import ReportCreate, ReportUpdate
from backend.dashboards.sqlfuncs import local_date
from backend.models import UnionUnit, User, UserScope, utcnow
from backend.models.rollup import PeriodicReport, PeriodicReportReminder
from backend.notifications.outbox import enqueue
from backend.policy import Subject, get_visible, visible
from backend.policy.roles import Role

# A report is due this many days after its period ends; units are reminded before that.
DUE_DAYS = {"month": 5, "quarter": 10, "year": 15}
REMIND_DAYS_BEFORE = 3
OBJECT_TYPE = "periodic_report"


def due_on(kind: str, period_end: date) -> date:
    return period_end + timedelta(days=DUE_DAYS[kind])


async def reporting_units(session: AsyncSession) -> list[UnionUnit]:
    """The units that report to the city federation: the children of a root union unit."""
    return list(
        (
            await session.scalars(
                select(UnionUnit)
                .where(UnionUnit.depth == 1, UnionUnit.deleted_at.is_(None))
                .order_by(UnionUnit.path)
            )
        ).all()
    )


async def get_report(session: AsyncSession, *, subject: Subject, report_id: uuid.UUID):
    """A report the subject may read (404 otherwise)."""
    return await get_visible(session, subject, PeriodicReport, report_id)


async def _writable_unit(session: AsyncSession, subject: Subject, unit_id: uuid.UUID):
    """Officers write their own units' reports: the unit must be in their union subtree."""
    return await get_visible(session, subject, UnionUnit, unit_id)


async def create_report(
    session: AsyncSession, *, subject: Subject, body: ReportCreate
) -> PeriodicReport:
    """Generate a draft for a unit and period (one report per unit and period)."""
    unit = await _writable_unit(session, subject, body.union_unit_id)
    first, last = report.parse_period(body.period_kind, body.period)
    exists = await session.scalar(
        select(PeriodicReport.id).where(
            PeriodicReport.union_unit_id == unit.id,
            PeriodicReport.period_kind == body.period_kind,
            PeriodicReport.period_start == first,
        )
    )
    if exists is not None:
        raise Conflict(code="report_exists", report_id=str(exists))
    content = await report.generate(
        session, author=subject, unit=unit, kind=body.period_kind, first=first, last=last
    )
    row = PeriodicReport(
        union_unit_id=unit.id,
        period_kind=body.period_kind,
        period_start=first,
        period_end=last,
        number=body.number,
        issued_on=body.issued_on or local_date(utcnow()),
        place=body.place,
        recipients=body.recipients,
        proposals=body.proposals,
        content=content,
        created_by=subject.user_id,
    )
    session.add(row)
    await session.flush()
    await record(
        session,
        actor=subject,
        action="periodic_report.create",
        object_type=OBJECT_TYPE,
        object_id=row.id,
        after=snapshot(row, exclude={"content"}),
    )
    return row


async def update_report(
    session: AsyncSession, *, subject: Subject, row: PeriodicReport, body: ReportUpdate
) -> PeriodicReport:
    """Change a draft's header or proposals; its figures are generated again."""
    await _writable_unit(session, subject, row.union_unit_id)
    if row.status == "submitted":
        raise Conflict(code="report_submitted")
    before = snapshot(row, exclude={"content"})
    for field, value in body.model_dump(exclude_unset=True).items():
        if value is not None or field in ("place", "proposals"):
            setattr(row, field, value)
    await _regenerate(session, subject, row)
    await record(
        session,
        actor=subject,
        action="periodic_report.update",
        object_type=OBJECT_TYPE,
        object_id=row.id,
        before=before,
        after=snapshot(row, exclude={"content"}),
    )
    return row


async def _regenerate(session: AsyncSession, subject: Subject, row: PeriodicReport) -> None:
    unit = await session.get(UnionUnit, row.union_unit_id)
    row.content = await report.generate(
        session,
        author=subject,
        unit=unit,
        kind=row.period_kind,
        first=row.period_start,
        last=row.period_end,
    )
    row.updated_at = utcnow()
    row.version += 1


async def submit_report(
    session: AsyncSession, *, subject: Subject, row: PeriodicReport
) -> PeriodicReport:
    """Freeze the figures as of now and send the report up: who and when are kept."""
    await _writable_unit(session, subject, row.union_unit_id)
    if row.status == "submitted":
        raise Conflict(code="report_submitted")
    await _regenerate(session, subject, row)
    row.status = "submitted"
    row.submitted_by = subject.user_id
    row.submitted_at = utcnow()
    await record(
        session,
        actor=subject,
        action="periodic_report.submit",
        object_type=OBJECT_TYPE,
        object_id=row.id,
        after=snapshot(row, exclude={"content"}),
    )
    await enqueue(
        session,
        event_type="periodic_report.submitted",
        payload={
            "report_id": str(row.id),
            "union_unit_id": str(row.union_unit_id),
            "period_kind": row.period_kind,
            "period_start": row.period_start.isoformat(),
        },
        unit_ids=[row.union_unit_id],
    )
    return row


async def status_board(
    session: AsyncSession, *, subject: Subject, kind: str, label: str, today: date
) -> dict:
    """Which reporting units (that the subject may see) have sent this period's report."""
    first, last = report.parse_period(kind, label)
    due = due_on(kind, last)
    units = [
        u
        for u in await reporting_units(session)
        if await session.scalar(
            select(UnionUnit.id).where(UnionUnit.id == u.id, visible(subject, UnionUnit))
        )
    ]
    reports = {
        r.union_unit_id: r
        for r in (
            await session.scalars(
                select(PeriodicReport).where(
                    PeriodicReport.period_kind == kind, PeriodicReport.period_start == first
                )
            )
        ).all()
    }
    rows = []
    for unit in units:
        r = reports.get(unit.id)
        submitted = r is not None and r.status == "submitted"
        on_time = None
        if submitted:
            on_time = local_date(r.submitted_at) <= due
        elif today > due:
            on_time = False
        rows.append(
            {
                "union_unit_id": unit.id,
                "code": unit.code,
                "name": unit.name,
                "report_id": r.id if r else None,
                "status": r.status if r else "missing",
                "submitted_at": r.submitted_at if r else None,
                "submitted_by": r.submitted_by if r else None,
                "on_time": on_time,
            }
        )
    return {
        "period_kind": kind,
        "period_start": first,
        "period_end": last,
        "due_on": due,
        "submitted": sum(1 for r in rows if r["status"] == "submitted"),
        "expected": len(rows),
        "units": rows,
    }


def previous_period(kind: str, today: date) -> tuple[date, date]:
    """The last finished period of a kind (the one whose report is now due)."""
    if kind == "year":
        return report.parse_period("year", str(today.year - 1))
    if kind == "quarter":
        q = (today.month - 1) // 3  # 0-based current quarter
        year, q = (today.year - 1, 4) if q == 0 else (today.year, q)
        return report.parse_period("quarter", f"{year}-Q{q}")
    first = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    return report.parse_period("month", f"{first.year}-{first.month:02d}")


async def send_reminders(session: AsyncSession, *, now: datetime) -> int:
    """Tell each reporting unit's officers, once per period, that a report is due soon."""
    today = local_date(now)
    sent = 0
    for kind in report.KINDS:
        first, last = previous_period(kind, today)
        due = due_on(kind, last)
        if not (due - timedelta(days=REMIND_DAYS_BEFORE) <= today <= due):
            continue
        for unit in await reporting_units(session):
            done = await session.scalar(
                select(PeriodicReport.id).where(
                    PeriodicReport.union_unit_id == unit.id,
                    PeriodicReport.period_kind == kind,
                    PeriodicReport.period_start == first,
                    PeriodicReport.status == "submitted",
                )
            )
            reminded = await session.get(PeriodicReportReminder, (unit.id, kind, first))
            if done is not None or reminded is not None:
                continue
            officers = (
                await session.scalars(
                    select(User.id)
                    .join(UserScope, UserScope.user_id == User.id)
                    .where(
                        UserScope.union_unit_id == unit.id,
                        User.is_active.is_(True),
                        User.role == Role.union_officer.value,
                    )
                )
            ).all()
            await enqueue(
                session,
                event_type="periodic_report.due",
                payload={
                    "union_unit_id": str(unit.id),
                    "period_kind": kind,
                    "period": report.period_label(kind, first),
                    "due_on": due.isoformat(),
                    "title": f"Nhắc gửi báo cáo {report.period_title(kind, first)} "
                    f"trước ngày {due:%d/%m/%Y}",
                },
                recipient_user_ids=officers,
                unit_ids=[unit.id],
            )
            session.add(
                PeriodicReportReminder(
                    union_unit_id=unit.id, period_kind=kind, period_start=first, sent_at=now
                )
            )
            sent += 1
    await session.flush()
    return sent


async def author_name(session: AsyncSession, user_id: uuid.UUID | None) -> str | None:
    if user_id is None:
        return None
    return await session.scalar(select(User.full_name).where(User.id == user_id))


async def parent_name(session: AsyncSession, unit_id: uuid.UUID) -> str | None:
    unit = await session.get(UnionUnit, unit_id)
    if unit is None or unit.parent_id is None:
        return None
    return await session.scalar(select(UnionUnit.name).where(UnionUnit.id == unit.parent_id))

"""Scheduled jobs of the dashboards, run by the worker (``TTQ_NOTIFY_JOBS``) or by the CLI.

Both are in the worker's default jobs: ``refresh_rollups`` folds what arrived into the rollups
on every run; ``remind_periodic_reports`` reminds each unit once per period.
"""

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from backend.dashboards.report_service import send_reminders
from backend.dashboards.rollups import refresh
from backend.models import utcnow


async def refresh_rollups(session: AsyncSession, *, now: datetime | None = None) -> dict:
    """Fold raw rows that changed since the last run into the rollups."""
    stats = await refresh(session, now=now or utcnow())
    return stats.as_dict()


async def remind_periodic_reports(session: AsyncSession, *, now: datetime | None = None) -> int:
    """Remind units whose periodic report is due within a few days and not yet submitted."""
    return await send_reminders(session, now=now or utcnow())

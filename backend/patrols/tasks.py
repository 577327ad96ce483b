"""Scheduled jobs of the patrol domain, run by the worker (``notify_jobs``) or by the CLI.

Each takes a session (the caller commits), and optional ``now`` and ``settings``.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.core.config import Settings, get_settings
from backend.models import utcnow
from backend.models.patrol import HeldUploadItem, Patrol
from backend.patrols.missed import check_missed
from backend.patrols.tracks import purge_tracks
from backend.sync.upload_service import UploadContext, file_held, lock_ids


async def file_stragglers(session: AsyncSession, *, settings: Settings, now: datetime) -> int:
    """File held items whose patrol exists after all (it arrived in a concurrent batch)."""
    parents = list(
        (
            await session.scalars(
                select(HeldUploadItem.waiting_for)
                .where(
                    HeldUploadItem.status == "waiting",
                    HeldUploadItem.waiting_for.in_(select(Patrol.id)),
                )
                .distinct()
            )
        ).all()
    )
    if not parents:
        return 0
    await lock_ids(session, parents)
    return await file_held(UploadContext(session=session, settings=settings, now=now), parents)


async def check_missed_windows(
    session: AsyncSession, *, now: datetime | None = None, settings: Settings | None = None
) -> dict[str, Any]:
    """File stragglers (so they count), then judge every planned window that is due."""
    now = now or utcnow()
    settings = settings or get_settings()
    filed = await file_stragglers(session, settings=settings, now=now)
    counts = await check_missed(session, settings=settings, now=now)
    return {**counts, "filed_from_held": filed}


async def purge_old_tracks(
    session: AsyncSession, *, now: datetime | None = None, settings: Settings | None = None
) -> int:
    """Delete GPS tracks older than the retention period (personal data: keep no longer)."""
    settings = settings or get_settings()
    return await purge_tracks(session, retention_days=settings.track_retention_days, now=now)

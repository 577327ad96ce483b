"""Review of flagged scans: a person accepts or rejects the evidence, with a comment."""

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from backend.audit.service import record
from backend.core.errors import Conflict
from backend.models.patrol import CheckpointScan
from backend.patrols.service import audit_view
from backend.policy import Subject


async def review_scan(
    session: AsyncSession,
    *,
    subject: Subject,
    scan: CheckpointScan,
    decision: str,
    comment: str,
    now: datetime,
) -> CheckpointScan:
    """Accept or reject a flagged scan (a later review replaces an earlier one; audited)."""
    if not scan.flags:
        raise Conflict(code="scan_not_flagged")
    if (
        scan.review_status == decision
        and scan.review_comment == comment
        and scan.reviewed_by == subject.user_id
    ):
        return scan  # the same review sent again: nothing changes
    before = audit_view(scan)
    scan.review_status = decision
    scan.review_comment = comment
    scan.reviewed_by = subject.user_id
    scan.reviewed_at = now
    scan.updated_at = now
    await session.flush()
    await record(
        session,
        actor=subject,
        action=f"scan.review.{decision}",
        object_type="checkpoint_scan",
        object_id=scan.id,
        before=before,
        after=audit_view(scan),
        detail={"comment": comment},
    )
    return scan

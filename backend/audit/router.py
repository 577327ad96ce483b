"""Reading the audit trail (system admins)."""

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import Query
from pydantic import BaseModel

from backend.audit import service
from backend.core.db import SessionDep
from backend.core.pagination import Page, PageDep, decode_keys, encode_cursor
from backend.core.routing import GuardedRouter
from backend.policy import Subject
from backend.policy.deps import allowed

router = GuardedRouter(prefix="/api/v1/audit-events", tags=["audit"])


class AuditEventRead(BaseModel):
    id: int
    occurred_at: datetime
    actor_id: uuid.UUID | None
    actor_role: str | None
    action: str
    object_type: str
    object_id: str | None
    request_id: str | None
    client_ip: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    detail: dict[str, Any] | None


@router.get("", name="audit-events-list", response_model=Page[AuditEventRead])
async def list_events(
    session: SessionDep,
    subject: Annotated[Subject, allowed("audit.read")],
    page: PageDep,
    object_type: Annotated[str | None, Query(max_length=64)] = None,
    object_id: Annotated[str | None, Query(max_length=64)] = None,
    actor_id: uuid.UUID | None = None,
    action: Annotated[str | None, Query(max_length=64)] = None,
) -> Page[AuditEventRead]:
    """The audit trail, newest first."""
    after = decode_keys(page.cursor, int)
    rows = await service.list_events(
        session,
        subject=subject,
        object_type=object_type,
        object_id=object_id,
        actor_id=actor_id,
        action=action,
        after_id=after[0] if after else None,
        limit=page.limit + 1,
    )
    more = len(rows) > page.limit
    rows = rows[: page.limit]
    return Page(
        items=[AuditEventRead.model_validate(r, from_attributes=True) for r in rows],
        next_cursor=encode_cursor([rows[-1].id]) if more else None,
    )

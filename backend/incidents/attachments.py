"""Attachments: photos and voice notes of an incident, stored once under the phone's id.

Limits: ``attachment_max_bytes`` per file (413) and ``attachment_max_per_incident`` (409). The
type is sniffed from the bytes (415 otherwise). Photos of a protected reporter's incident are
re-encoded without metadata before they are stored: the original never reaches the disk.
"""

import hashlib
import uuid
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.core.config import Settings
from backend.core.errors import Conflict, DomainError, Invalid
from backend.incidents import media
from backend.incidents.dbutil import insert_once
from backend.incidents.journal import add_entry, audit
from backend.incidents.storage import Storage
from backend.incidents.timeline import Actor, touch
from backend.incidents.workflow import FINISHED
from backend.models.incident import Incident, IncidentAttachment


class UnsupportedType(DomainError):
    status, code = 415, "unsupported_attachment_type"


class TooLarge(DomainError):
    status, code = 413, "attachment_too_large"


def storage_key(incident_id: uuid.UUID, attachment_id: uuid.UUID) -> str:
    return f"incidents/{incident_id}/{attachment_id}"


async def _replay(session, incident: Incident, attachment_id, digest) -> IncidentAttachment:
    existing = await session.get(IncidentAttachment, attachment_id)
    if existing.incident_id == incident.id and existing.original_sha256 == digest:
        return existing
    raise Conflict(code="attachment_conflict", attachment_id=str(attachment_id))


def _prepare(data: bytes, *, protected: bool) -> tuple[media.Sniffed, bytes, bool]:
    sniffed = media.sniff(data)
    if sniffed is None:
        raise UnsupportedType()
    if media.carries_markup(data):
        # Refused rather than cleaned: evidence is stored as sent or not at all, and answers
        # also carry nosniff and a sandbox CSP (core/middleware.py) should one slip through.
        raise Invalid(code="attachment_unsafe_content")
    if sniffed.kind != "photo":
        return sniffed, data, False
    if sniffed.content_type == "image/heic":
        if protected:  # Pillow cannot rewrite HEIC here, and its GPS must not be kept
            raise UnsupportedType(detail="heic_not_accepted_for_protected_reporter")
        return sniffed, data, False
    try:
        if protected:
            return sniffed, media.strip_metadata(data, sniffed.content_type), True
        media.check_image(data)
    except ValueError:
        raise Invalid(code="attachment_unreadable") from None
    return sniffed, data, False


async def add_attachment(
    session: AsyncSession,
    *,
    incident: Incident,
    actor: Actor,
    attachment_id: uuid.UUID,
    data: bytes,
    storage: Storage,
    settings: Settings,
    now: datetime,
) -> tuple[IncidentAttachment, bool]:
    """Store one attachment; the same bytes re-sent under the same id are a no-op."""
    digest = hashlib.sha256(data).hexdigest()
    if await session.scalar(
        select(IncidentAttachment.id).where(IncidentAttachment.id == attachment_id)
    ):
        return await _replay(session, incident, attachment_id, digest), False
    if len(data) > settings.attachment_max_bytes:
        raise TooLarge(max_bytes=settings.attachment_max_bytes)
    if incident.status in FINISHED:
        raise Conflict(code="incident_closed", current_status=incident.status)
    count = await session.scalar(
        select(func.count()).where(IncidentAttachment.incident_id == incident.id)
    )
    if count >= settings.attachment_max_per_incident:
        raise Conflict(code="attachment_limit_reached", max=settings.attachment_max_per_incident)
    sniffed, stored, stripped = _prepare(data, protected=incident.protect_reporter)
    key = storage_key(incident.id, attachment_id)
    # Bytes first, row second: a failed commit leaves an orphan file, never a row without bytes.
    await storage.put(key, stored, content_type=sniffed.content_type)
    row = IncidentAttachment(
        id=attachment_id,
        incident_id=incident.id,
        kind=sniffed.kind,
        content_type=sniffed.content_type,
        size_bytes=len(stored),
        sha256=hashlib.sha256(stored).hexdigest(),
        original_sha256=digest,
        storage_key=key,
        metadata_stripped=stripped,
        uploaded_by=actor.public_id,
        created_at=now,
    )
    if not await insert_once(session, row):
        return await _replay(session, incident, attachment_id, digest), False
    touch(incident, now)
    detail = {"attachment_id": str(attachment_id), "kind": sniffed.kind, "stripped": stripped}
    await add_entry(
        session, incident=incident, actor=actor, kind="attachment", now=now, detail=detail
    )
    await audit(
        session, actor=actor, action="incident.attachment", incident=incident, detail=detail
    )
    return await session.get(IncidentAttachment, attachment_id), True


async def list_attachments(session: AsyncSession, incident: Incident) -> list[IncidentAttachment]:
    """An incident's attachments, oldest first."""
    return list(
        (
            await session.scalars(
                select(IncidentAttachment)
                .where(IncidentAttachment.incident_id == incident.id)
                .order_by(IncidentAttachment.created_at, IncidentAttachment.id)
            )
        ).all()
    )

"""Photos of awareness sessions: stored once under the phone's id, always without metadata.

The rules follow incident attachments (backend/incidents/attachments.py): the type is sniffed from
the bytes, ``attachment_max_bytes`` per file (413), at most ``MAX_PER_SESSION`` (409), an identical
re-send is a no-op and other bytes under the same id are a conflict. Unlike evidence, every photo
is re-encoded without EXIF/GPS: it shows workers in a crowd and nobody needs where it was taken.
"""

import hashlib
import uuid
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.audit.service import record
from backend.core.config import Settings
from backend.core.errors import Conflict, Invalid
from backend.incidents import media
from backend.incidents.attachments import TooLarge, UnsupportedType
from backend.incidents.dbutil import insert_once
from backend.incidents.storage import Storage
from backend.models.monitoring import AwarenessPhoto, AwarenessSession
from backend.policy import Subject

MAX_PER_SESSION = 20  # as many as photo_refs may hold


def storage_key(session_id: uuid.UUID, photo_id: uuid.UUID) -> str:
    return f"awareness/{session_id}/{photo_id}"


async def _replay(session, obj: AwarenessSession, photo_id, digest) -> AwarenessPhoto:
    existing = await session.get(AwarenessPhoto, photo_id)
    if existing.session_id == obj.id and existing.original_sha256 == digest:
        return existing
    raise Conflict(code="photo_conflict", photo_id=str(photo_id))


def _clean(data: bytes) -> tuple[str, bytes]:
    sniffed = media.sniff(data)
    # HEIC cannot be rewritten here and would keep its GPS; phones send JPEG (the field app does).
    if sniffed is None or sniffed.kind != "photo" or sniffed.content_type == "image/heic":
        raise UnsupportedType()
    if media.carries_markup(data):
        raise Invalid(code="attachment_unsafe_content")
    try:
        return sniffed.content_type, media.strip_metadata(data, sniffed.content_type)
    except ValueError:
        raise Invalid(code="attachment_unreadable") from None


async def add_photo(
    session: AsyncSession,
    *,
    obj: AwarenessSession,
    actor: Subject,
    photo_id: uuid.UUID,
    data: bytes,
    storage: Storage,
    settings: Settings,
    now: datetime,
) -> tuple[AwarenessPhoto, bool]:
    """Store one photo of a session; the same bytes re-sent under the same id are a no-op."""
    digest = hashlib.sha256(data).hexdigest()
    if await session.scalar(select(AwarenessPhoto.id).where(AwarenessPhoto.id == photo_id)):
        return await _replay(session, obj, photo_id, digest), False
    if len(data) > settings.attachment_max_bytes:
        raise TooLarge(max_bytes=settings.attachment_max_bytes)
    count = await session.scalar(select(func.count()).where(AwarenessPhoto.session_id == obj.id))
    if count >= MAX_PER_SESSION:
        raise Conflict(code="photo_limit_reached", max=MAX_PER_SESSION)
    content_type, stored = _clean(data)
    key = storage_key(obj.id, photo_id)
    # Bytes first, row second: a failed commit leaves an orphan file, never a row without bytes.
    await storage.put(key, stored, content_type=content_type)
    row = AwarenessPhoto(
        id=photo_id,
        session_id=obj.id,
        content_type=content_type,
        size_bytes=len(stored),
        sha256=hashlib.sha256(stored).hexdigest(),
        original_sha256=digest,
        storage_key=key,
        uploaded_by=actor.user_id,
        created_at=now,
    )
    if not await insert_once(session, row):
        return await _replay(session, obj, photo_id, digest), False
    await record(
        session,
        actor=actor,
        action="awareness_session.photo",
        object_type="awareness_session",
        object_id=obj.id,
        detail={"photo_id": str(photo_id), "size_bytes": len(stored)},
    )
    return await session.get(AwarenessPhoto, photo_id), True


async def list_photos(session: AsyncSession, obj: AwarenessSession) -> list[AwarenessPhoto]:
    """A session's photos, oldest first."""
    stmt = (
        select(AwarenessPhoto)
        .where(AwarenessPhoto.session_id == obj.id)
        .order_by(AwarenessPhoto.created_at, AwarenessPhoto.id)
    )
    return list((await session.scalars(stmt)).all())

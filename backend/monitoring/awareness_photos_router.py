"""Photo routes of awareness sessions: upload under the phone's id, list, download."""

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, File, Request, Response, UploadFile
from pydantic import BaseModel

from backend.audit.service import record
from backend.core.db import SessionDep
from backend.core.errors import NotFound
from backend.core.pagination import Page, PageDep, page_of, stamp
from backend.incidents.attachments_router import _read_capped
from backend.incidents.deps import SettingsDep, StorageDep
from backend.incidents.storage import download
from backend.models import utcnow
from backend.models.monitoring import AwarenessPhoto
from backend.monitoring import awareness_photos as photos
from backend.monitoring.awareness_router import VisibleSession, Writer
from backend.policy.deps import CurrentSubject

router = APIRouter(prefix="/api/v1/awareness-sessions/{session_id}/photos", tags=["monitoring"])


class AwarenessPhotoRead(BaseModel):
    id: uuid.UUID
    session_id: uuid.UUID
    content_type: str
    size_bytes: int
    sha256: str
    created_at: datetime
    download_url: str | None = None


def _read(request: Request, row: AwarenessPhoto) -> AwarenessPhotoRead:
    url = request.url_for("awareness-photos-content", session_id=row.session_id, photo_id=row.id)
    return AwarenessPhotoRead.model_validate(row, from_attributes=True).model_copy(
        update={"download_url": str(url.path)}
    )


@router.put(
    "/{photo_id}",
    name="awareness-photos-put",
    response_model=AwarenessPhotoRead,
    responses={201: {"model": AwarenessPhotoRead, "description": "stored"}},
)
async def put_photo(
    request: Request,
    session: SessionDep,
    obj: VisibleSession,  # scope first: outsiders get 404, not 403
    subject: Writer,
    settings: SettingsDep,
    storage: StorageDep,
    photo_id: uuid.UUID,
    file: Annotated[UploadFile, File(description="a photo (JPEG, PNG or WebP)")],
    response: Response,
):
    """Upload a photo of the session under the phone's UUID (201; identical re-send 200).
    Re-encoded without EXIF/GPS before storage."""
    data = await _read_capped(file, settings.attachment_max_bytes)
    row, created = await photos.add_photo(
        session,
        obj=obj,
        actor=subject,
        photo_id=photo_id,
        data=data,
        storage=storage,
        settings=settings,
        now=utcnow(),
    )
    response.status_code = 201 if created else 200
    return _read(request, row)


@router.get("", name="awareness-photos-list", response_model=Page[AwarenessPhotoRead])
async def list_photos(request: Request, session: SessionDep, obj: VisibleSession, page: PageDep):
    """The session's photos, oldest first."""
    reads = [_read(request, row) for row in await photos.list_photos(session, obj)]
    return page_of(
        reads, cursor=page.cursor, limit=page.limit, key=lambda p: (stamp(p.created_at), str(p.id))
    )


@router.get("/{photo_id}/content", name="awareness-photos-content")
async def photo_content(
    session: SessionDep,
    obj: VisibleSession,
    subject: CurrentSubject,
    storage: StorageDep,
    photo_id: uuid.UUID,
):
    """The bytes (local storage) or a 307 to a short-lived presigned URL (S3). Audited: the
    photos show people."""
    row = await session.get(AwarenessPhoto, photo_id)
    if row is None or row.session_id != obj.id:
        raise NotFound()
    await record(
        session,
        actor=subject,
        action="awareness_session.photo.read",
        object_type="awareness_session",
        object_id=obj.id,
        detail={"photo_id": str(row.id)},
    )
    return await download(storage, row.storage_key, content_type=row.content_type, name=str(row.id))

"""Attachment routes: upload under the phone's id, list, download (or a presigned redirect)."""

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, File, Request, Response, UploadFile
from pydantic import BaseModel

from backend.core.db import SessionDep
from backend.core.errors import Forbidden, NotFound
from backend.core.pagination import Page, PageDep, page_of, stamp
from backend.incidents import attachments, transitions
from backend.incidents.attachments import TooLarge
from backend.incidents.deps import (
    LockedIncident,
    SealerDep,
    SettingsDep,
    StorageDep,
    VisibleIncident,
)
from backend.incidents.journal import audit
from backend.incidents.storage import download
from backend.incidents.views import is_reporter, sensitive_persons
from backend.models import utcnow
from backend.models.incident import IncidentAttachment
from backend.policy import Subject
from backend.policy.deps import CurrentSubject, allowed
from backend.policy.incidents import view_kind

router = APIRouter(prefix="/api/v1/incidents/{incident_id}/attachments", tags=["incidents"])
Attacher = Annotated[Subject, allowed("incident.attach")]
CHUNK = 256 * 1024


class AttachmentRead(BaseModel):
    """An attachment; a withheld one shows only that it exists (id, kind): its hash, size,
    type and time could match a photo someone holds to the person who sent it."""

    id: uuid.UUID
    incident_id: uuid.UUID
    kind: str
    content_type: str | None
    size_bytes: int | None
    sha256: str | None
    metadata_stripped: bool | None
    created_at: datetime | None
    withheld: bool = False
    download_url: str | None = None


WITHHELD_FIELDS = ("content_type", "size_bytes", "sha256", "metadata_stripped", "created_at")


async def _withheld(session, incident, subject, sealer) -> bool:
    """Photos and voices of sensitive cases identify people: the union/team view goes without."""
    view = view_kind(subject, is_reporter=is_reporter(incident, subject, sealer))
    return view in ("union", "team") and await sensitive_persons(session, incident)


def _api_url(request: Request, row: IncidentAttachment) -> str:
    return str(
        request.url_for(
            "incidents-attachment-content", incident_id=row.incident_id, attachment_id=row.id
        ).path
    )


async def _read_capped(upload: UploadFile, limit: int) -> bytes:
    chunks, size = [], 0
    while chunk := await upload.read(CHUNK):
        size += len(chunk)
        if size > limit:
            raise TooLarge(max_bytes=limit)
        chunks.append(chunk)
    return b"".join(chunks)


@router.put(
    "/{attachment_id}",
    name="incidents-attachment-put",
    response_model=AttachmentRead,
    responses={201: {"model": AttachmentRead, "description": "stored"}},
)
async def put_attachment(
    request: Request,
    session: SessionDep,
    incident: LockedIncident,  # scope first: outsiders get 404, not 403
    subject: Attacher,
    sealer: SealerDep,
    settings: SettingsDep,
    storage: StorageDep,
    attachment_id: uuid.UUID,
    file: Annotated[UploadFile, File(description="a photo or a voice note")],
    response: Response,
):
    """Upload a photo or audio under the phone's UUID (201; identical re-send 200). The type
    is sniffed from the bytes; photos of protected reporters lose EXIF/GPS before storage."""
    data = await _read_capped(file, settings.attachment_max_bytes)
    row, created = await attachments.add_attachment(
        session,
        incident=incident,
        actor=transitions.actor_for(subject, incident, sealer),
        attachment_id=attachment_id,
        data=data,
        storage=storage,
        settings=settings,
        now=utcnow(),
    )
    response.status_code = 201 if created else 200
    return AttachmentRead.model_validate(row, from_attributes=True).model_copy(
        update={"download_url": _api_url(request, row)}
    )


@router.get("", name="incidents-attachments-list", response_model=Page[AttachmentRead])
async def list_attachments(
    request: Request,
    session: SessionDep,
    incident: VisibleIncident,  # scope first: outsiders get 404, not 403
    subject: CurrentSubject,
    sealer: SealerDep,
    page: PageDep,
):
    """The incident's attachments; `withheld` ones are not downloadable in this view."""
    withheld = await _withheld(session, incident, subject, sealer)
    hidden = dict.fromkeys(WITHHELD_FIELDS) if withheld else {}
    reads = [
        AttachmentRead.model_validate(row, from_attributes=True).model_copy(
            update={
                "withheld": withheld,
                "download_url": None if withheld else _api_url(request, row),
                **hidden,
            }
        )
        for row in await attachments.list_attachments(session, incident)
    ]
    return page_of(
        reads,
        cursor=page.cursor,
        limit=page.limit,
        key=lambda a: (stamp(a.created_at) if a.created_at else "", str(a.id)),
    )


@router.get("/{attachment_id}/content", name="incidents-attachment-content")
async def attachment_content(
    session: SessionDep,
    incident: VisibleIncident,  # scope first: outsiders get 404, not 403
    subject: CurrentSubject,
    sealer: SealerDep,
    storage: StorageDep,
    attachment_id: uuid.UUID,
):
    """The bytes (local storage) or a 307 to a short-lived presigned URL (S3). Audited."""
    row = await session.get(IncidentAttachment, attachment_id)
    if row is None or row.incident_id != incident.id:
        raise NotFound()
    if await _withheld(session, incident, subject, sealer):
        raise Forbidden()
    await audit(
        session,
        actor=transitions.actor_for(subject, incident, sealer),
        action="incident.attachment.read",
        incident=incident,
        detail={"attachment_id": str(row.id)},
    )
    return await download(storage, row.storage_key, content_type=row.content_type, name=str(row.id))

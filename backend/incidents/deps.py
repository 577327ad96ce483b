"""Request dependencies of the incidents domain: settings, sealer, storage, the incident loaded."""

import uuid
from typing import Annotated

from fastapi import Depends, Request

from backend.core.config import Settings
from backend.core.db import SessionDep
from backend.incidents.sealing import Sealer, sealer_for
from backend.incidents.storage import Storage, storage_for
from backend.models.incident import Incident
from backend.policy import get_visible
from backend.policy.deps import CurrentSubject


async def _settings(request: Request) -> Settings:
    return request.app.state.settings


async def _sealer(request: Request) -> Sealer:
    return sealer_for(request.app.state.settings)


async def _storage(request: Request) -> Storage:
    return storage_for(request.app.state.settings)


SettingsDep = Annotated[Settings, Depends(_settings)]
SealerDep = Annotated[Sealer, Depends(_sealer)]
StorageDep = Annotated[Storage, Depends(_storage)]


async def valid_incident_id(
    session: SessionDep, subject: CurrentSubject, incident_id: uuid.UUID
) -> Incident:
    """The incident, if the caller may see it; 404 otherwise (its existence does not leak)."""
    return await get_visible(session, subject, Incident, incident_id)


VisibleIncident = Annotated[Incident, Depends(valid_incident_id)]


async def locked_incident_id(
    session: SessionDep, subject: CurrentSubject, incident_id: uuid.UUID
) -> Incident:
    """The incident (404 outside scope), row-locked for this request's changes on PostgreSQL.

    Two officers acting at once are serialised: the second sees the first one's result, so
    a state check never passes on a stale status.
    """
    incident = await get_visible(session, subject, Incident, incident_id)
    await session.refresh(incident, with_for_update=True)
    return incident


LockedIncident = Annotated[Incident, Depends(locked_incident_id)]

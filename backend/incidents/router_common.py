"""What the incident routes share: the answer for one incident in the caller's view."""

from fastapi import Response
from sqlalchemy.ext.asyncio import AsyncSession

from backend.core.etag import set_etag
from backend.incidents import transitions
from backend.incidents.schemas import IncidentRead, IncidentState
from backend.incidents.sealing import Sealer
from backend.incidents.views import render
from backend.models.incident import Incident
from backend.policy import Subject


async def read_incident(
    session: AsyncSession,
    incident: Incident,
    subject: Subject,
    sealer: Sealer,
    response: Response,
    *,
    current: object = transitions.UNKNOWN,
    caller_account=None,
) -> IncidentRead:
    """The incident in the caller's view, with the moves open to them and its ETag
    (``current``: its open escalation when the caller knows it, saving a query)."""
    options = await transitions.options_for(
        session, incident=incident, subject=subject, sealer=sealer, current=current
    )
    set_etag(response, incident.version)
    return await render(
        session,
        incident=incident,
        subject=subject,
        sealer=sealer,
        allowed_transitions=options,
        caller_account=caller_account,
    )


async def incident_state(
    session: AsyncSession, incident: Incident, subject: Subject, sealer: Sealer
) -> IncidentState:
    """The incident's state and the caller's next moves, without any sensitive field."""
    options = await transitions.options_for(
        session, incident=incident, subject=subject, sealer=sealer
    )
    return IncidentState.model_validate({**incident.model_dump(), "allowed_transitions": options})

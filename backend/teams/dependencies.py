"""Route dependencies: load the team or member named in the path, checked by the policy layer.

Order matters: visibility first (404 outside scope, whatever the caller's role, so nothing
leaks), then the role check (403), then management of the visible team (403).
"""

import uuid
from typing import Annotated

from fastapi import Depends
from pydantic import BaseModel

from backend.core.db import SessionDep
from backend.core.errors import NotFound, PreconditionFailed
from backend.core.etag import check_if_match, etag_for
from backend.models import Team, TeamMember
from backend.policy import Subject, authorize, get_visible
from backend.policy.deps import CurrentSubject
from backend.policy.registry import require_team_manager


async def valid_team_id(session: SessionDep, subject: CurrentSubject, team_id: uuid.UUID) -> Team:
    """The live team in the path, if the caller may see it."""
    return await get_visible(session, subject, Team, team_id)


VisibleTeam = Annotated[Team, Depends(valid_team_id)]


def managed_team(action: str):
    """A dependency: the path's team, which the caller may see, may ``action`` and manages."""

    async def _load(session: SessionDep, subject: CurrentSubject, team_id: uuid.UUID) -> Team:
        team = await get_visible(session, subject, Team, team_id)
        authorize(subject, action)
        await require_team_manager(session, subject, team)
        return team

    return Depends(_load)


def acting(action: str):
    """The caller as a Subject, after the role check for ``action``."""

    async def _check(subject: CurrentSubject) -> Subject:
        authorize(subject, action)
        return subject

    return Depends(_check)


async def valid_member_id(
    session: SessionDep, subject: CurrentSubject, team: VisibleTeam, member_id: uuid.UUID
) -> TeamMember:
    """The live member in the path, of the team in the path."""
    member = await get_visible(session, subject, TeamMember, member_id)
    if member.team_id != team.id:
        raise NotFound()
    return member


VisibleMember = Annotated[TeamMember, Depends(valid_member_id)]


def require_version(if_match: str | None, version: int, current: BaseModel) -> None:
    """If-Match check whose 412 carries the current ETag and representation to merge with."""
    try:
        check_if_match(if_match, version)
    except PreconditionFailed as exc:
        exc.headers["ETag"] = etag_for(version)
        exc.extra["current"] = current.model_dump(mode="json")
        raise

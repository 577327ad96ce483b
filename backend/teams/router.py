"""Team routes: teams, members, covered houses, police jurisdictions."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from backend.core.db import SessionDep
from backend.core.etag import IfMatch, set_etag
from backend.core.pagination import Page, PageDep, decode_keys, encode_cursor
from backend.core.routing import GuardedRouter
from backend.models import Team
from backend.policy import Subject
from backend.policy.deps import CurrentSubject
from backend.teams import service
from backend.teams.coverage_router import router as coverage_router
from backend.teams.dependencies import VisibleTeam, acting, managed_team, require_version
from backend.teams.jurisdictions_router import router as jurisdictions_router
from backend.teams.members_router import people_router
from backend.teams.members_router import router as members_router
from backend.teams.schemas import TeamCreate, TeamRead, TeamStatus, TeamUpdate

router = GuardedRouter(prefix="/api/v1")
teams = APIRouter(prefix="/teams", tags=["teams"])

Writer = Annotated[Subject, acting("team.write")]
ManagedTeam = Annotated[Team, managed_team("team.write")]
Reason = Annotated[str, Query(min_length=3, max_length=500, description="why it is deleted")]


def _read(team: Team) -> TeamRead:
    return TeamRead.model_validate(team, from_attributes=True)


@teams.get("", name="teams-list", response_model=Page[TeamRead])
async def list_teams(
    session: SessionDep,
    subject: CurrentSubject,
    page: PageDep,
    q: Annotated[
        str | None, Query(max_length=100, description="name or code, diacritics ignored")
    ] = None,
    status: TeamStatus | None = None,
    union_unit_id: Annotated[
        uuid.UUID | None, Query(description="a union unit: teams in its subtree")
    ] = None,
    admin_unit_id: Annotated[
        uuid.UUID | None, Query(description="an admin unit: teams in its subtree")
    ] = None,
    house_id: Annotated[uuid.UUID | None, Query(description="teams covering this house")] = None,
) -> Page[TeamRead]:
    """Self-management teams (tổ tự quản) the caller may see, by name."""
    after = decode_keys(page.cursor, str, uuid.UUID)
    rows = await service.list_teams(
        session,
        subject=subject,
        q=q,
        status=status,
        union_unit_id=union_unit_id,
        admin_unit_id=admin_unit_id,
        house_id=house_id,
        after=after,
        limit=page.limit + 1,
    )
    more = len(rows) > page.limit
    rows = rows[: page.limit]
    return Page(
        items=[_read(t) for t in rows],
        next_cursor=encode_cursor([rows[-1].name_search, str(rows[-1].id)]) if more else None,
    )


@teams.post("", name="teams-create", response_model=TeamRead, status_code=201)
async def create_team(
    session: SessionDep, subject: Writer, body: TeamCreate, response: Response
) -> TeamRead:
    """Create a self-management team (tổ tự quản) under a grassroots union unit in the caller's
    subtree."""
    team = await service.create_team(session, actor=subject, **body.model_dump())
    set_etag(response, team.version)
    return _read(team)


@teams.get("/{team_id}", name="teams-get", response_model=TeamRead)
async def get_team(team: VisibleTeam, response: Response) -> TeamRead:
    """One team, with its ETag."""
    set_etag(response, team.version)
    return _read(team)


@teams.patch("/{team_id}", name="teams-update", response_model=TeamRead)
async def update_team(
    session: SessionDep,
    subject: CurrentSubject,
    team: ManagedTeam,
    body: TeamUpdate,
    response: Response,
    if_match: IfMatch = None,
) -> TeamRead:
    """Change a team (If-Match required; a stale one answers 412 with the current team)."""
    require_version(if_match, team.version, _read(team))
    team = await service.update_team(
        session, actor=subject, team=team, **body.model_dump(exclude_unset=True)
    )
    set_etag(response, team.version)
    return _read(team)


@teams.delete("/{team_id}", name="teams-delete", status_code=status.HTTP_204_NO_CONTENT)
async def delete_team(
    session: SessionDep,
    subject: CurrentSubject,
    team: ManagedTeam,
    reason: Reason,
    if_match: IfMatch = None,
) -> Response:
    """Soft-delete a team with a reason; its coverage and memberships end today."""
    require_version(if_match, team.version, _read(team))
    await service.delete_team(session, actor=subject, team=team, reason=reason)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


teams.include_router(members_router)
teams.include_router(coverage_router)
router.include_router(teams)
router.include_router(people_router)
router.include_router(jurisdictions_router)

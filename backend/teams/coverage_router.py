"""Routes for the houses a team covers."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from backend.core.db import SessionDep
from backend.core.pagination import Page, PageDep, decode_keys, encode_cursor
from backend.models import BoardingHouse, Team, TeamHouse
from backend.policy.deps import CurrentSubject
from backend.teams import coverage as service
from backend.teams.dependencies import VisibleTeam, managed_team
from backend.teams.schemas import CoverageAdd, CoverageEnd, CoverageRead, HouseBrief

router = APIRouter(prefix="/{team_id}/houses")
ManagingTeam = Annotated[Team, managed_team("team.houses.write")]


def _read(coverage: TeamHouse, house: BoardingHouse | None = None) -> CoverageRead:
    brief = HouseBrief.model_validate(house, from_attributes=True) if house else None
    return CoverageRead.model_validate(coverage, from_attributes=True).model_copy(
        update={"house": brief}
    )


@router.get("", name="team-houses-list", response_model=Page[CoverageRead])
async def list_houses(
    session: SessionDep,
    subject: CurrentSubject,
    team: VisibleTeam,
    page: PageDep,
    include_ended: Annotated[bool, Query(description="also past coverage")] = False,
) -> Page[CoverageRead]:
    """The houses a team covers (today, or ever with `include_ended`)."""
    after = decode_keys(page.cursor, uuid.UUID)
    rows = await service.list_coverage(
        session,
        subject=subject,
        team=team,
        include_ended=include_ended,
        after=after[0] if after else None,
        limit=page.limit + 1,
    )
    more = len(rows) > page.limit
    rows = rows[: page.limit]
    return Page(
        items=[_read(c, h) for c, h in rows],
        next_cursor=encode_cursor([str(rows[-1][0].id)]) if more else None,
    )


@router.post("", name="team-houses-add", response_model=CoverageRead, status_code=201)
async def add_house(
    session: SessionDep, team: ManagingTeam, subject: CurrentSubject, body: CoverageAdd
) -> CoverageRead:
    """Add a house to the team's list (one the caller sees, or any in the team's area)."""
    coverage = await service.add_house(
        session, actor=subject, team=team, house_id=body.house_id, since=body.since
    )
    return _read(coverage, await session.get(BoardingHouse, coverage.house_id))


@router.post("/{house_id}/end", name="team-houses-end", response_model=CoverageRead)
async def end_house(
    session: SessionDep,
    team: ManagingTeam,
    subject: CurrentSubject,
    house_id: uuid.UUID,
    body: CoverageEnd | None = None,
) -> CoverageRead:
    """Stop covering a house (from `until`, default today); phones drop it at their next sync."""
    coverage = await service.end_house(
        session, actor=subject, team=team, house_id=house_id, until=body.until if body else None
    )
    return _read(coverage)

"""Member routes: a team's list of people, and a search for people across visible teams."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from backend.audit.service import record_personal_read
from backend.core.db import SessionDep
from backend.core.etag import IfMatch, set_etag
from backend.core.pagination import Page, PageDep, decode_keys, encode_cursor
from backend.models import Team, TeamMember
from backend.policy.deps import CurrentSubject
from backend.teams import members as service
from backend.teams.dependencies import VisibleMember, VisibleTeam, managed_team, require_version
from backend.teams.schemas import MemberCreate, MemberRead, MemberUpdate, TeamRole

router = APIRouter(prefix="/{team_id}/members")
people_router = APIRouter(prefix="/team-members", tags=["teams"])

ManagingTeam = Annotated[Team, managed_team("team.members.write")]
Search = Annotated[
    str | None,
    Query(max_length=100, description="name (diacritics ignored) or a whole phone number"),
]
Reason = Annotated[str, Query(min_length=3, max_length=500, description="why it is deleted")]


def _read(member: TeamMember) -> MemberRead:
    return MemberRead.model_validate(member, from_attributes=True)


async def _log_phones(session, subject, rows: list[TeamMember]) -> None:
    # Other people's phone numbers were read: that read is logged (one record per answer).
    others = [m.id for m in rows if m.phone and m.user_id != subject.user_id]
    await record_personal_read(
        session, actor=subject, object_type="team_member", ids=others, fields=["phone"]
    )


def _page(rows: list[TeamMember], limit: int) -> Page[MemberRead]:
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(
        items=[_read(m) for m in rows],
        next_cursor=encode_cursor([rows[-1].name_search, str(rows[-1].id)]) if more else None,
    )


@router.get("", name="team-members-list", response_model=Page[MemberRead])
async def list_members(
    session: SessionDep,
    subject: CurrentSubject,
    team: VisibleTeam,
    page: PageDep,
    q: Search = None,
    role: TeamRole | None = None,
    current: Annotated[bool, Query(description="only memberships in effect today")] = False,
) -> Page[MemberRead]:
    """A team's members (tổ viên) by name (ended ones too unless `current`)."""
    rows = await service.list_members(
        session,
        subject=subject,
        team_id=team.id,
        q=q,
        role=role,
        current_only=current,
        after=decode_keys(page.cursor, str, uuid.UUID),
        limit=page.limit + 1,
    )
    await _log_phones(session, subject, rows[: page.limit])
    return _page(rows, page.limit)


@router.post("", name="team-members-create", response_model=MemberRead, status_code=201)
async def create_member(
    session: SessionDep,
    team: ManagingTeam,
    subject: CurrentSubject,
    body: MemberCreate,
    response: Response,
) -> MemberRead:
    """Add a person (an account, or a name and phone) to the team."""
    member = await service.add_member(session, actor=subject, team=team, **body.model_dump())
    set_etag(response, member.version)
    return _read(member)


@router.get("/{member_id}", name="team-members-get", response_model=MemberRead)
async def get_member(
    session: SessionDep, subject: CurrentSubject, member: VisibleMember, response: Response
) -> MemberRead:
    """One membership, with its ETag."""
    await _log_phones(session, subject, [member])
    set_etag(response, member.version)
    return _read(member)


@router.patch("/{member_id}", name="team-members-update", response_model=MemberRead)
async def update_member(
    session: SessionDep,
    team: ManagingTeam,
    subject: CurrentSubject,
    member: VisibleMember,
    body: MemberUpdate,
    response: Response,
    if_match: IfMatch = None,
) -> MemberRead:
    """Change a membership; set `until` to record that someone left (If-Match required)."""
    require_version(if_match, member.version, _read(member))
    member = await service.update_member(
        session, actor=subject, member=member, **body.model_dump(exclude_unset=True)
    )
    set_etag(response, member.version)
    return _read(member)


@router.delete("/{member_id}", name="team-members-delete", status_code=status.HTTP_204_NO_CONTENT)
async def delete_member(
    session: SessionDep,
    team: ManagingTeam,
    subject: CurrentSubject,
    member: VisibleMember,
    reason: Reason,
    if_match: IfMatch = None,
) -> Response:
    """Soft-delete a membership entered by mistake, with a reason (If-Match required)."""
    require_version(if_match, member.version, _read(member))
    await service.delete_member(session, actor=subject, member=member, reason=reason)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@people_router.get("", name="team-members-search", response_model=Page[MemberRead])
async def search_members(
    session: SessionDep,
    subject: CurrentSubject,
    page: PageDep,
    q: Search = None,
    role: TeamRole | None = None,
    current: Annotated[bool, Query(description="only memberships in effect today")] = False,
) -> Page[MemberRead]:
    """People on every team the caller may see, by name."""
    rows = await service.list_members(
        session,
        subject=subject,
        q=q,
        role=role,
        current_only=current,
        after=decode_keys(page.cursor, str, uuid.UUID),
        limit=page.limit + 1,
    )
    await _log_phones(session, subject, rows[: page.limit])
    return _page(rows, page.limit)

"""The houses a team covers, over periods: add a house, end its coverage, list.

``until`` is the first day a house is no longer covered and is never in the future: a
coverage that lapsed on its own at midnight would leave no change-log entry, and phones would
keep a house they no longer cover. To stop covering from tomorrow, end it tomorrow.
"""

import uuid
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.audit.service import record, snapshot
from backend.core import clock
from backend.core.errors import NotFound
from backend.models import AdminUnit, BoardingHouse, Site, Team, TeamHouse
from backend.policy import Subject, scoped
from backend.policy.registry import attachable_house_rule, current_period
from backend.sync.changes import record_changes
from backend.teams.validation import check_not_future, check_period, conflict, invalid


async def _house_with_site(session: AsyncSession, house: BoardingHouse) -> list:
    site = await session.get(Site, house.site_id) if house.site_id else None
    return [house, site] if site is not None else [house]


async def _attachable_house(
    session: AsyncSession, *, actor: Subject | None, team: Team, house_id: uuid.UUID
) -> BoardingHouse:
    stmt = select(BoardingHouse).where(
        BoardingHouse.id == house_id, BoardingHouse.deleted_at.is_(None)
    )
    if actor is not None:
        area = await session.scalar(
            select(AdminUnit.path).where(AdminUnit.id == team.admin_unit_id)
        )
        stmt = stmt.where(attachable_house_rule(actor, area or "/-/"))
    house = (await session.scalars(stmt)).first()
    if house is None:
        raise invalid("unknown_house", "house_id")
    return house


async def current_coverage(
    session: AsyncSession, *, team_id: uuid.UUID, house_id: uuid.UUID
) -> TeamHouse | None:
    """The team's coverage of the house in effect today, if any."""
    stmt = select(TeamHouse).where(
        TeamHouse.team_id == team_id, TeamHouse.house_id == house_id, current_period(TeamHouse)
    )
    return (await session.scalars(stmt)).first()


async def add_house(
    session: AsyncSession,
    *,
    actor: Subject | None,
    team: Team,
    house_id: uuid.UUID,
    since: date | None = None,
    until: date | None = None,
) -> TeamHouse:
    """Put a house on a team's list (``until`` only for recording past coverage)."""
    if team.deleted_at is not None:
        raise invalid("team_deleted", "team_id")
    house = await _attachable_house(session, actor=actor, team=team, house_id=house_id)
    since = since or clock.today()
    # The policy layer reads only ``until``: a coverage starting later would be live already.
    check_not_future(since, "since", code="since_in_future")
    check_period(since, until)
    check_not_future(until, "until", code="until_in_future")
    if until is None and await current_coverage(session, team_id=team.id, house_id=house.id):
        raise conflict("already_covered", "house_id")
    coverage = TeamHouse(team_id=team.id, house_id=house.id, since=since, until=until)
    session.add(coverage)
    # The house (and its site) now reach the team's phones and the team's union.
    await record_changes(session, objs=await _house_with_site(session, house))
    await record(
        session,
        actor=actor,
        action="team_house.add",
        object_type="team_house",
        object_id=coverage.id,
        after=snapshot(coverage),
    )
    return coverage


async def end_house(
    session: AsyncSession,
    *,
    actor: Subject | None,
    team: Team,
    house_id: uuid.UUID,
    until: date | None = None,
) -> TeamHouse:
    """End a team's current coverage of a house (``until`` defaults to today)."""
    coverage = await current_coverage(session, team_id=team.id, house_id=house_id)
    if coverage is None:
        raise NotFound(code="not_covered")
    until = until or clock.today()
    check_not_future(until, "until", code="until_in_future")
    check_period(coverage.since, until)
    before = snapshot(coverage)
    house = await session.get(BoardingHouse, house_id)
    touched = await _house_with_site(session, house) if house is not None else []
    # Stamped before: the team's phones and union get a tombstone if the house leaves them.
    await record_changes(session, objs=touched)
    coverage.until = until
    session.add(coverage)
    await record_changes(session, objs=touched)
    await record(
        session,
        actor=actor,
        action="team_house.end",
        object_type="team_house",
        object_id=coverage.id,
        before=before,
        after=snapshot(coverage),
    )
    return coverage


async def list_coverage(
    session: AsyncSession,
    *,
    subject: Subject,
    team: Team,
    include_ended: bool = False,
    after: uuid.UUID | None = None,
    limit: int,
) -> list[tuple[TeamHouse, BoardingHouse | None]]:
    """A team's coverage rows by id, each with its house when the subject may see the house."""
    live_houses = select(BoardingHouse.id).where(BoardingHouse.deleted_at.is_(None))
    stmt = select(TeamHouse).where(
        TeamHouse.team_id == team.id, TeamHouse.house_id.in_(live_houses)
    )
    if not include_ended:
        stmt = stmt.where(current_period(TeamHouse))
    if after is not None:
        stmt = stmt.where(TeamHouse.id > after)
    rows = list((await session.scalars(stmt.order_by(TeamHouse.id).limit(limit))).all())
    house_ids = {r.house_id for r in rows}
    houses = {
        h.id: h
        for h in await session.scalars(
            scoped(select(BoardingHouse), subject, BoardingHouse).where(
                BoardingHouse.id.in_(house_ids), BoardingHouse.deleted_at.is_(None)
            )
        )
    }
    return [(r, houses.get(r.house_id)) for r in rows]

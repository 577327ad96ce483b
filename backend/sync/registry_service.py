"""The phones' offline registry cache: a snapshot first, then changes since a cursor.

Protocol (see README, "Sync protocol"):

- No cursor, or a cursor issued for another scope than the caller has now (they joined or left a
  team, got a new jurisdiction…): a paginated **snapshot** of everything visible, ``reset=true``
  on its first page. Its pages carry a snapshot cursor that pins the change-log high-water mark
  read *before* the first page; the last page hands out an incremental cursor at that mark, so
  whatever changed while the snapshot was being paged is sent again afterwards, never missed.
- An incremental cursor: the change-log rows after it whose scope stamp the caller's scope
  covers; for each object the current row when the caller may see it, else a tombstone. An
  object never stamped in the caller's scope is never mentioned.
"""

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.core.errors import Invalid
from backend.core.pagination import decode_cursor, encode_cursor
from backend.models import (
    BoardingHouse,
    RegistryChange,
    Site,
    SiteAdminUnit,
    Team,
    TeamHouse,
    TeamMember,
)
from backend.policy import Subject, scoped
from backend.policy.registry import current_period
from backend.sync.changes import high_water_mark

SYNC_LIMIT_DEFAULT = 500
SYNC_LIMIT_MAX = 1000
# Change-log rows read per page, per object asked for (an object has a few scope stamps).
ROWS_PER_OBJECT = 4
PHASES: tuple[tuple[str, Any], ...] = (
    ("site", Site),
    ("boarding_house", BoardingHouse),
    ("team", Team),
    ("team_member", TeamMember),
)
MODELS = dict(PHASES)


@dataclass
class SyncResult:
    reset: bool
    objects: dict[str, list[Any]] = field(default_factory=lambda: {t: [] for t, _ in PHASES})
    tombstones: list[tuple[str, uuid.UUID]] = field(default_factory=list)
    house_teams: dict[uuid.UUID, list[uuid.UUID]] = field(default_factory=dict)
    site_units: dict[uuid.UUID, list[uuid.UUID]] = field(default_factory=dict)
    next_cursor: str = ""
    has_more: bool = False


def scope_key(subject: Subject) -> str:
    """A fingerprint of what the caller may see; a cursor is only good for the same one."""
    raw = json.dumps(
        [
            str(subject.user_id),
            str(subject.role),
            sorted(subject.union_paths),
            sorted(subject.admin_paths),
            sorted(str(t) for t in subject.team_ids),
            sorted(str(s) for s in subject.site_ids),
        ]
    )
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def _parse(cursor: str | None) -> tuple[str, list[Any]] | None:
    """("inc", [change_id, key]) or ("snap", [mark, key, phase, after_id]); a bad one is a 422."""
    values = decode_cursor(cursor)
    if values is None:
        return None
    try:
        kind, *rest = values
        if kind == "i" and len(rest) == 2:
            return "inc", [int(rest[0]), str(rest[1])]
        if kind == "s" and len(rest) == 4:
            after = uuid.UUID(rest[3]) if rest[3] else None
            phase = int(rest[2])
            if 0 <= phase < len(PHASES):
                return "snap", [int(rest[0]), str(rest[1]), phase, after]
    except (ValueError, TypeError, AttributeError):
        pass
    raise Invalid(code="invalid_cursor", errors=[{"field": "since", "code": "invalid_cursor"}])


def _live_visible(subject: Subject, model):
    return scoped(select(model), subject, model).where(model.deleted_at.is_(None))


async def _snapshot(
    session: AsyncSession,
    subject: Subject,
    *,
    key: str,
    mark: int,
    phase: int,
    after: uuid.UUID | None,
    limit: int,
    reset: bool,
) -> SyncResult:
    result = SyncResult(reset=reset)
    room = limit
    while phase < len(PHASES) and room > 0:
        type_, model = PHASES[phase]
        stmt = _live_visible(subject, model)
        if after is not None:
            stmt = stmt.where(model.id > after)
        rows = list((await session.scalars(stmt.order_by(model.id).limit(room + 1))).all())
        if len(rows) > room:
            result.objects[type_] = rows[:room]
            after = rows[room - 1].id
            room = 0
            break
        result.objects[type_] = rows
        room -= len(rows)
        phase, after = phase + 1, None
    if phase < len(PHASES):
        result.next_cursor = encode_cursor(["s", mark, key, phase, str(after) if after else ""])
        result.has_more = True
    else:
        result.next_cursor = encode_cursor(["i", mark, key])
        result.has_more = await high_water_mark(session) > mark
    return result


async def _changes(
    session: AsyncSession, subject: Subject, *, key: str, since: int, limit: int
) -> SyncResult:
    mark = await high_water_mark(session)
    fetch = limit * ROWS_PER_OBJECT
    stmt = (
        scoped(
            select(RegistryChange.id, RegistryChange.object_type, RegistryChange.object_id),
            subject,
            RegistryChange,
        )
        .where(RegistryChange.id > since, RegistryChange.id <= mark)
        .order_by(RegistryChange.id)
        .limit(fetch)
    )
    rows = (await session.execute(stmt)).all()
    picked: dict[tuple[str, uuid.UUID], None] = {}
    last, cut = since, len(rows) == fetch
    for change_id, object_type, object_id in rows:
        if (object_type, object_id) not in picked and len(picked) == limit:
            cut = True
            break
        picked[(object_type, object_id)] = None
        last = change_id
    result = SyncResult(reset=False, has_more=cut)
    result.next_cursor = encode_cursor(["i", last if cut else mark, key])
    for type_, model in PHASES:
        ids = {object_id for t, object_id in picked if t == type_}
        if not ids:
            continue
        found = list(await session.scalars(_live_visible(subject, model).where(model.id.in_(ids))))
        result.objects[type_] = found
        seen = {o.id for o in found}
        result.tombstones += [(type_, i) for t, i in picked if t == type_ and i not in seen]
    return result


async def _decorate(session: AsyncSession, subject: Subject, result: SyncResult) -> None:
    """Add what the rows alone lack: covering teams of houses, admin units of sites."""
    house_ids = [h.id for h in result.objects["boarding_house"]]
    if house_ids:
        stmt = select(TeamHouse.house_id, TeamHouse.team_id).where(
            TeamHouse.house_id.in_(house_ids),
            current_period(TeamHouse),
            TeamHouse.team_id.in_(select(Team.id).where(Team.deleted_at.is_(None))),
        )
        if not subject.sees_everything:
            stmt = stmt.where(
                TeamHouse.team_id.in_(_live_visible(subject, Team).with_only_columns(Team.id))
            )
        for house_id, team_id in (await session.execute(stmt)).all():
            result.house_teams.setdefault(house_id, []).append(team_id)
    site_ids = [s.id for s in result.objects["site"]]
    if site_ids:
        rows = await session.execute(
            select(SiteAdminUnit.site_id, SiteAdminUnit.admin_unit_id).where(
                SiteAdminUnit.site_id.in_(site_ids)
            )
        )
        for site_id, unit_id in rows.all():
            result.site_units.setdefault(site_id, []).append(unit_id)


async def sync_registry(
    session: AsyncSession, *, subject: Subject, cursor: str | None, limit: int
) -> SyncResult:
    """One page of the caller's registry cache: snapshot or changes, with the next cursor."""
    limit = max(1, min(limit, SYNC_LIMIT_MAX))
    key = scope_key(subject)
    parsed = _parse(cursor)
    if parsed is not None and parsed[1][1] == key:
        kind, values = parsed
        if kind == "inc":
            result = await _changes(session, subject, key=key, since=values[0], limit=limit)
        else:
            mark, _, phase, after = values
            result = await _snapshot(
                session,
                subject,
                key=key,
                mark=mark,
                phase=phase,
                after=after,
                limit=limit,
                reset=False,
            )
    else:
        # The mark is read before any row: changes committed after it are sent again later.
        mark = await high_water_mark(session)
        result = await _snapshot(
            session, subject, key=key, mark=mark, phase=0, after=None, limit=limit, reset=True
        )
    await _decorate(session, subject, result)
    return result

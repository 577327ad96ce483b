"""List queries for sites, enterprises and houses: scope, filters, search, keyset order.

One code path feeds the JSON lists, the GeoJSON outputs and the QR printout, so a filter
means the same everywhere. Rows come in (name_search, id) order; the cursor is that pair.
"""

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, bindparam, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.core.errors import NotFound
from backend.core.pagination import decode_keys, encode_cursor
from backend.core.text import fold
from backend.models import AdminUnit, BoardingHouse, Enterprise, Site, Team, TeamHouse, UnionUnit
from backend.policy import Subject, scoped, visible
from backend.policy.registry import admin_subtree, current_period, union_subtree
from backend.registry.validation import BBox


@dataclass(frozen=True)
class Filters:
    """What a list may be narrowed by (every field optional). A unit or team the caller
    cannot see answers 404, as if it did not exist."""

    q: str | None = None
    admin_unit_id: uuid.UUID | None = None
    union_unit_id: uuid.UUID | None = None
    site_id: uuid.UUID | None = None
    team_id: uuid.UUID | None = None
    status: str | None = None
    kind: str | None = None
    bbox: BBox | None = None


def decode_after(cursor: str | None) -> tuple[str, uuid.UUID] | None:
    """The (name_search, id) a cursor points after; a bad cursor is a 422."""
    return decode_keys(cursor, str, uuid.UUID)  # type: ignore[return-value]


def cursor_after(row: Any) -> str:
    return encode_cursor([row.name_search, str(row.id)])


def _escape_like(word: str) -> str:
    return word.replace("/", "//").replace("%", "/%").replace("_", "/_")


def search_clause(q: str, *columns) -> ColumnElement[bool]:
    """Every word of ``q`` (diacritics, case and đ/d ignored) appears in one of the columns.

    The patterns are rendered into the SQL text (``literal_execute``, quoted by SQLAlchemy),
    not sent as parameters: with a parameter PostgreSQL switches a prepared statement to a
    generic plan after five runs, which cannot see that a rare word makes the trigram index
    the fast path, and a 5 ms search became 400 ms over 100 000 houses.
    """
    words = fold(q).split()
    return and_(
        *(
            or_(
                *(
                    c.like(bindparam(None, f"%{_escape_like(w)}%", literal_execute=True), "/")
                    for c in columns
                )
            )
            for w in words
        )
    )


async def _unit_path(
    session: AsyncSession, subject: Subject, model: type, unit_id: uuid.UUID, field: str
) -> str:
    stmt = select(model.path).where(  # type: ignore[attr-defined]
        model.id == unit_id,  # type: ignore[attr-defined]
        model.deleted_at.is_(None),  # type: ignore[attr-defined]
        visible(subject, model),
    )
    path = await session.scalar(stmt)
    if path is None:
        raise NotFound(errors=[{"field": field, "code": "unknown_unit"}])
    return path


async def _check_team(session: AsyncSession, subject: Subject, team_id: uuid.UUID) -> None:
    stmt = select(Team.id).where(
        Team.id == team_id, Team.deleted_at.is_(None), visible(subject, Team)
    )
    if await session.scalar(stmt) is None:
        raise NotFound(errors=[{"field": "team_id", "code": "unknown_team"}])


def _covered_by(team_id: uuid.UUID, house_id_column) -> ColumnElement[bool]:
    return exists().where(
        TeamHouse.house_id == house_id_column,
        TeamHouse.team_id == team_id,
        current_period(TeamHouse),
    )


def _keyset(stmt: Select, model: Any, after: tuple[str, uuid.UUID] | None, limit: int) -> Select:
    if after is not None:
        name, row_id = after
        stmt = stmt.where(
            or_(model.name_search > name, and_(model.name_search == name, model.id > row_id))
        )
    return stmt.order_by(model.name_search, model.id).limit(limit)


async def _common(
    session: AsyncSession, subject: Subject, model: Any, filters: Filters
) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = [model.deleted_at.is_(None)]
    if filters.admin_unit_id:
        path = await _unit_path(session, subject, AdminUnit, filters.admin_unit_id, "admin_unit_id")
        clauses.append(admin_subtree(model, path))
    if filters.union_unit_id:
        path = await _unit_path(session, subject, UnionUnit, filters.union_unit_id, "union_unit_id")
        clauses.append(union_subtree(model, path))
    if filters.team_id:
        await _check_team(session, subject, filters.team_id)
    return clauses


async def house_query(session: AsyncSession, *, subject: Subject, filters: Filters) -> Select:
    """Visible live houses matching the filters (unordered, unlimited)."""
    stmt = scoped(select(BoardingHouse), subject, BoardingHouse)
    clauses = await _common(session, subject, BoardingHouse, filters)
    if filters.site_id:
        clauses.append(BoardingHouse.site_id == filters.site_id)
    if filters.team_id:
        clauses.append(_covered_by(filters.team_id, BoardingHouse.id))
    if filters.status:
        clauses.append(BoardingHouse.status == filters.status)
    if filters.bbox:
        b = filters.bbox
        clauses.append(BoardingHouse.lon.between(b.min_lon, b.max_lon))
        clauses.append(BoardingHouse.lat.between(b.min_lat, b.max_lat))
    if filters.q:
        words = search_clause(filters.q, BoardingHouse.name_search, BoardingHouse.address_search)
        clauses.append(or_(words, BoardingHouse.code == filters.q.strip()))
    return stmt.where(*clauses)


async def site_query(session: AsyncSession, *, subject: Subject, filters: Filters) -> Select:
    """Visible live sites matching the filters; ``bbox`` keeps sites whose extent overlaps it."""
    stmt = scoped(select(Site), subject, Site)
    clauses = await _common(session, subject, Site, filters)
    if filters.site_id:
        clauses.append(Site.id == filters.site_id)
    if filters.kind:
        clauses.append(Site.kind == filters.kind)
    if filters.team_id:
        clauses.append(
            exists().where(
                BoardingHouse.site_id == Site.id,
                BoardingHouse.deleted_at.is_(None),
                _covered_by(filters.team_id, BoardingHouse.id),
            )
        )
    if filters.bbox:
        b = filters.bbox
        clauses += [
            Site.max_lon >= b.min_lon,
            Site.min_lon <= b.max_lon,
            Site.max_lat >= b.min_lat,
            Site.min_lat <= b.max_lat,
        ]
    if filters.q:
        clauses.append(
            or_(search_clause(filters.q, Site.name_search), Site.code == filters.q.strip())
        )
    return stmt.where(*clauses)


async def enterprise_query(session: AsyncSession, *, subject: Subject, filters: Filters) -> Select:
    """Visible live enterprises matching the filters (``q`` also matches a tax code prefix)."""
    stmt = scoped(select(Enterprise), subject, Enterprise)
    clauses = await _common(session, subject, Enterprise, filters)
    if filters.site_id:
        clauses.append(Enterprise.site_id == filters.site_id)
    if filters.q:
        digits = "".join(ch for ch in filters.q if ch.isdigit() or ch == "-")
        by_tax = (
            Enterprise.tax_code.startswith(digits, autoescape=True) if len(digits) >= 3 else None
        )
        words = search_clause(filters.q, Enterprise.name_search)
        clauses.append(or_(words, by_tax) if by_tax is not None else words)
    return stmt.where(*clauses)


async def page(
    session: AsyncSession, stmt: Select, model: Any, *, cursor: str | None, limit: int
) -> tuple[list[Any], str | None]:
    """One keyset page of a query built above, and the cursor of the next (None at the end)."""
    rows = list(
        (await session.scalars(_keyset(stmt, model, decode_after(cursor), limit + 1))).all()
    )
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, cursor_after(rows[-1]) if more and rows else None

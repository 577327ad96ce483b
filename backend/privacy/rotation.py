"""Key rotation: reseal every sealed phone (and recompute its blind index) under the current keys.

Works on the raw columns (the sealed text, never the opened number, crosses the ORM), one
batch per transaction, so a rotation of a national database neither holds SQLite's write lock
nor a long PostgreSQL transaction. A row already under the current keys is skipped, so an
interrupted rotation is resumed by running it again, and a finished one does nothing. Each
update names the old sealed value: a number the application changed meanwhile (already
sealed under the current key) is left alone.

Incident seals (protected reporters, persons involved) are resealed the same way under the
current incident seal key, with the reporter's keyed ref recomputed.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.core.pii import Keyring, KeyUnavailable, index_key_id, split_sealed
from backend.incidents.sealing import Sealer

Progress = Callable[[str, int, int], None]  # (table, done, total)


@dataclass(frozen=True)
class SealedColumn:
    table: str
    name: str  # the logical column: "phone" (its seal is phone_sealed, its index phone_index)
    indexed: bool

    @property
    def context(self) -> str:
        return f"{self.table}.{self.name}"


SEALED_COLUMNS = (
    SealedColumn("user_account", "phone", True),
    SealedColumn("team_member", "phone", True),
    SealedColumn("boarding_house", "landlord_phone", True),
    SealedColumn("user_contact", "phone", True),
    SealedColumn("user_contact", "pending_phone", False),
)


@dataclass
class RotationReport:
    """Rows looked at, resealed and left unopened (no configured key), per column."""

    scanned: dict[str, int] = field(default_factory=dict)
    resealed: dict[str, int] = field(default_factory=dict)
    unavailable: dict[str, int] = field(default_factory=dict)

    def add(self, name: str, *, scanned: int = 0, resealed: int = 0, unavailable: int = 0):
        for counter, n in (
            (self.scanned, scanned),
            (self.resealed, resealed),
            (self.unavailable, unavailable),
        ):
            counter[name] = counter.get(name, 0) + n

    @property
    def total_resealed(self) -> int:
        return sum(self.resealed.values())

    @property
    def total_unavailable(self) -> int:
        return sum(self.unavailable.values())


def _stale(ring: Keyring, sealed: str, index: str | None, indexed: bool) -> bool:
    if split_sealed(sealed)[1] != ring.seal_key_id:
        return True
    return indexed and (index is None or index_key_id(index) != ring.index_key_id)


async def _count(session: AsyncSession, table: sa.TableClause, where) -> int:
    return int(await session.scalar(sa.select(sa.func.count()).select_from(table).where(where)))


async def _rotate_column(sessions, ring, col: SealedColumn, batch, report, progress) -> None:
    sealed_name, index_name = f"{col.name}_sealed", f"{col.name}_index"
    cols = [sa.column("id", sa.Uuid()), sa.column(sealed_name, sa.Text())]
    if col.indexed:
        cols.append(sa.column(index_name, sa.String()))
    t = sa.table(col.table, *cols)
    present = t.c[sealed_name].is_not(None)
    async with sessions() as session:
        total = await _count(session, t, present)
    after: uuid.UUID | None = None
    done = 0
    label = col.context
    report.add(label)
    while True:
        async with sessions() as session:
            stmt = sa.select(*t.c).where(present).order_by(t.c.id).limit(batch)
            if after is not None:
                stmt = stmt.where(t.c.id > after)
            rows = (await session.execute(stmt)).all()
            if not rows:
                break
            updates, unavailable = [], 0
            for row in rows:
                sealed = row[1]
                index = row[2] if col.indexed else None
                if not _stale(ring, sealed, index, col.indexed):
                    continue
                try:
                    phone = ring.open(sealed, context=col.context)
                except KeyUnavailable:
                    unavailable += 1
                    continue
                values = {"_id": row[0], "_old": sealed, sealed_name: sealed}
                if split_sealed(sealed)[1] != ring.seal_key_id:
                    values[sealed_name] = ring.seal(phone, context=col.context)
                if col.indexed:
                    values[index_name] = ring.index(phone)
                updates.append(values)
            if updates:
                names = [n for n in updates[0] if not n.startswith("_")]
                stmt = (
                    sa.update(t)
                    .where(
                        t.c.id == sa.bindparam("_id", type_=sa.Uuid()),
                        t.c[sealed_name] == sa.bindparam("_old"),
                    )
                    .values({n: sa.bindparam(n) for n in names})
                )
                await session.execute(stmt, updates)
            await session.commit()
        after = rows[-1][0]
        done += len(rows)
        report.add(label, scanned=len(rows), resealed=len(updates), unavailable=unavailable)
        if progress is not None:
            progress(label, done, total)


async def _rotate_incidents(sessions, sealer: Sealer, batch, report, progress) -> None:
    t = sa.table(
        "incident",
        sa.column("id", sa.Uuid()),
        sa.column("reporter_sealed", sa.Text()),
        sa.column("persons_sealed", sa.Text()),
        sa.column("reporter_ref", sa.String()),
    )
    present = sa.or_(t.c.reporter_sealed.is_not(None), t.c.persons_sealed.is_not(None))
    label = "incident.sealed"
    report.add(label)
    async with sessions() as session:
        total = await _count(session, t, present)
    after, done = None, 0
    while True:
        async with sessions() as session:
            stmt = sa.select(*t.c).where(present).order_by(t.c.id).limit(batch)
            if after is not None:
                stmt = stmt.where(t.c.id > after)
            rows = (await session.execute(stmt)).all()
            if not rows:
                break
            resealed = unavailable = 0
            for incident_id, reporter, persons, ref in rows:
                try:
                    values = _reseal_incident(sealer, incident_id, reporter, persons, ref)
                except KeyUnavailable:
                    unavailable += 1
                    continue
                if values:
                    await session.execute(sa.update(t).where(t.c.id == incident_id).values(values))
                    resealed += 1
            await session.commit()
        after = rows[-1][0]
        done += len(rows)
        report.add(label, scanned=len(rows), resealed=resealed, unavailable=unavailable)
        if progress is not None:
            progress(label, done, total)


def _reseal_incident(sealer: Sealer, incident_id, reporter, persons, ref) -> dict:
    values: dict = {}
    if reporter is not None:
        value, current = sealer.open_current(reporter, bound_to=incident_id, old_keys=True)
        if not current:
            values["reporter_sealed"] = sealer.seal(value, bound_to=incident_id)
        fresh_ref = sealer.ref(uuid.UUID(value["user_id"]))
        if fresh_ref != ref:
            values["reporter_ref"] = fresh_ref
    if persons is not None:
        value, current = sealer.open_current(persons, bound_to=incident_id, old_keys=True)
        if not current:
            values["persons_sealed"] = sealer.seal(value, bound_to=incident_id)
    return values


async def rotate_keys(
    sessions: async_sessionmaker[AsyncSession],
    *,
    ring: Keyring,
    sealer: Sealer,
    batch_size: int = 500,
    progress: Progress | None = None,
) -> RotationReport:
    """Reseal every sealed value not under the current keys, one committed batch at a time."""
    report = RotationReport()
    for col in SEALED_COLUMNS:
        await _rotate_column(sessions, ring, col, batch_size, report, progress)
    await _rotate_incidents(sessions, sealer, batch_size, report, progress)
    return report

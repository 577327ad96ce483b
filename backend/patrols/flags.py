"""Scan flagging: what looks wrong about a scan, judged from set-based lookups.

Flags never refuse a scan; a person reviews flagged ones. Bit positions are stored in the
database and are part of the mobile contract (names in answers): never renumber.

``rescan`` and ``outside_patrol`` do not depend on the order in which records arrive: a scan is
a rescan when an earlier scan of the same house on the same patrol lies within the window
(earlier by the phone's scan time, ties broken by id), and "outside" is judged against the
patrol's end once it is known, so these two may be added to a stored scan later, when the
earlier scan or the patrol's end arrives.
"""

import math
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import IntFlag
from itertools import pairwise
from zoneinfo import ZoneInfo

from sqlalchemy import Boolean, and_, literal, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from backend.core.config import Settings
from backend.models import BoardingHouse, RetiredCheckpoint, TeamHouse
from backend.models.patrol import CheckpointScan
from backend.sync.upload_service import among


class Flag(IntFlag):
    far_from_house = 1
    poor_gps_accuracy = 2
    no_gps_fix = 4
    clock_skew = 8
    rescan = 16
    unknown_token = 32
    retired_token = 64
    house_not_covered = 128
    outside_patrol = 256


FLAG_NAMES = [f.name for f in Flag]
# Plain ints for the hot path: IntFlag arithmetic costs microseconds per operation.
_BITS = tuple((int(f), f.name) for f in Flag)
FAR, POOR_GPS, NO_FIX, SKEW, RESCAN = 1, 2, 4, 8, 16
UNKNOWN_TOKEN, RETIRED_TOKEN, NOT_COVERED, OUTSIDE = 32, 64, 128, 256


def flag_names(bits: int) -> list[str]:
    """The names of the flags set in ``bits``, in bit order."""
    return [name for bit, name in _BITS if bits & bit] if bits else []


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine; plenty for a 150 m radius)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(min(1.0, math.sqrt(a)))


@dataclass(slots=True, frozen=True)
class Checkpoint:
    house_id: uuid.UUID
    lat: float
    lon: float
    retired: bool


@dataclass(slots=True, frozen=True)
class PatrolFacts:
    id: uuid.UUID
    team_id: uuid.UUID
    started_at: datetime
    ended_at: datetime | None


Periods = dict[tuple[uuid.UUID, uuid.UUID], list[tuple[date, date | None]]]


async def resolve_checkpoints(
    session: AsyncSession, tokens: Iterable[str], team_ids: Iterable[uuid.UUID]
) -> tuple[dict[str, Checkpoint], Periods]:
    """Scanned tokens -> their house (current or retired token), and for those houses the
    periods each of ``team_ids`` covered them: one round trip."""
    tokens, team_ids = list(set(tokens)), list(set(team_ids))
    if not tokens:
        return {}, {}
    matched = union_all(
        select(
            BoardingHouse.checkpoint_token.label("token"),
            BoardingHouse.id.label("house_id"),
            literal(False, Boolean).label("retired"),
        ).where(among(session, BoardingHouse.checkpoint_token, tokens)),
        select(RetiredCheckpoint.token, RetiredCheckpoint.house_id, literal(True, Boolean)).where(
            among(session, RetiredCheckpoint.token, tokens)
        ),
    ).subquery()
    rows = await session.execute(
        select(
            matched.c.token,
            BoardingHouse.id,
            BoardingHouse.lat,
            BoardingHouse.lon,
            matched.c.retired,
            TeamHouse.team_id,
            TeamHouse.since,
            TeamHouse.until,
        )
        .join(BoardingHouse, BoardingHouse.id == matched.c.house_id)
        .outerjoin(
            TeamHouse,
            and_(
                TeamHouse.house_id == BoardingHouse.id, among(session, TeamHouse.team_id, team_ids)
            ),
        )
    )
    checkpoints: dict[str, Checkpoint] = {}
    periods: Periods = defaultdict(list)
    seen: set = set()
    for token, hid, lat, lon, retired, team_id, since, until in rows:
        checkpoints[token] = Checkpoint(hid, lat, lon, bool(retired))
        # a house scanned with its current and an old token comes twice: its periods once
        if team_id is not None and (team_id, hid, since, until) not in seen:
            seen.add((team_id, hid, since, until))
            periods[(team_id, hid)].append((since, until))
    return checkpoints, periods


def covered_on(periods: list[tuple[date, date | None]], day: date) -> bool:
    return any(since <= day and (until is None or day <= until) for since, until in periods)


async def stored_scans_of(
    session: AsyncSession, pairs: Iterable[tuple[uuid.UUID, uuid.UUID]]
) -> dict[tuple[uuid.UUID, uuid.UUID], list[tuple[datetime, uuid.UUID, int]]]:
    """(patrol, house) -> stored scans (scanned_at, id, flags), for the rescan rule."""
    pairs = set(pairs)
    if not pairs:
        return {}
    patrols = {p for p, _ in pairs}
    houses = {h for _, h in pairs}
    rows = await session.execute(
        select(
            CheckpointScan.patrol_id,
            CheckpointScan.house_id,
            CheckpointScan.scanned_at,
            CheckpointScan.id,
            CheckpointScan.flags,
        ).where(
            among(session, CheckpointScan.patrol_id, patrols),
            among(session, CheckpointScan.house_id, houses),
        )
    )
    found: dict = defaultdict(list)
    for patrol_id, house_id, scanned_at, scan_id, bits in rows:
        if (patrol_id, house_id) in pairs:
            found[(patrol_id, house_id)].append((scanned_at, scan_id, bits))
    return found


def rescans_among(
    new: list[tuple[datetime, uuid.UUID]],
    stored: Iterable[tuple[datetime, uuid.UUID, int]],
    window: timedelta,
) -> tuple[set[uuid.UUID], set[uuid.UUID]]:
    """Scans of one house on one patrol: which new ones are rescans, and which stored ones
    become rescans now (they had no earlier scan within the window until these arrived).

    Scans are ordered by scan time, then id (a total order that does not depend on arrival);
    a scan is a rescan when the scan just before it lies within the window.
    """
    chain = sorted(
        [(t, i.bytes, i, None) for t, i in new] + [(t, i.bytes, i, bits) for t, i, bits in stored]
    )
    new_rescans, stored_rescans = set(), set()
    for prev, cur in pairwise(chain):
        if cur[0] - prev[0] <= window:
            if cur[3] is None:
                new_rescans.add(cur[2])
            elif not cur[3] & RESCAN:
                stored_rescans.add(cur[2])
    return new_rescans, stored_rescans


def outside_patrol(scanned_at: datetime, patrol: PatrolFacts, grace: timedelta) -> bool:
    if scanned_at < patrol.started_at - grace:
        return True
    return patrol.ended_at is not None and scanned_at > patrol.ended_at + grace


class Judge:
    """The per-scan rules, with the settings read once per batch."""

    def __init__(self, settings: Settings) -> None:
        self.radius = settings.scan_radius_m
        self.accuracy = settings.scan_accuracy_max_m
        self.skew = settings.scan_clock_skew_max_seconds
        self.grace = timedelta(seconds=settings.scan_patrol_grace_seconds)
        self.window = timedelta(seconds=settings.scan_rescan_window_seconds)
        self.zone = ZoneInfo(settings.plan_timezone)

    def local_date(self, moment: datetime) -> date:
        return moment.astimezone(self.zone).date()

    def judge(
        self,
        lat: float | None,
        lon: float | None,
        accuracy_m: float | None,
        scanned_at: datetime,
        clock_offset_s: float | None,
        checkpoint: Checkpoint | None,
        covered: bool,
        patrol: PatrolFacts,
    ) -> tuple[int, float | None]:
        """The flags of one scan (all but ``rescan``) and its distance from the house."""
        bits = 0
        distance = None
        has_fix = lat is not None and lon is not None
        if not has_fix:
            bits |= NO_FIX
        elif accuracy_m is None or accuracy_m > self.accuracy:
            bits |= POOR_GPS
        # Only the phone's clock error matters (the batch's sent_at against receipt); a scan
        # made hours ago on a phone that was offline is not suspicious for being old.
        if clock_offset_s is not None and abs(clock_offset_s) > self.skew:
            bits |= SKEW
        if checkpoint is None:
            bits |= UNKNOWN_TOKEN
        else:
            if checkpoint.retired:
                bits |= RETIRED_TOKEN
            if not covered:
                bits |= NOT_COVERED
            if has_fix:
                distance = distance_m(lat, lon, checkpoint.lat, checkpoint.lon)  # type: ignore[arg-type]
                if distance > self.radius:
                    bits |= FAR
        if outside_patrol(scanned_at, patrol, self.grace):
            bits |= OUTSIDE
        return bits, distance


def review_status_for(bits: int) -> str:
    return "pending" if bits else "none"


def counted_clause():
    """Scans that count in statistics: unflagged, or accepted by a reviewer."""
    return or_(CheckpointScan.review_status == "none", CheckpointScan.review_status == "accepted")

"""Patrols, checkpoint scans, GPS tracks, patrol plans, and upload items held for their patrol.

Field records (patrols, scans, track segments) carry the phone's own UUID as primary key and a
hash of the body that created them: a re-send is recognised by id, a same-id/other-body re-send
is a conflict. ``body_hash`` is 16 bytes of SHA-256 over a canonical form of the body.
"""

import uuid
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import Index, LargeBinary, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from backend.models.base import JSONType, UTCDateTime, created_at_field, utcnow, uuid_pk
from backend.models.site import SoftDeleteColumns


class Patrol(SQLModel, table=True):
    """One team outing. Times are the phone's clock; ``*_received_at`` the server's."""

    __tablename__ = "patrol"
    __table_args__ = (
        # the `since` feed for the team's phones and the team's patrol list
        Index("ix_patrol_team_updated", "team_id", "updated_at", "id"),
        Index("ix_patrol_team_started", "team_id", "started_at"),
    )

    id: uuid.UUID = Field(primary_key=True)
    team_id: uuid.UUID = Field(foreign_key="team.id")
    status: str = Field(max_length=16)  # in_progress | completed | abandoned
    started_at: datetime = Field(sa_type=UTCDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    received_at: datetime = Field(sa_type=UTCDateTime)
    ended_received_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # TeamMember ids of the people on the outing (a handful; read with the patrol, never
    # queried on their own, so a JSON list instead of a join table).
    member_ids: list[str] = Field(default_factory=list, sa_type=JSONType)
    notes: str | None = Field(default=None, max_length=2000)
    end_notes: str | None = Field(default=None, max_length=2000)
    created_by: uuid.UUID = Field(foreign_key="user_account.id")
    device_id: uuid.UUID | None = None
    body_hash: bytes = Field(sa_type=LargeBinary)
    end_hash: bytes | None = Field(default=None, sa_type=LargeBinary)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CheckpointScan(SQLModel, table=True):
    """A QR checkpoint scanned on a patrol: always kept, flagged when something looks wrong.

    ``flags`` is a bit set (see ``backend.patrols.flags.Flag``): 4 bytes a row instead of a JSON
    list, and ``flags & bit`` filters on both engines. Hundreds of millions of rows a year.
    """

    __tablename__ = "checkpoint_scan"
    __table_args__ = (
        Index("ix_checkpoint_scan_team_updated", "team_id", "updated_at", "id"),
        Index("ix_checkpoint_scan_house_scanned", "house_id", "scanned_at"),
        # lists, newest first: a union's whole subtree, and one team (its phones, a filter)
        Index("ix_checkpoint_scan_scanned", "scanned_at", "id"),
        Index("ix_checkpoint_scan_team_scanned", "team_id", "scanned_at", "id"),
        # the review queue: small, since only flagged-and-undecided rows are in it
        Index(
            "ix_checkpoint_scan_pending",
            "team_id",
            postgresql_where=text("review_status = 'pending'"),
            sqlite_where=text("review_status = 'pending'"),
        ),
    )

    id: uuid.UUID = Field(primary_key=True)
    patrol_id: uuid.UUID = Field(foreign_key="patrol.id", index=True)
    team_id: uuid.UUID  # the patrol's team, copied for scope filters and the team feed
    house_id: uuid.UUID | None = Field(default=None, foreign_key="boarding_house.id")
    token: str = Field(max_length=128)  # as scanned: evidence even when it matches nothing
    scanned_at: datetime = Field(sa_type=UTCDateTime)
    received_at: datetime = Field(sa_type=UTCDateTime)
    # sent_at - received_at of the upload batch: the phone's clock error, not the scan's age
    clock_offset_s: float | None = None
    lat: float | None = None
    lon: float | None = None
    accuracy_m: float | None = None
    distance_m: float | None = None
    note: str | None = Field(default=None, max_length=1000)
    photo_ref: str | None = Field(default=None, max_length=255)
    flags: int = Field(default=0)
    review_status: str = Field(default="none", max_length=16)  # none|pending|accepted|rejected
    reviewed_by: uuid.UUID | None = None
    reviewed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    review_comment: str | None = Field(default=None, max_length=1000)
    uploaded_by: uuid.UUID
    body_hash: bytes = Field(sa_type=LargeBinary)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class TrackSegment(SQLModel, table=True):
    """The GPS track points of one upload, packed into one row.

    A track is only ever read whole and deleted by age, never queried point by point, so a
    segment row holding a packed array (14 bytes a point) costs a small fraction of one row
    per point (about 60 bytes plus row and index overhead): a country's worth of nightly
    patrols is tens of millions of points a day, kept for 90 days.
    """

    __tablename__ = "track_segment"

    id: uuid.UUID = Field(primary_key=True)  # the phone's id for this upload chunk
    patrol_id: uuid.UUID = Field(foreign_key="patrol.id", index=True)
    team_id: uuid.UUID
    started_at: datetime = Field(sa_type=UTCDateTime)  # first point (phone clock)
    ended_at: datetime = Field(sa_type=UTCDateTime)  # last point (phone clock)
    # min(last point, receipt): retention counts from when the data was collected, and a
    # phone with a clock in the future cannot keep its track longer.
    recorded_until: datetime = Field(sa_type=UTCDateTime, index=True)
    point_count: int
    points: bytes = Field(sa_type=LargeBinary)
    received_at: datetime = Field(sa_type=UTCDateTime)
    uploaded_by: uuid.UUID
    body_hash: bytes = Field(sa_type=LargeBinary)


class HeldUploadItem(SQLModel, table=True):
    """An uploaded item whose parent has not arrived yet (a scan before its patrol).

    Stored as validated JSON with the receipt facts of its batch, then filed by its kind's
    handler, exactly as if it had arrived then, when the parent arrives.
    """

    __tablename__ = "held_upload_item"

    kind: str = Field(max_length=32, primary_key=True)
    id: uuid.UUID = Field(primary_key=True)
    waiting_for: uuid.UUID = Field(index=True)  # the parent's id (a patrol)
    payload: dict[str, Any] = Field(sa_type=JSONType)
    body_hash: bytes = Field(sa_type=LargeBinary)
    received_at: datetime = Field(sa_type=UTCDateTime)
    clock_offset_s: float | None = None
    uploaded_by: uuid.UUID
    device_id: uuid.UUID | None = None
    uploader_team_ids: list[str] = Field(default_factory=list, sa_type=JSONType)
    status: str = Field(default="waiting", max_length=16)  # waiting | refused
    problem: dict[str, Any] | None = Field(default=None, sa_type=JSONType)
    created_at: datetime = created_at_field()


class PatrolPlan(SoftDeleteColumns, table=True):
    """A team's schedule: on these weekdays, between these local times, cover these houses."""

    __tablename__ = "patrol_plan"

    id: uuid.UUID = uuid_pk()
    team_id: uuid.UUID = Field(foreign_key="team.id", index=True)
    name: str = Field(max_length=255)
    days_of_week: int  # bit set, Monday = bit 0 … Sunday = bit 6 (ISO weekday - 1)
    start_time: time  # local (settings.plan_timezone); end <= start means it ends next day
    end_time: time
    min_scans: int = Field(default=1, ge=0)
    active: bool = Field(default=True)
    created_by: uuid.UUID | None = None


class PatrolPlanHouse(SQLModel, table=True):
    __tablename__ = "patrol_plan_house"

    plan_id: uuid.UUID = Field(foreign_key="patrol_plan.id", primary_key=True, ondelete="CASCADE")
    house_id: uuid.UUID = Field(foreign_key="boarding_house.id", primary_key=True, index=True)


class PlanWindowResult(SQLModel, table=True):
    """How one planned window went, judged once after it ended: done, partial or missed."""

    __tablename__ = "plan_window_result"
    __table_args__ = (UniqueConstraint("plan_id", "window_start"),)

    id: uuid.UUID = uuid_pk()
    plan_id: uuid.UUID = Field(foreign_key="patrol_plan.id", index=True, ondelete="CASCADE")
    team_id: uuid.UUID = Field(index=True)
    local_date: date
    window_start: datetime = Field(sa_type=UTCDateTime)
    window_end: datetime = Field(sa_type=UTCDateTime)
    status: str = Field(max_length=16)  # done | partial | missed
    scans: int = 0
    houses_scanned: int = 0
    houses_planned: int = 0
    notified: bool = Field(default=False)
    evaluated_at: datetime = created_at_field()

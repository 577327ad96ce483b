"""What phones send (patrols, ends, scans, track segments) and what the API answers."""

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from backend.core.params import MomentUTC
from backend.patrols.flags import flag_names

# RFC 3339 with an offset, in the calendar; normalised to UTC so that the same instant hashes
# the same.
Stamp = MomentUTC
Lat = Annotated[float, Field(ge=-90, le=90)]
Lon = Annotated[float, Field(ge=-180, le=180)]


def _sorted_unique(ids: list[uuid.UUID]) -> list[uuid.UUID]:
    return sorted(set(ids))


class PatrolPut(BaseModel):
    """A patrol as the phone recorded it. Send it as it was first recorded, or already ended."""

    model_config = ConfigDict(extra="ignore")

    team_id: uuid.UUID
    status: Literal["in_progress", "completed", "abandoned"] = "in_progress"
    started_at: Stamp = Field(description="phone clock, RFC 3339 with offset")
    ended_at: Stamp | None = Field(default=None, description="phone clock")
    member_ids: Annotated[list[uuid.UUID], AfterValidator(_sorted_unique)] = Field(
        default_factory=list, max_length=50, description="team member ids on this patrol"
    )
    notes: str | None = Field(default=None, max_length=2000)

    @model_validator(mode="after")
    def _times(self):
        if (self.status == "in_progress") != (self.ended_at is None):
            raise ValueError("ended_at is required exactly when the status is not in_progress")
        if self.ended_at is not None and self.ended_at < self.started_at:
            raise ValueError("ended_at is before started_at")
        return self


class PatrolEndPut(BaseModel):
    """How a patrol ended (sent once, when the phone ends it)."""

    model_config = ConfigDict(extra="ignore")

    status: Literal["completed", "abandoned"] = "completed"
    ended_at: Stamp = Field(description="phone clock")
    notes: str | None = Field(default=None, max_length=2000)


class PatrolItem(PatrolPut):
    """Upload item: a patrol (same body as PUT /patrols/{id})."""

    kind: Literal["patrol"]
    id: uuid.UUID


class PatrolEndItem(PatrolEndPut):
    """Upload item: the end of a patrol; `id` is the patrol's id."""

    kind: Literal["patrol_end"]
    id: uuid.UUID


class ScanItem(BaseModel):
    """Upload item: one checkpoint scan. Never refused for what it says; flagged instead."""

    model_config = ConfigDict(extra="ignore")

    kind: Literal["scan"]
    id: uuid.UUID
    patrol_id: uuid.UUID
    token: str = Field(min_length=1, max_length=128, description="the QR content as scanned")
    scanned_at: Stamp = Field(description="phone clock")
    lat: Lat | None = None
    lon: Lon | None = None
    accuracy_m: float | None = Field(default=None, ge=0, description="GPS accuracy radius")
    note: str | None = Field(default=None, max_length=1000)
    photo_ref: str | None = Field(default=None, max_length=255)


class TrackPointIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    t: Stamp
    lat: Lat
    lon: Lon
    accuracy_m: float | None = Field(default=None, ge=0)


class TrackItem(BaseModel):
    """Upload item: GPS points of a patrol (teams that enabled tracking only)."""

    model_config = ConfigDict(extra="ignore")

    kind: Literal["track"]
    id: uuid.UUID = Field(description="the phone's id for this chunk of points")
    patrol_id: uuid.UUID
    points: list[TrackPointIn] = Field(min_length=1, max_length=2000)


# ---- answers -------------------------------------------------------------------------------


class PatrolRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    team_id: uuid.UUID
    status: str
    started_at: datetime
    ended_at: datetime | None
    received_at: datetime
    ended_received_at: datetime | None
    member_ids: list[uuid.UUID]
    notes: str | None
    end_notes: str | None
    updated_at: datetime


class PatrolSummary(PatrolRead):
    scans: int = 0
    flagged_scans: int = 0
    houses_scanned: int = 0


class ScanRead(BaseModel):
    """A scan with its flags; coordinates are the phone's (named fields, WGS84)."""

    id: uuid.UUID
    patrol_id: uuid.UUID
    team_id: uuid.UUID
    house_id: uuid.UUID | None
    scanned_at: datetime
    received_at: datetime
    clock_offset_s: float | None
    lat: float | None
    lon: float | None
    accuracy_m: float | None
    distance_m: float | None
    note: str | None
    photo_ref: str | None
    flags: list[str]
    review_status: Literal["none", "pending", "accepted", "rejected"]
    reviewed_by: uuid.UUID | None
    reviewed_at: datetime | None
    review_comment: str | None
    updated_at: datetime

    @classmethod
    def of(cls, scan) -> "ScanRead":
        data = {name: getattr(scan, name) for name in cls.model_fields if name != "flags"}
        return cls(**data, flags=flag_names(scan.flags))


class TrackPointOut(BaseModel):
    t: datetime
    lat: float
    lon: float
    accuracy_m: float | None


class TrackRead(BaseModel):
    patrol_id: uuid.UUID
    points: list[TrackPointOut]


class ScanReview(BaseModel):
    decision: Literal["accepted", "rejected"]
    comment: str = Field(min_length=3, max_length=1000)


class PatrolChanges(BaseModel):
    """Patrols and scans of the caller's teams changed since the cursor."""

    patrols: list[PatrolRead]
    scans: list[ScanRead]
    next_cursor: str
    has_more: bool

"""What a phone's offline registry cache receives. Never a checkpoint token: only its id."""

import uuid
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field


class SyncSite(BaseModel):
    id: uuid.UUID
    code: str
    name: str
    kind: str
    boundary: dict[str, Any] = Field(description="GeoJSON Polygon or MultiPolygon, WGS84")
    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float
    union_unit_id: uuid.UUID | None
    admin_unit_ids: list[uuid.UUID] = []
    board_name: str | None
    board_phone: str | None
    board_email: str | None
    version: int
    updated_at: datetime


class SyncHouse(BaseModel):
    id: uuid.UUID
    code: str
    name: str
    address: str
    admin_unit_id: uuid.UUID
    lat: float
    lon: float
    site_id: uuid.UUID | None
    site_distance_m: float | None
    landlord_name: str | None
    landlord_phone: str | None
    rooms: int | None
    capacity: int | None
    tenant_count: int | None
    status: str
    notes: str | None
    checkpoint_id: uuid.UUID = Field(
        description="public id of the house's current QR token; changes when it is rotated"
    )
    checkpoint_rotated_at: datetime | None
    team_ids: list[uuid.UUID] = Field(
        default=[], description="teams (visible to the caller) covering the house today"
    )
    version: int
    updated_at: datetime


class SyncTeam(BaseModel):
    id: uuid.UUID
    code: str
    name: str
    union_unit_id: uuid.UUID
    admin_unit_id: uuid.UUID
    founded_on: date | None
    status: str
    gps_tracking: bool
    version: int
    updated_at: datetime


class SyncMember(BaseModel):
    id: uuid.UUID
    team_id: uuid.UUID
    user_id: uuid.UUID | None
    full_name: str
    phone: str | None
    role: str
    since: date
    until: date | None = Field(description="first day no longer a member; empty while on the team")
    version: int
    updated_at: datetime


ObjectType = Literal["site", "boarding_house", "team", "team_member"]


class Tombstone(BaseModel):
    type: ObjectType
    id: uuid.UUID


class RegistrySyncPage(BaseModel):
    """One page of the registry cache. Apply ``reset`` first, then upserts, then tombstones."""

    reset: bool = Field(
        description="drop the whole local registry cache before applying this page "
        "(first sync, or the caller's scope changed)"
    )
    sites: list[SyncSite]
    houses: list[SyncHouse]
    teams: list[SyncTeam]
    members: list[SyncMember]
    tombstones: list[Tombstone] = Field(
        description="objects to remove: deleted, or no longer in the caller's scope"
    )
    next_cursor: str = Field(description="send back as `since`; store it only after applying")
    has_more: bool = Field(description="call again at once with next_cursor")

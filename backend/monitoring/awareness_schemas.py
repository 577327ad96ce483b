"""Shapes of awareness sessions (tuyên truyền) and their topics."""

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from backend.core.params import Moment

TopicCode = Annotated[str, StringConstraints(min_length=1, max_length=64)]
PhotoRef = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class MaterialItem(BaseModel):
    """Material handed out or shown: leaflets, posters, banners, videos."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=255, examples=["Tờ rơi phòng chống mua bán người"])
    quantity: int | None = Field(default=None, ge=0, le=1_000_000)


class AwarenessFields(BaseModel):
    """What a session records, shared by the create (PUT) and update (PATCH) bodies."""

    model_config = ConfigDict(extra="forbid")

    held_at: Moment = Field(description="start of the session, RFC 3339 with offset")
    duration_minutes: int | None = Field(default=None, ge=1, le=24 * 60)
    title: str | None = Field(default=None, max_length=255)
    place: str = Field(min_length=1, max_length=500, description="where it was held")
    admin_unit_id: uuid.UUID | None = Field(
        default=None, description="ward where it was held; defaults to the holder's ward"
    )
    site_id: uuid.UUID | None = Field(default=None, description="industrial zone, if inside one")
    topics: list[TopicCode] = Field(
        min_length=1, max_length=20, description="codes from GET /awareness-topics"
    )
    workers_count: int = Field(default=0, ge=0, le=100_000, description="workers who attended")
    landlords_count: int = Field(default=0, ge=0, le=100_000, description="landlords attended")
    others_count: int = Field(default=0, ge=0, le=100_000)
    materials: list[MaterialItem] = Field(default_factory=list, max_length=50)
    photo_refs: list[PhotoRef] = Field(
        default_factory=list,
        max_length=20,
        description="attachment ids or URLs of photos (references only, see README)",
    )
    summary: str | None = Field(default=None, max_length=4000)


class AwarenessSessionPut(AwarenessFields):
    """The whole session as the phone recorded it; re-sending it unchanged is a no-op."""

    team_id: uuid.UUID | None = Field(default=None, description="holding team, or …")
    union_unit_id: uuid.UUID | None = Field(default=None, description="… holding union unit")
    recorded_at: Moment | None = Field(
        default=None, description="when the phone recorded it (its own clock)"
    )

    @model_validator(mode="after")
    def _one_holder(self) -> "AwarenessSessionPut":
        if (self.team_id is None) == (self.union_unit_id is None):
            raise ValueError("exactly one of team_id and union_unit_id is required")
        return self


class AwarenessSessionUpdate(BaseModel):
    """A correction from the desk; only the fields sent change (If-Match required)."""

    model_config = ConfigDict(extra="forbid")

    held_at: Moment | None = None
    duration_minutes: int | None = Field(default=None, ge=1, le=24 * 60)
    title: str | None = Field(default=None, max_length=255)
    place: str | None = Field(default=None, min_length=1, max_length=500)
    admin_unit_id: uuid.UUID | None = None
    site_id: uuid.UUID | None = None
    topics: list[TopicCode] | None = Field(default=None, min_length=1, max_length=20)
    workers_count: int | None = Field(default=None, ge=0, le=100_000)
    landlords_count: int | None = Field(default=None, ge=0, le=100_000)
    others_count: int | None = Field(default=None, ge=0, le=100_000)
    materials: list[MaterialItem] | None = Field(default=None, max_length=50)
    photo_refs: list[PhotoRef] | None = Field(default=None, max_length=20)
    summary: str | None = Field(default=None, max_length=4000)


class AwarenessSessionRead(BaseModel):
    id: uuid.UUID
    team_id: uuid.UUID | None
    union_unit_id: uuid.UUID | None
    admin_unit_id: uuid.UUID | None
    site_id: uuid.UUID | None
    held_at: datetime
    duration_minutes: int | None
    title: str | None
    place: str
    topics: list[str]
    workers_count: int
    landlords_count: int
    others_count: int
    materials: list[MaterialItem]
    photo_refs: list[str]
    summary: str | None
    recorded_by: uuid.UUID
    recorded_at: datetime | None
    created_at: datetime
    updated_at: datetime
    version: int


class AwarenessTopicRead(BaseModel):
    code: str
    category: str
    name_vi: str
    name_en: str
    sort_order: int
    active: bool

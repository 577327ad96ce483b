"""Shapes of incidents in and out: the phone's report, transitions, comments and the views."""

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, model_validator

from backend.core.params import Moment, RowId
from backend.incidents.workflow import ACTIONS, STATES
from backend.notifications.channels.names import ChannelName

Action = Literal[ACTIONS]  # type: ignore[valid-type]
Status = Literal[STATES]  # type: ignore[valid-type]
Outcome = Literal["handled", "referred", "no_action_needed", "unfounded", "other"]
View = Literal["full", "union", "team", "reporter"]


class PersonInvolved(BaseModel):
    """Someone an incident concerns (sealed at rest; withheld from some views)."""

    model_config = ConfigDict(extra="forbid")

    full_name: str | None = Field(default=None, max_length=255)
    role: Literal["victim", "suspect", "witness", "other"] = "other"
    age: int | None = Field(default=None, ge=0, le=120)
    gender: Literal["male", "female", "other"] | None = None
    phone: str | None = Field(default=None, max_length=32)
    id_number: str | None = Field(default=None, max_length=32, description="CCCD / passport")
    description: str | None = Field(default=None, max_length=1000)


class IncidentPut(BaseModel):
    """A report from the field; PUT it again unchanged as often as the network needs."""

    model_config = ConfigDict(extra="forbid")

    team_id: uuid.UUID | None = Field(
        default=None, description="the reporting team; may be omitted by a member of one team"
    )
    category: str = Field(min_length=1, max_length=64, description="see incident-categories")
    subtype: str | None = Field(default=None, min_length=1, max_length=64)
    severity: int = Field(ge=1, le=4, description="1 life at risk now … 4 for the record")
    occurred_at: Moment
    summary: str = Field(min_length=1, max_length=4000, description="what happened")
    place_text: str | None = Field(default=None, max_length=500)
    house_id: uuid.UUID | None = None
    site_id: uuid.UUID | None = None
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    patrol_id: uuid.UUID | None = None
    persons_involved: list[PersonInvolved] = Field(default_factory=list, max_length=50)
    protect_reporter: StrictBool = Field(default=False, description="seal the reporter's identity")
    enterprise_id: uuid.UUID | None = None
    workers_involved: int | None = Field(default=None, ge=1, le=1_000_000)
    labour_started_at: Moment | None = None
    labour_ended_at: Moment | None = None
    submit: StrictBool = Field(default=True, description="false keeps it as a draft")

    @model_validator(mode="after")
    def _consistent(self) -> "IncidentPut":
        if (self.lat is None) != (self.lon is None):
            raise ValueError("lat và lon phải đi cùng nhau / lat and lon go together")
        if (
            self.labour_started_at
            and self.labour_ended_at
            and self.labour_ended_at < self.labour_started_at
        ):
            raise ValueError("kết thúc trước khi bắt đầu / ends before it starts")
        return self


class TransitionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: Action
    comment: str | None = Field(default=None, min_length=1, max_length=4000)
    outcome: Outcome | None = None
    outcome_note: str | None = Field(default=None, max_length=2000)
    duplicate_of_id: uuid.UUID | None = None
    target_user_id: uuid.UUID | None = Field(default=None, description="hand_on: a liaison")
    target_admin_unit_id: uuid.UUID | None = Field(
        default=None, description="hand_on: the liaisons of an admin unit"
    )


class CommentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=4000)
    reply_to_id: RowId | None = Field(
        default=None, description="a question's timeline id: the reporter answers it"
    )


class QuestionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=3, max_length=2000)


class RevealIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=10, max_length=2000, description="why the identity is needed")


class ReporterOut(BaseModel):
    user_id: uuid.UUID
    full_name: str
    phone: str


class RevealOut(BaseModel):
    incident_id: uuid.UUID
    reporter: ReporterOut
    revealed_at: datetime


class TransitionOption(BaseModel):
    action: str
    to: str


class IncidentSummary(BaseModel):
    """An incident in a list or feed: no persons involved and no reporter identity."""

    id: uuid.UUID
    team_id: uuid.UUID
    category: str
    subtype: str | None
    severity: int
    status: str
    occurred_at: datetime
    summary: str
    place_text: str | None
    house_id: uuid.UUID | None
    site_id: uuid.UUID | None
    lat: float | None
    lon: float | None
    admin_unit_id: uuid.UUID
    union_unit_id: uuid.UUID
    protect_reporter: bool
    persons_count: int
    handler_kind: str | None
    ack_deadline_at: datetime | None
    duplicate_of_id: uuid.UUID | None
    outcome: str | None
    submitted_at: datetime | None
    acknowledged_at: datetime | None
    closed_at: datetime | None
    created_at: datetime
    updated_at: datetime
    version: int


class IncidentState(IncidentSummary):
    """An incident after a transition: its state and the caller's next moves (no sealed or
    withheld data, so a stored Idempotency-Key answer holds nothing sensitive)."""

    allowed_transitions: list[TransitionOption]


class IncidentRead(IncidentSummary):
    """One incident in the caller's view (``view`` says which one)."""

    view: View
    covering_union_unit_id: uuid.UUID | None
    patrol_id: uuid.UUID | None
    enterprise_id: uuid.UUID | None
    workers_involved: int | None
    labour_started_at: datetime | None
    labour_ended_at: datetime | None
    outcome_note: str | None
    route: str | None
    reporter: ReporterOut | None = Field(
        description="null when sealed (protect_reporter) and not the caller's own report"
    )
    persons_involved: list[PersonInvolved] | None = Field(
        description="null when withheld from this view (persons_redacted)"
    )
    persons_redacted: bool
    allowed_transitions: list[TransitionOption]


class TimelineEntryRead(BaseModel):
    id: int
    at: datetime
    actor_id: uuid.UUID | None
    actor_role: str | None
    actor_is_reporter: bool
    kind: str
    action: str | None
    from_status: str | None
    to_status: str | None
    comment: str | None
    reply_to_id: int | None
    detail: dict | None


class ChainStep(BaseModel):
    """One step of a recipient's fallback chain (push, then Zalo, then SMS)."""

    step: int
    channel: ChannelName
    status: str  # pending | delivered | failed | dropped | stopped
    scheduled_at: datetime
    delivered_at: datetime | None
    receipt_status: str | None
    last_error: str | None


class RecipientChain(BaseModel):
    user_id: uuid.UUID
    steps: list[ChainStep]


class EscalationRead(BaseModel):
    id: uuid.UUID
    level: int
    target_kind: str
    admin_unit_id: uuid.UUID | None
    union_unit_id: uuid.UUID | None
    site_id: uuid.UUID | None
    recipient_user_ids: list[uuid.UUID]
    reason: str
    status: str
    created_at: datetime
    deadline_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: uuid.UUID | None
    chains: list[RecipientChain] = []


class CategoryRead(BaseModel):
    code: str
    parent_code: str | None
    name_vi: str
    name_en: str
    route: str
    sensitive_persons: bool
    labour_fields: bool
    sort_order: int

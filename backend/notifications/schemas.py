"""Request and response bodies of the notification routes."""

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StringConstraints

from backend.notifications.channels.names import ChannelName

EventTypeGlob = Annotated[
    str, StringConstraints(min_length=1, max_length=64, pattern=r"^[a-z0-9_.*?\-]+$")
]


class WebhookCreate(BaseModel):
    """A subscription on exactly one union unit or administrative unit."""

    model_config = ConfigDict(extra="forbid")

    url: str = Field(min_length=8, max_length=2048, examples=["https://example.gov.vn/ttq-hook"])
    union_unit_id: uuid.UUID | None = None
    admin_unit_id: uuid.UUID | None = None
    description: str = Field(default="", max_length=255)
    event_types: list[EventTypeGlob] = Field(
        default_factory=list,
        max_length=20,
        description='event types or globs ("incident.*"); empty: every event',
    )
    include_subtree: StrictBool = Field(
        default=True, description="also the events of every unit below this one"
    )


class WebhookRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    union_unit_id: uuid.UUID | None
    admin_unit_id: uuid.UUID | None
    url: str
    description: str
    event_types: list[str]
    include_subtree: bool
    is_active: bool
    created_at: datetime


class WebhookCreated(WebhookRead):
    secret: str = Field(
        description="the signing secret; shown only now, store it on the receiving side"
    )


class DeliveryRead(BaseModel):
    """A delivery that gave up (or any delivery, for admins)."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    event_id: uuid.UUID
    event_type: str
    channel: ChannelName
    target: str
    status: str
    attempts: int
    last_error: str | None
    next_attempt_at: datetime
    created_at: datetime
    updated_at: datetime


class NotificationRead(BaseModel):
    """One entry of the caller's feed; the same document the live stream sends."""

    notification_id: int
    id: uuid.UUID = Field(description="the stable event id: de-duplicate on it")
    type: str
    created_at: datetime
    data: dict[str, Any]


class TestSent(BaseModel):
    event_id: uuid.UUID

"""The notification outbox: events written in the transaction of the change that caused them."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from backend.models.base import JSONType, UTCDateTime, created_at_field, utcnow, uuid_pk


class OutboxEvent(SQLModel, table=True):
    """One event to deliver; its id is the stable event id receivers de-duplicate on."""

    __tablename__ = "outbox_event"
    __table_args__ = (Index("ix_outbox_event_pending", "status", "next_attempt_at"),)

    id: uuid.UUID = uuid_pk()
    event_type: str = Field(max_length=64)  # e.g. incident.escalated, patrol.missed
    payload: dict[str, Any] = Field(sa_type=JSONType)
    # Who must hear of it: users (push, SMS, live stream) and units (webhook subscriptions).
    recipient_user_ids: list[str] = Field(default_factory=list, sa_type=JSONType)
    unit_ids: list[str] = Field(default_factory=list, sa_type=JSONType)
    status: str = Field(default="pending", max_length=16)  # pending | delivered | failed
    attempts: int = Field(default=0)
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_error: str | None = Field(default=None, max_length=2000)
    created_at: datetime = created_at_field()
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

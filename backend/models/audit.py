"""The append-only audit trail."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Column, Index, Integer
from sqlmodel import Field, SQLModel

from backend.models.base import JSONType, created_at_field


class AuditEvent(SQLModel, table=True):
    """Who did what to which object, when; written in the transaction of the change itself."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_object", "object_type", "object_id"),)

    id: int | None = Field(
        default=None,
        sa_column=Column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    )
    occurred_at: datetime = created_at_field()
    actor_id: uuid.UUID | None = Field(default=None, index=True)
    actor_role: str | None = Field(default=None, max_length=32)
    action: str = Field(max_length=64, index=True)
    object_type: str = Field(max_length=64)
    object_id: str | None = Field(default=None, max_length=64)
    request_id: str | None = Field(default=None, max_length=128)
    client_ip: str | None = Field(default=None, max_length=64)
    before: dict[str, Any] | None = Field(default=None, sa_type=JSONType)
    after: dict[str, Any] | None = Field(default=None, sa_type=JSONType)
    detail: dict[str, Any] | None = Field(default=None, sa_type=JSONType)

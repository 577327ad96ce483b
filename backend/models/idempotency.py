"""Idempotency-Key records: one per (user, key), so every API process sees the same state."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import LargeBinary
from sqlmodel import Field, SQLModel

from backend.models.base import JSONType, UTCDateTime, created_at_field


class IdempotencyKey(SQLModel, table=True):
    """A POST that carried an Idempotency-Key: in flight, then its stored answer until expiry."""

    __tablename__ = "idempotency_key"

    user_id: uuid.UUID = Field(foreign_key="user_account.id", primary_key=True, ondelete="CASCADE")
    key: str = Field(max_length=255, primary_key=True)
    # SHA-256 of method, path and canonical body: the same key with another request is refused.
    fingerprint: str = Field(max_length=64)
    status: str = Field(max_length=16)  # in_flight | completed
    # While in flight, until when the claiming process owns it (a crashed one loses it).
    locked_until: datetime = Field(sa_type=UTCDateTime)
    response_status: int | None = None
    response_headers: dict[str, Any] | None = Field(default=None, sa_type=JSONType)
    response_body: bytes | None = Field(default=None, sa_type=LargeBinary)
    created_at: datetime = created_at_field()
    expires_at: datetime = Field(sa_type=UTCDateTime, index=True)

"""Accounts, their scope assignments, devices, refresh tokens and sign-in attempts."""

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from backend.models.base import UTCDateTime, created_at_field, utcnow, uuid_pk
from backend.models.sealed import keep_index, phone_index_field, sealed_phone_field


class User(SQLModel, table=True):
    __tablename__ = "user_account"

    id: uuid.UUID = uuid_pk()
    phone: str = sealed_phone_field("user_account.phone", "phone_sealed", nullable=False)  # E.164
    phone_index: str | None = phone_index_field(unique=True, nullable=False)  # sign-in looks up
    full_name: str = Field(max_length=255)
    password_hash: str = Field(max_length=255)
    role: str = Field(max_length=32, index=True)
    is_active: bool = Field(default=True)
    created_at: datetime = created_at_field()
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    version: int = Field(default=1)


keep_index(User, "phone", "phone_index")

EXACTLY_ONE_UNIT = (
    "(CASE WHEN admin_unit_id IS NULL THEN 0 ELSE 1 END)"
    " + (CASE WHEN union_unit_id IS NULL THEN 0 ELSE 1 END)"
    " + (CASE WHEN site_id IS NULL THEN 0 ELSE 1 END) = 1"
)


class UserScope(SQLModel, table=True):
    """One unit (or, for police liaisons, one site) a user is responsible for."""

    __tablename__ = "user_scope"
    __table_args__ = (
        CheckConstraint(
            EXACTLY_ONE_UNIT,
            name="exactly_one_unit",
        ),
        UniqueConstraint("user_id", "admin_unit_id", "union_unit_id", "site_id"),
    )

    id: uuid.UUID = uuid_pk()
    user_id: uuid.UUID = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    admin_unit_id: uuid.UUID | None = Field(default=None, foreign_key="admin_unit.id")
    union_unit_id: uuid.UUID | None = Field(default=None, foreign_key="union_unit.id")
    site_id: uuid.UUID | None = Field(default=None, foreign_key="site.id")
    created_at: datetime = created_at_field()


class Device(SQLModel, table=True):
    """A phone (or browser session) a user signed in from; refresh tokens are bound to it."""

    __tablename__ = "device"
    __table_args__ = (UniqueConstraint("user_id", "client_device_id"),)

    id: uuid.UUID = uuid_pk()
    user_id: uuid.UUID = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    client_device_id: str = Field(max_length=128)
    kind: str = Field(default="mobile", max_length=16)  # mobile | web
    model: str | None = Field(default=None, max_length=128)
    app_version: str | None = Field(default=None, max_length=32)
    push_token: str | None = Field(default=None, max_length=512)
    created_at: datetime = created_at_field()
    last_seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class RefreshToken(SQLModel, table=True):
    """One link of a device's rotation chain; only the SHA-256 of the token is kept."""

    __tablename__ = "refresh_token"

    id: uuid.UUID = uuid_pk()
    device_id: uuid.UUID = Field(foreign_key="device.id", index=True, ondelete="CASCADE")
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = created_at_field()
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    replaced_by_id: uuid.UUID | None = Field(default=None)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class LoginAttempt(SQLModel, table=True):
    """Failed sign-ins, in the database so every API process sees the same counts."""

    __tablename__ = "login_attempt"
    __table_args__ = (
        Index("ix_login_attempt_phone_index_at", "phone_index", "created_at"),
        Index("ix_login_attempt_ip_at", "client_ip", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    # The blind index of what was typed (pii.phone_index): counts per number, never the number.
    phone_index: str = Field(max_length=100)
    client_ip: str = Field(max_length=64)
    created_at: datetime = created_at_field()

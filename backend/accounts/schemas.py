"""Request and response shapes for accounts and sign-in."""

import uuid
from datetime import datetime

from pydantic import BaseModel, Field, StrictBool

from backend.policy.roles import Role


class UserCreate(BaseModel):
    phone: str = Field(examples=["0912345678"], max_length=32)
    password: str = Field(min_length=8, max_length=128)
    role: Role
    full_name: str = Field(min_length=1, max_length=255)
    scope_unit_ids: list[uuid.UUID] = Field(default_factory=list, max_length=50)


class UserUpdate(BaseModel):
    full_name: str | None = Field(default=None, min_length=1, max_length=255)
    role: Role | None = None
    is_active: StrictBool | None = None
    password: str | None = Field(default=None, min_length=8, max_length=128)
    scope_unit_ids: list[uuid.UUID] | None = Field(default=None, max_length=50)


class UserRead(BaseModel):
    id: uuid.UUID
    phone: str
    full_name: str
    role: Role
    is_active: bool
    created_at: datetime
    scope_unit_ids: list[uuid.UUID] = []
    version: int


class DeviceInfo(BaseModel):
    device_id: str = Field(min_length=1, max_length=128, description="stable id the app generates")
    model: str | None = Field(default=None, max_length=128)
    app_version: str | None = Field(default=None, max_length=32)
    push_token: str | None = Field(default=None, max_length=512)


class MobileLogin(BaseModel):
    phone: str = Field(max_length=32)
    password: str = Field(max_length=128)
    device: DeviceInfo


class RefreshRequest(BaseModel):
    refresh_token: str = Field(max_length=256)
    device_id: str | None = Field(
        default=None, max_length=128, description="required for tokens issued to a phone"
    )


class TokenPair(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int = Field(description="seconds")
    refresh_token: str
    refresh_expires_in: int = Field(description="seconds")


class DeviceRead(BaseModel):
    id: uuid.UUID
    device_id: str
    kind: str
    model: str | None
    app_version: str | None
    created_at: datetime
    last_seen_at: datetime
    revoked_at: datetime | None
    current: bool = False

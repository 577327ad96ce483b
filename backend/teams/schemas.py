"""Shapes of teams, their members, the houses they cover and police jurisdictions."""

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field, StrictBool

TeamStatus = Literal["active", "inactive", "dissolved"]
TeamRole = Literal["leader", "deputy", "member"]

UNTIL_DOC = "first day no longer in effect (exclusive end); empty while it lasts"


class TeamCreate(BaseModel):
    name: str = Field(min_length=1, max_length=255, examples=["Tổ tự quản khu trọ Bình Hòa"])
    code: str | None = Field(
        default=None, min_length=1, max_length=64, description="external code; generated if empty"
    )
    union_unit_id: uuid.UUID = Field(description="grassroots union unit (công đoàn cơ sở)")
    admin_unit_id: uuid.UUID = Field(description="ward/commune (or district) the team works in")
    founded_on: date | None = None
    status: TeamStatus = "active"
    gps_tracking: StrictBool = Field(default=False, description="record GPS tracks on patrols")


class TeamUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=255)
    code: str | None = Field(default=None, min_length=1, max_length=64)
    union_unit_id: uuid.UUID | None = None
    admin_unit_id: uuid.UUID | None = None
    founded_on: date | None = None
    status: TeamStatus | None = None
    gps_tracking: StrictBool | None = None


class TeamRead(BaseModel):
    id: uuid.UUID
    code: str
    name: str
    union_unit_id: uuid.UUID
    admin_unit_id: uuid.UUID
    founded_on: date | None
    status: str
    gps_tracking: bool
    created_at: datetime
    updated_at: datetime
    version: int


class MemberCreate(BaseModel):
    user_id: uuid.UUID | None = Field(
        default=None, description="an account that signs in; omit for a person without one"
    )
    full_name: str | None = Field(
        default=None, min_length=1, max_length=255, description="required without user_id"
    )
    phone: str | None = Field(default=None, max_length=32, examples=["0912345678"])
    role: TeamRole = "member"
    since: date | None = Field(default=None, description="defaults to today")
    until: date | None = Field(default=None, description=UNTIL_DOC)


class MemberUpdate(BaseModel):
    full_name: str | None = Field(default=None, min_length=1, max_length=255)
    phone: str | None = Field(default=None, max_length=32)
    role: TeamRole | None = None
    since: date | None = None
    until: date | None = Field(default=None, description=UNTIL_DOC)


class MemberRead(BaseModel):
    id: uuid.UUID
    team_id: uuid.UUID
    user_id: uuid.UUID | None
    full_name: str
    phone: str | None
    role: str
    since: date
    until: date | None
    created_at: datetime
    updated_at: datetime
    version: int


class CoverageAdd(BaseModel):
    house_id: uuid.UUID
    since: date | None = Field(default=None, description="defaults to today")


class CoverageEnd(BaseModel):
    until: date | None = Field(
        default=None, description="first day not covered; defaults to today, never in the future"
    )


class HouseBrief(BaseModel):
    code: str
    name: str
    address: str
    admin_unit_id: uuid.UUID
    site_id: uuid.UUID | None
    status: str


class CoverageRead(BaseModel):
    id: uuid.UUID
    team_id: uuid.UUID
    house_id: uuid.UUID
    since: date
    until: date | None
    created_at: datetime
    house: HouseBrief | None = Field(
        default=None, description="the house, when the caller may see it"
    )


class JurisdictionCreate(BaseModel):
    user_id: uuid.UUID = Field(description="an account with role police_liaison")
    admin_unit_id: uuid.UUID | None = Field(default=None, description="give this or site_id")
    site_id: uuid.UUID | None = None


class JurisdictionRead(BaseModel):
    id: uuid.UUID
    user_id: uuid.UUID
    user_full_name: str
    admin_unit_id: uuid.UUID | None
    site_id: uuid.UUID | None
    created_at: datetime


class LiaisonRead(BaseModel):
    id: uuid.UUID
    full_name: str
    phone: str

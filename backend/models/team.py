"""Teams (Tổ tự quản), their members, the houses they cover, and the registry change log."""

import uuid
from datetime import date, datetime

from sqlalchemy import BigInteger, Column, Index, Integer, text
from sqlmodel import Field, SQLModel

from backend.models.base import created_at_field, uuid_pk
from backend.models.sealed import keep_index, phone_index_field, sealed_phone_field
from backend.models.site import SoftDeleteColumns


class Team(SoftDeleteColumns, table=True):
    __tablename__ = "team"

    id: uuid.UUID = uuid_pk()
    code: str = Field(max_length=64, unique=True)
    name: str = Field(max_length=255)
    name_search: str = Field(max_length=255, index=True)
    union_unit_id: uuid.UUID = Field(foreign_key="union_unit.id", index=True)  # grassroots union
    admin_unit_id: uuid.UUID = Field(foreign_key="admin_unit.id", index=True)
    founded_on: date | None = None
    status: str = Field(default="active", max_length=16)  # active | inactive | dissolved
    gps_tracking: bool = Field(default=False)


class TeamMember(SoftDeleteColumns, table=True):
    """A person on a team: a user who signs in, or someone with only a name and phone."""

    __tablename__ = "team_member"
    __table_args__ = (Index("ix_team_member_user_until", "user_id", "until"),)

    id: uuid.UUID = uuid_pk()
    team_id: uuid.UUID = Field(foreign_key="team.id", index=True)
    user_id: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")
    full_name: str = Field(max_length=255)
    name_search: str = Field(max_length=255, index=True)
    phone: str | None = sealed_phone_field("team_member.phone", "phone_sealed")
    phone_index: str | None = phone_index_field(index=True)
    role: str = Field(default="member", max_length=16)  # leader | deputy | member
    since: date
    until: date | None = None


keep_index(TeamMember, "phone", "phone_index")


class TeamHouse(SQLModel, table=True):
    """A house a team covers, over a period."""

    __tablename__ = "team_house"
    __table_args__ = (
        Index("ix_team_house_house_until", "house_id", "until"),
        # A team covers a house at most once at a time (``until`` is never in the future).
        Index(
            "uq_team_house_current",
            "team_id",
            "house_id",
            unique=True,
            postgresql_where=text("until IS NULL"),
            sqlite_where=text("until IS NULL"),
        ),
    )

    id: uuid.UUID = uuid_pk()
    team_id: uuid.UUID = Field(foreign_key="team.id", index=True)
    house_id: uuid.UUID = Field(foreign_key="boarding_house.id")
    since: date
    until: date | None = None
    created_at: datetime = created_at_field()


class RegistryChange(SQLModel, table=True):
    """Append-only change log behind the phones' offline registry cache (sync cursors).

    Each change is stamped with the scope the object had (before and after the change), so a
    caller gets a tombstone only for objects that were in their scope.
    """

    __tablename__ = "registry_change"

    id: int | None = Field(
        default=None,
        sa_column=Column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    )
    object_type: str = Field(max_length=32)  # site | boarding_house | team | team_member
    object_id: uuid.UUID = Field(index=True)
    team_id: uuid.UUID | None = Field(default=None, index=True)
    union_path: str | None = Field(default=None, max_length=1024)
    admin_path: str | None = Field(default=None, max_length=1024)
    site_id: uuid.UUID | None = None
    changed_at: datetime = created_at_field()

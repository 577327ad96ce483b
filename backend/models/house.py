"""Boarding houses (khu nhà trọ), their checkpoint tokens and their tenants' employers."""

import uuid
from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from backend.models.base import UTCDateTime, created_at_field, uuid_pk
from backend.models.sealed import keep_index, phone_index_field, sealed_phone_field
from backend.models.site import SoftDeleteColumns


class BoardingHouse(SoftDeleteColumns, table=True):
    __tablename__ = "boarding_house"
    # Bounding-box filters (maps, site reassignment) scan this range index. On PostgreSQL the
    # *_search columns also get trigram indexes (migration 0002) for substring search.
    __table_args__ = (Index("ix_boarding_house_lon_lat", "lon", "lat"),)

    id: uuid.UUID = uuid_pk()
    code: str = Field(max_length=64, unique=True)  # external code: re-imports update by it
    name: str = Field(max_length=255)
    name_search: str = Field(max_length=255, index=True)
    address: str = Field(max_length=500)
    address_search: str = Field(max_length=500)
    admin_unit_id: uuid.UUID = Field(foreign_key="admin_unit.id", index=True)
    lat: float
    lon: float
    # The containing site, else the nearest within the configured distance; recomputed on write.
    site_id: uuid.UUID | None = Field(default=None, foreign_key="site.id", index=True)
    site_distance_m: float | None = None
    landlord_name: str | None = Field(default=None, max_length=255)
    landlord_phone: str | None = sealed_phone_field(
        "boarding_house.landlord_phone", "landlord_phone_sealed"
    )
    landlord_phone_index: str | None = phone_index_field(index=True)
    rooms: int | None = Field(default=None, ge=0)
    capacity: int | None = Field(default=None, ge=0)
    tenant_count: int | None = Field(default=None, ge=0)
    status: str = Field(default="active", max_length=16)  # active | closed
    notes: str | None = Field(default=None, max_length=2000)
    # The QR secret a patrol scans; random and unique. checkpoint_id is its public handle,
    # changed with it on rotation, so phones can cache which token is current without the secret.
    checkpoint_token: str = Field(max_length=64, unique=True)
    checkpoint_id: uuid.UUID = Field(default_factory=uuid.uuid4, unique=True)
    checkpoint_rotated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


keep_index(BoardingHouse, "landlord_phone", "landlord_phone_index")


class RetiredCheckpoint(SQLModel, table=True):
    """Rotated-out tokens, kept so a late scan of an old sticker is flagged, not lost."""

    __tablename__ = "retired_checkpoint"

    token: str = Field(max_length=64, primary_key=True)
    house_id: uuid.UUID = Field(foreign_key="boarding_house.id", index=True)
    retired_at: datetime = created_at_field()


class HouseEmployer(SQLModel, table=True):
    """Main employers of a house's tenants."""

    __tablename__ = "house_employer"

    house_id: uuid.UUID = Field(
        foreign_key="boarding_house.id", primary_key=True, ondelete="CASCADE"
    )
    enterprise_id: uuid.UUID = Field(foreign_key="enterprise.id", primary_key=True, index=True)

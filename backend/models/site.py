"""Industrial-zone sites (KCN, KCX, …) and the enterprises inside them."""

import uuid
from datetime import datetime
from typing import Any

from sqlmodel import Field, SQLModel

from backend.models.base import JSONType, UTCDateTime, created_at_field, utcnow, uuid_pk


class SoftDeleteColumns(SQLModel):
    """Version for ETags, timestamps, and soft deletion with a reason."""

    created_at: datetime = created_at_field()
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    deleted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    delete_reason: str | None = Field(default=None, max_length=500)
    version: int = Field(default=1)


class Site(SoftDeleteColumns, table=True):
    __tablename__ = "site"

    id: uuid.UUID = uuid_pk()
    code: str = Field(max_length=64, unique=True)
    name: str = Field(max_length=255)
    name_search: str = Field(max_length=255, index=True)
    # industrial_zone | export_processing_zone | economic_zone | high_tech_zone | industrial_cluster
    kind: str = Field(max_length=32)
    boundary: dict[str, Any] = Field(sa_type=JSONType)  # GeoJSON Polygon/MultiPolygon, WGS84
    # Bounding box of the boundary: a cheap, indexable first pass before exact geometry.
    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float
    union_unit_id: uuid.UUID | None = Field(default=None, foreign_key="union_unit.id", index=True)
    board_name: str | None = Field(default=None, max_length=255)
    board_phone: str | None = Field(default=None, max_length=16)
    board_email: str | None = Field(default=None, max_length=255)


class SiteAdminUnit(SQLModel, table=True):
    """The admin units a site lies in (a zone may straddle wards)."""

    __tablename__ = "site_admin_unit"

    site_id: uuid.UUID = Field(foreign_key="site.id", primary_key=True, ondelete="CASCADE")
    admin_unit_id: uuid.UUID = Field(foreign_key="admin_unit.id", primary_key=True, index=True)


class Enterprise(SoftDeleteColumns, table=True):
    __tablename__ = "enterprise"

    id: uuid.UUID = uuid_pk()
    site_id: uuid.UUID | None = Field(default=None, foreign_key="site.id", index=True)
    name: str = Field(max_length=255)
    name_search: str = Field(max_length=255, index=True)
    tax_code: str | None = Field(default=None, max_length=14, unique=True)
    sector: str | None = Field(default=None, max_length=128)
    headcount: int | None = Field(default=None, ge=0)

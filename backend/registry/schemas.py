"""Shapes of sites, enterprises and boarding houses on the wire.

Inputs are checked for types here and for meaning in the services (which the import calls
directly), so every rule lives in one place and answers with a stable code per field.
"""

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

SiteKind = Literal[
    "industrial_zone",
    "export_processing_zone",
    "economic_zone",
    "high_tech_zone",
    "industrial_cluster",
]
HouseStatus = Literal["active", "closed"]

BOUNDARY_DOC = (
    "GeoJSON Polygon or MultiPolygon in WGS84, positions as [lon, lat]; must be valid "
    "(no self-intersection) and inside Vietnam. Stored with RFC 7946 ring orientation."
)


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- sites -------------------------------------------------------------------------------


class SiteCreate(_In):
    code: str = Field(min_length=1, max_length=64, description="official or internal code")
    name: str = Field(min_length=1, max_length=255)
    kind: SiteKind
    boundary: dict[str, Any] = Field(description=BOUNDARY_DOC)
    admin_unit_ids: list[uuid.UUID] = Field(default=[], max_length=200)
    union_unit_id: uuid.UUID | None = Field(default=None, description="union unit covering it")
    board_name: str | None = Field(default=None, max_length=255)
    board_phone: str | None = Field(default=None, max_length=32)
    board_email: str | None = Field(default=None, max_length=255)


class SiteUpdate(_In):
    code: str | None = Field(default=None, min_length=1, max_length=64)
    name: str | None = Field(default=None, min_length=1, max_length=255)
    kind: SiteKind | None = None
    boundary: dict[str, Any] | None = Field(default=None, description=BOUNDARY_DOC)
    admin_unit_ids: list[uuid.UUID] | None = Field(default=None, max_length=200)
    union_unit_id: uuid.UUID | None = None
    board_name: str | None = Field(default=None, max_length=255)
    board_phone: str | None = Field(default=None, max_length=32)
    board_email: str | None = Field(default=None, max_length=255)


class PolygonGeometry(BaseModel):
    type: Literal["Polygon"]
    coordinates: list[list[list[float]]]


class MultiPolygonGeometry(BaseModel):
    type: Literal["MultiPolygon"]
    coordinates: list[list[list[list[float]]]]


AreaGeometry = Annotated[PolygonGeometry | MultiPolygonGeometry, Field(discriminator="type")]


class SiteSummary(BaseModel):
    id: uuid.UUID
    code: str
    name: str
    kind: str
    bbox: list[float] = Field(description="[minLon, minLat, maxLon, maxLat] of the boundary")
    admin_unit_ids: list[uuid.UUID]
    union_unit_id: uuid.UUID | None
    board_name: str | None
    board_phone: str | None
    board_email: str | None
    created_at: datetime
    updated_at: datetime
    version: int


class SiteRead(SiteSummary):
    boundary: AreaGeometry


# --- enterprises -------------------------------------------------------------------------


class EnterpriseCreate(_In):
    name: str = Field(min_length=1, max_length=255)
    site_id: uuid.UUID | None = None
    tax_code: str | None = Field(
        default=None, max_length=20, description="mã số thuế: 10 digits, or 10 digits-3 digits"
    )
    sector: str | None = Field(default=None, max_length=128)
    headcount: int | None = Field(default=None, ge=0, description="number of workers")


class EnterpriseUpdate(_In):
    name: str | None = Field(default=None, min_length=1, max_length=255)
    site_id: uuid.UUID | None = None
    tax_code: str | None = Field(default=None, max_length=20)
    sector: str | None = Field(default=None, max_length=128)
    headcount: int | None = Field(default=None, ge=0)


class EnterpriseRead(BaseModel):
    id: uuid.UUID
    site_id: uuid.UUID | None
    name: str
    tax_code: str | None
    sector: str | None
    headcount: int | None
    created_at: datetime
    updated_at: datetime
    version: int


# --- boarding houses ---------------------------------------------------------------------


class _HouseFields(_In):
    landlord_name: str | None = Field(default=None, max_length=255)
    landlord_phone: str | None = Field(default=None, max_length=32)
    rooms: int | None = Field(default=None, ge=0)
    capacity: int | None = Field(default=None, ge=0, description="beds / people it can house")
    tenant_count: int | None = Field(default=None, ge=0, description="worker tenants now")
    notes: str | None = Field(default=None, max_length=2000)


class HouseCreate(_HouseFields):
    code: str = Field(min_length=1, max_length=64, description="external code; imports key on it")
    name: str = Field(min_length=1, max_length=255)
    address: str = Field(min_length=1, max_length=500)
    admin_unit_id: uuid.UUID = Field(description="the ward/commune (phường/xã)")
    lat: float = Field(description="WGS84 latitude; must lie in Vietnam")
    lon: float = Field(description="WGS84 longitude; must lie in Vietnam")
    status: HouseStatus = "active"
    employer_ids: list[uuid.UUID] = Field(default=[], max_length=100)
    team_id: uuid.UUID | None = Field(
        default=None, description="put the house on this team's list from today"
    )


class HouseUpdate(_HouseFields):
    code: str | None = Field(default=None, min_length=1, max_length=64)
    name: str | None = Field(default=None, min_length=1, max_length=255)
    address: str | None = Field(default=None, min_length=1, max_length=500)
    admin_unit_id: uuid.UUID | None = None
    lat: float | None = None
    lon: float | None = None
    status: HouseStatus | None = None
    employer_ids: list[uuid.UUID] | None = Field(default=None, max_length=100)


class HouseRead(BaseModel):
    id: uuid.UUID
    code: str
    name: str
    address: str
    admin_unit_id: uuid.UUID
    lat: float
    lon: float
    site_id: uuid.UUID | None = Field(description="containing site, else nearest within range")
    site_distance_m: float | None = Field(description="0 inside the site; metres to it if near")
    landlord_name: str | None
    landlord_phone: str | None
    rooms: int | None
    capacity: int | None
    tenant_count: int | None
    status: str
    notes: str | None
    employer_ids: list[uuid.UUID]
    checkpoint_id: uuid.UUID = Field(
        description="public handle of the current QR token (changes on rotation)"
    )
    checkpoint_rotated_at: datetime | None
    created_at: datetime
    updated_at: datetime
    version: int

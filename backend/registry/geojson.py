"""GeoJSON FeatureCollections for maps: sites as polygons, houses as points ([lon, lat])."""

import uuid
from typing import Literal

from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from backend.registry.schemas import AreaGeometry

GEOJSON = "application/geo+json"


class GeoJSONResponse(JSONResponse):
    media_type = GEOJSON


class PointGeometry(BaseModel):
    type: Literal["Point"] = "Point"
    coordinates: list[float] = Field(description="[lon, lat]", min_length=2, max_length=2)


class SiteProperties(BaseModel):
    id: uuid.UUID
    code: str
    name: str
    kind: str
    union_unit_id: uuid.UUID | None
    version: int


class SiteFeature(BaseModel):
    type: Literal["Feature"] = "Feature"
    id: uuid.UUID
    geometry: AreaGeometry
    properties: SiteProperties


class HouseProperties(BaseModel):
    """What a map popup shows."""

    id: uuid.UUID
    code: str
    name: str
    address: str
    status: str
    rooms: int | None
    capacity: int | None
    tenant_count: int | None
    landlord_name: str | None
    landlord_phone: str | None
    site_id: uuid.UUID | None
    site_name: str | None
    team_names: list[str] = Field(description="teams (visible to you) covering it now")
    checkpoint_id: uuid.UUID
    version: int


class HouseFeature(BaseModel):
    type: Literal["Feature"] = "Feature"
    id: uuid.UUID
    geometry: PointGeometry
    properties: HouseProperties


class _Collection(BaseModel):
    type: Literal["FeatureCollection"] = "FeatureCollection"
    bbox: list[float] | None = Field(
        default=None, description="[minLon, minLat, maxLon, maxLat] of the features"
    )
    next_cursor: str | None = Field(
        default=None, description="foreign member: pass back as cursor for the next page"
    )


class SiteFeatureCollection(_Collection):
    features: list[SiteFeature]


class HouseFeatureCollection(_Collection):
    features: list[HouseFeature]


def collection_bbox(boxes: list[tuple[float, float, float, float]]) -> list[float] | None:
    """The box around all features' boxes."""
    if not boxes:
        return None
    return [
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    ]

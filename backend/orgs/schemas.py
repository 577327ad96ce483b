"""Shapes of hierarchy nodes (admin units and union units)."""

import uuid
from datetime import datetime

from pydantic import BaseModel, Field


class UnitCreate(BaseModel):
    code: str = Field(min_length=1, max_length=64, description="official or internal code")
    name: str = Field(min_length=1, max_length=255)
    level: str = Field(
        min_length=1, max_length=64, description="level name, e.g. 'Thành phố', 'Phường'"
    )
    parent_id: uuid.UUID | None = None


class UnionUnitCreate(UnitCreate):
    admin_unit_id: uuid.UUID | None = Field(
        default=None, description="administrative unit the union unit belongs to"
    )


class UnitUpdate(BaseModel):
    code: str | None = Field(default=None, min_length=1, max_length=64)
    name: str | None = Field(default=None, min_length=1, max_length=255)
    level: str | None = Field(default=None, min_length=1, max_length=64)
    parent_id: uuid.UUID | None = Field(default=None, description="set to move the subtree")


class UnionUnitUpdate(UnitUpdate):
    admin_unit_id: uuid.UUID | None = None


class UnitRead(BaseModel):
    id: uuid.UUID
    code: str
    name: str
    level: str
    parent_id: uuid.UUID | None
    depth: int
    created_at: datetime
    updated_at: datetime
    version: int


class UnionUnitRead(UnitRead):
    admin_unit_id: uuid.UUID | None

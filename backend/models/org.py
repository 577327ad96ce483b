"""The two hierarchies as data: administrative units and union units."""

import uuid
from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from backend.models.base import UTCDateTime, created_at_field, utcnow, uuid_pk


class TreeNodeBase(SQLModel):
    """Columns every hierarchy node has; levels are names in data, not code."""

    code: str = Field(max_length=64, unique=True)
    name: str = Field(max_length=255)
    level: str = Field(max_length=64)


class TreeColumns(TreeNodeBase):
    id: uuid.UUID = uuid_pk()
    # Materialized path "/<hex>/<hex>/": a subtree is every row whose path starts with its own.
    path: str = Field(max_length=1024)
    depth: int = Field(default=0)
    name_search: str = Field(max_length=255, index=True)
    created_at: datetime = created_at_field()
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    deleted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    version: int = Field(default=1)


class AdminUnit(TreeColumns, table=True):
    """Tỉnh/thành phố → (quận/huyện) → phường/xã: 2 or 3 tiers."""

    __tablename__ = "admin_unit"
    __table_args__ = (
        Index("ix_admin_unit_path", "path", postgresql_ops={"path": "text_pattern_ops"}),
    )
    parent_id: uuid.UUID | None = Field(default=None, foreign_key="admin_unit.id", index=True)


class UnionUnit(TreeColumns, table=True):
    """LĐLĐ thành phố → LĐLĐ quận / Công đoàn ngành / Công đoàn KCN → Công đoàn cơ sở."""

    __tablename__ = "union_unit"
    __table_args__ = (
        Index("ix_union_unit_path", "path", postgresql_ops={"path": "text_pattern_ops"}),
    )
    parent_id: uuid.UUID | None = Field(default=None, foreign_key="union_unit.id", index=True)
    admin_unit_id: uuid.UUID | None = Field(default=None, foreign_key="admin_unit.id")

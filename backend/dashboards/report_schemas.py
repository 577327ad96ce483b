"""Shapes of the periodic reports API."""

import uuid
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

Kind = Literal["month", "quarter", "year"]


class ReportCreate(BaseModel):
    union_unit_id: uuid.UUID
    period_kind: Kind
    period: str = Field(
        max_length=8, description='"2026-10" (month), "2026-Q4" (quarter) or "2026" (year)'
    )
    number: str = Field(min_length=1, max_length=64, examples=["12/BC-LĐLĐ"])
    issued_on: date | None = None
    place: str | None = Field(default=None, max_length=255, examples=["TP. Hồ Chí Minh"])
    recipients: list[str] = Field(default_factory=list, max_length=30)
    proposals: str | None = Field(default=None, max_length=20_000)


class ReportUpdate(BaseModel):
    number: str | None = Field(default=None, min_length=1, max_length=64)
    issued_on: date | None = None
    place: str | None = Field(default=None, max_length=255)
    recipients: list[str] | None = Field(default=None, max_length=30)
    proposals: str | None = Field(default=None, max_length=20_000)


class ReportSummary(BaseModel):
    id: uuid.UUID
    union_unit_id: uuid.UUID
    period_kind: Kind
    period_start: date
    period_end: date
    number: str
    issued_on: date
    status: Literal["draft", "submitted"]
    submitted_at: datetime | None
    submitted_by: uuid.UUID | None
    version: int


class ReportRead(ReportSummary):
    place: str | None
    recipients: list[str]
    proposals: str | None
    content: dict[str, Any]
    created_by: uuid.UUID
    created_at: datetime
    updated_at: datetime


class UnitReportStatus(BaseModel):
    union_unit_id: uuid.UUID
    code: str
    name: str
    report_id: uuid.UUID | None
    status: Literal["missing", "draft", "submitted"]
    submitted_at: datetime | None
    submitted_by: uuid.UUID | None
    on_time: bool | None


class ReportStatusBoard(BaseModel):
    period_kind: Kind
    period_start: date
    period_end: date
    due_on: date
    submitted: int
    expected: int
    units: list[UnitReportStatus]

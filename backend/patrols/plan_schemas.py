"""Patrol plans: schedule in, schedule and window results out."""

import uuid
from datetime import date, datetime, time
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator, model_validator

Weekday = int  # ISO: 1 = Monday … 7 = Sunday


def days_to_bits(days: list[int]) -> int:
    return sum(1 << (d - 1) for d in set(days))


def bits_to_days(bits: int) -> list[int]:
    return [d for d in range(1, 8) if bits & (1 << (d - 1))]


class _PlanFields(BaseModel):
    @field_validator("days_of_week", check_fields=False)
    @classmethod
    def _days(cls, days: list[int] | None) -> list[int] | None:
        if days is None:
            return None
        if any(d < 1 or d > 7 for d in days):
            raise ValueError("days are ISO weekdays: 1 (Monday) to 7 (Sunday)")
        return sorted(set(days))


class PlanCreate(_PlanFields):
    """A schedule in local time (Asia/Ho_Chi_Minh); an end at or before the start is next day."""

    team_id: uuid.UUID
    name: str = Field(min_length=1, max_length=255)
    days_of_week: list[Weekday] = Field(min_length=1, max_length=7)
    start_time: time = Field(description="local time, e.g. 21:00")
    end_time: time = Field(description="local time, e.g. 23:30 (or 01:00: next day)")
    house_ids: list[uuid.UUID] = Field(default_factory=list, max_length=500)
    min_scans: int = Field(default=1, ge=0, le=10_000)
    active: StrictBool = True

    @model_validator(mode="after")
    def _window(self):
        if self.start_time == self.end_time:
            raise ValueError("start_time and end_time must differ")
        return self


class PlanUpdate(_PlanFields):
    name: str | None = Field(default=None, min_length=1, max_length=255)
    days_of_week: list[Weekday] | None = Field(default=None, min_length=1, max_length=7)
    start_time: time | None = None
    end_time: time | None = None
    house_ids: list[uuid.UUID] | None = Field(default=None, max_length=500)
    min_scans: int | None = Field(default=None, ge=0, le=10_000)
    active: StrictBool | None = None


class PlanRead(BaseModel):
    id: uuid.UUID
    team_id: uuid.UUID
    name: str
    days_of_week: list[Weekday]
    start_time: time
    end_time: time
    timezone: str
    house_ids: list[uuid.UUID]
    min_scans: int
    active: bool
    version: int
    created_at: datetime
    updated_at: datetime


class WindowResultRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    plan_id: uuid.UUID
    team_id: uuid.UUID
    local_date: date
    window_start: datetime
    window_end: datetime
    status: Literal["done", "partial", "missed"]
    scans: int
    houses_scanned: int
    houses_planned: int
    notified: bool
    evaluated_at: datetime


class HouseCoverage(BaseModel):
    house_id: uuid.UUID
    name: str | None
    last_scanned_at: datetime | None
    scans: int


class PlanCoverage(BaseModel):
    """How a plan has gone since ``since``: windows by outcome, and each house's last scan."""

    plan_id: uuid.UUID
    since: datetime
    windows: dict[str, int]
    houses: list[HouseCoverage]

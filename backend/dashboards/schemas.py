"""Response shapes of the dashboards (the mobile/web contract)."""

import uuid
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field


class ScopeOut(BaseModel):
    kind: Literal["union", "admin", "site"]
    id: uuid.UUID
    name: str


class PeriodOut(BaseModel):
    from_: date = Field(alias="from", serialization_alias="from")
    to: date

    model_config = {"populate_by_name": True}


class CategoryCount(BaseModel):
    category: str
    name: str
    count: int


class SeverityCount(BaseModel):
    severity: int
    count: int


class StatusCount(BaseModel):
    status: str
    count: int


class Durations(BaseModel):
    """Percentiles are the lower bound of a histogram bucket (a minute under an hour)."""

    count: int
    median_seconds: int | None
    p90_seconds: int | None


class IncidentFigures(BaseModel):
    total: int
    protected_reporter: int
    by_category: list[CategoryCount]
    by_severity: list[SeverityCount]
    by_status: list[StatusCount]
    time_to_acknowledge: Durations
    time_to_resolve: Durations


class OverdueEscalation(BaseModel):
    escalation_id: uuid.UUID
    incident_id: uuid.UUID
    category: str
    severity: int
    target_kind: str
    level: int
    deadline_at: datetime
    overdue_seconds: int


class OverdueEscalations(BaseModel):
    count: int
    items: list[OverdueEscalation]


class PatrolFigures(BaseModel):
    teams: int
    teams_active: int
    patrols: int
    patrols_completed: int
    windows_planned: int
    windows_done: int
    windows_partial: int
    windows_missed: int
    done_rate: float | None
    scans: int
    flagged_scans: int
    reports: int


class HouseFigures(BaseModel):
    total: int
    covered: int
    uncovered: int
    coverage_rate: float | None


class TrendPoint(BaseModel):
    start: date
    incidents: int
    patrols: int
    scans: int
    flagged_scans: int
    windows_planned: int
    windows_done: int


class Trend(BaseModel):
    by: Literal["week", "month"]
    series: list[TrendPoint]


class DashboardSummary(BaseModel):
    scope: ScopeOut
    period: PeriodOut
    generated_at: datetime
    incidents: IncidentFigures
    escalations_overdue: OverdueEscalations
    patrols: PatrolFigures
    houses: HouseFigures
    trend: Trend


class TeamRank(BaseModel):
    rank: int
    team_id: uuid.UUID
    code: str
    name: str
    patrols: int
    patrols_completed: int
    scans: int
    reports: int
    flagged_scans: int


class HouseCoverage(BaseModel):
    house_id: uuid.UUID
    code: str
    name: str
    incidents: int
    latest_incident_at: datetime
    last_patrolled_before: datetime | None
    days_since_patrol: int | None
    patrols_30_days_before: int


class UncoveredHouse(BaseModel):
    house_id: uuid.UUID
    code: str
    name: str
    address: str
    last_patrolled_at: datetime | None


class UnitCompleteness(BaseModel):
    union_unit_id: uuid.UUID | None
    name: str | None
    teams: int
    windows_planned: int
    windows_done: int
    completeness: float | None
    patrols_completed: int
    patrols_on_time: int
    timeliness: float | None
    laggards: int


class LaggardTeam(BaseModel):
    team_id: uuid.UUID
    code: str
    name: str
    union_unit_id: uuid.UUID | None
    windows_planned: int
    windows_done: int
    completeness: float | None
    patrols_completed: int
    patrols_on_time: int
    timeliness: float | None


class Completeness(BaseModel):
    threshold: float
    units: list[UnitCompleteness]
    laggards: list[LaggardTeam]


class FeatureCollection(BaseModel):
    """GeoJSON FeatureCollection (RFC 7946), coordinates [lon, lat]."""

    type: Literal["FeatureCollection"] = "FeatureCollection"
    features: list[dict[str, Any]]
    properties: dict[str, Any] = {}

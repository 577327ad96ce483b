"""Rollups behind the dashboards, their watermarks, and the periodic reports to the city.

Rollups are derived data: recomputed from the raw tables (scans, patrols, plan results,
incidents) by ``backend.dashboards.rollups``, never written by request code, and rebuildable
from scratch (``ttq rollups rebuild``). Days are local days in Asia/Ho_Chi_Minh. They carry no
foreign keys: a rebuild writes millions of rows, and a deleted parent only needs a rebuild.

"No house" (a scan of an unknown token) and "no site / no covering union" are the nil UUID,
so every key column is NOT NULL and the primary keys work the same on both engines.
"""

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Column, Index, Integer, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from backend.models.base import JSONType, UTCDateTime, created_at_field, utcnow, uuid_pk
from backend.models.patrol import CheckpointScan, Patrol, PlanWindowResult

NIL = uuid.UUID(int=0)

# The refresh job finds what changed by these insert-ordered columns; the owning models index
# them by team or by other leading columns, so the global range scans need their own index.
Index("ix_checkpoint_scan_updated_at", CheckpointScan.__table__.c.updated_at)
Index("ix_patrol_updated_at", Patrol.__table__.c.updated_at)
Index("ix_plan_window_result_evaluated_at", PlanWindowResult.__table__.c.evaluated_at)
# Incidents already have ix_incident_updated (updated_at, id).


class RollupWatermark(SQLModel, table=True):
    """How far the refresh job has read one raw source (by its insert-ordered column)."""

    __tablename__ = "rollup_watermark"

    source: str = Field(max_length=32, primary_key=True)
    value: datetime = Field(sa_type=UTCDateTime)
    rows_seen: int = Field(default=0, sa_type=BigInteger)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class RollupCell(SQLModel, table=True):
    """Where an incident counts: its ward, its team's union, the covering union, its site.

    The incident rollups are keyed by a small integer cell instead of four UUIDs: narrower
    rows, and a scope resolves to a short list of cells first.
    """

    __tablename__ = "rollup_cell"
    __table_args__ = (
        UniqueConstraint(
            "admin_unit_id",
            "union_unit_id",
            "covering_union_unit_id",
            "site_id",
            name="uq_rollup_cell_key",
        ),
    )

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    admin_unit_id: uuid.UUID
    union_unit_id: uuid.UUID
    covering_union_unit_id: uuid.UUID  # NIL when none
    site_id: uuid.UUID  # NIL when none


class RollupIncidentFact(SQLModel, table=True):
    """Where each incident was last counted, so a change of day, cell, team or house also
    recomputes the rollup rows it left (the raw row no longer says where it was)."""

    __tablename__ = "rollup_incident_fact"
    __table_args__ = (
        Index("ix_rollup_incident_fact_team_day", "team_id", "day"),
        Index("ix_rollup_incident_fact_cell_day", "cell_id", "day"),
        # The coverage table's newest days of a scope, and a chosen house's period (0020).
        Index(
            "ix_rollup_incident_fact_day_cell",
            "day",
            "cell_id",
            postgresql_include=["house_id", "incident_id"],
        ),
        Index("ix_rollup_incident_fact_house_day", "house_id", "day"),
    )

    incident_id: uuid.UUID = Field(primary_key=True)
    day: date
    cell_id: int
    team_id: uuid.UUID
    house_id: uuid.UUID  # NIL when none


class RollupIncidentDay(SQLModel, table=True):
    """Submitted incidents per local day (of occurrence) × cell × category × severity × status."""

    __tablename__ = "rollup_incident_day"
    __table_args__ = (Index("ix_rollup_incident_day_cell_day", "cell_id", "day"),)

    day: date = Field(primary_key=True)
    cell_id: int = Field(primary_key=True)
    category: str = Field(max_length=64, primary_key=True)
    severity: int = Field(primary_key=True)
    status: str = Field(max_length=16, primary_key=True)
    n: int = 0
    protected: int = 0  # of which with a protected reporter


class RollupIncidentTime(SQLModel, table=True):
    """Histogram of times to acknowledge / to resolve, per day × cell × severity.

    ``bucket_s`` is the lower bound of a duration bucket (``backend.dashboards.buckets``):
    percentiles read from it are exact to the bucket's resolution (a minute under an hour).
    """

    __tablename__ = "rollup_incident_time"
    __table_args__ = (Index("ix_rollup_incident_time_cell_day", "cell_id", "day"),)

    day: date = Field(primary_key=True)
    cell_id: int = Field(primary_key=True)
    severity: int = Field(primary_key=True)
    kind: str = Field(max_length=8, primary_key=True)  # ack | resolve
    bucket_s: int = Field(primary_key=True)
    n: int = 0


class RollupHouseDay(SQLModel, table=True):
    """Checkpoint scans per local day × house × team."""

    __tablename__ = "rollup_house_day"
    __table_args__ = (
        Index("ix_rollup_house_day_team_day", "team_id", "day"),
        Index("ix_rollup_house_day_day", "day"),
    )

    house_id: uuid.UUID = Field(primary_key=True)  # NIL: scans of unknown tokens
    day: date = Field(primary_key=True)
    team_id: uuid.UUID = Field(primary_key=True)
    scans: int = 0
    flagged: int = 0
    first_scan_at: datetime = Field(sa_type=UTCDateTime)
    last_scan_at: datetime = Field(sa_type=UTCDateTime)


class RollupHouseMonth(SQLModel, table=True):
    """Per house and local month: scans, days patrolled, last scan (from the day rollup)."""

    __tablename__ = "rollup_house_month"
    # (month, house_id): the dashboard's coverage count reads one month from the index alone
    __table_args__ = (Index("ix_rollup_house_month_month_house", "month", "house_id"),)

    house_id: uuid.UUID = Field(primary_key=True)
    month: date = Field(primary_key=True)  # first day of the month
    scans: int = 0
    patrol_days: int = 0
    # Bit d-1 set when the house was scanned on day d: the partial months at a period's edges
    # are read from this row instead of a day rollup row per house and day.
    days: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    last_scan_at: datetime = Field(sa_type=UTCDateTime)


class RollupHouseYear(SQLModel, table=True):
    """Per local year and house, the months it was scanned in (from the month rollup).

    Coverage over several months reads one row per house and year instead of one per house
    and month (a three-month period of a 40,000-house city: 40,000 rows, not 120,000).
    Keyed year first: the dashboard joins one year's rows to the houses of a scope.
    """

    __tablename__ = "rollup_house_year"

    year: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    house_id: uuid.UUID = Field(primary_key=True)
    months: int = 0  # bit m-1 set when the house was scanned in month m


class RollupHouseLast(SQLModel, table=True):
    """The last scan of each house ever: the map's "days since last patrol"."""

    __tablename__ = "rollup_house_last"

    house_id: uuid.UUID = Field(primary_key=True)
    last_scan_at: datetime = Field(sa_type=UTCDateTime)


class TeamCounts(SQLModel):
    """A team's activity counts, per day, week or month (week and month: sums of the days)."""

    patrols: int = 0  # started, not abandoned
    patrols_completed: int = 0
    patrols_on_time: int = 0  # completed and their end reached the server in time
    windows_planned: int = 0  # judged plan windows
    windows_done: int = 0
    windows_partial: int = 0
    windows_missed: int = 0
    scans: int = 0
    flagged: int = 0
    houses_scanned: int = 0  # distinct houses per day (a week or month sums its days)
    incidents: int = 0  # submitted reports, by day of occurrence


class RollupTeamDay(TeamCounts, table=True):
    """A team's activity per local day: patrols, plan windows, scans, flags, reports."""

    __tablename__ = "rollup_team_day"
    # Covering on PostgreSQL: the days at the edges of a weekly trend, from the index alone.
    __table_args__ = (
        Index(
            "ix_rollup_team_day_day_team",
            "day",
            "team_id",
            postgresql_include=[
                *("patrols", "patrols_completed", "windows_planned", "windows_done"),
                *("windows_partial", "windows_missed", "scans", "flagged", "incidents"),
            ],
        ),
    )

    team_id: uuid.UUID = Field(primary_key=True)
    day: date = Field(primary_key=True)


class PeriodicReport(SQLModel, table=True):
    """A union unit's periodic report to the city federation (báo cáo định kỳ)."""

    __tablename__ = "periodic_report"
    __table_args__ = (UniqueConstraint("union_unit_id", "period_kind", "period_start"),)

    id: uuid.UUID = uuid_pk()
    union_unit_id: uuid.UUID = Field(foreign_key="union_unit.id", index=True)
    period_kind: str = Field(max_length=8)  # month | quarter | year
    period_start: date
    period_end: date  # inclusive
    number: str = Field(max_length=64)  # "12/BC-CĐ"
    issued_on: date
    place: str | None = Field(default=None, max_length=255)  # "TP. Hồ Chí Minh"
    recipients: list[str] = Field(default_factory=list, sa_type=JSONType)
    proposals: str | None = Field(default=None, sa_type=Text)
    # The figures as generated; frozen at submission, so what was sent is what is read.
    content: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    status: str = Field(default="draft", max_length=16)  # draft | submitted
    created_by: uuid.UUID = Field(foreign_key="user_account.id")
    created_at: datetime = created_at_field()
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    submitted_by: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")
    submitted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    version: int = Field(default=1)


class PeriodicReportReminder(SQLModel, table=True):
    """A reminder sent to a unit for one report period (sent once)."""

    __tablename__ = "periodic_report_reminder"

    union_unit_id: uuid.UUID = Field(primary_key=True)
    period_kind: str = Field(max_length=8, primary_key=True)
    period_start: date = Field(primary_key=True)
    sent_at: datetime = created_at_field()


class RollupIncidentMonth(SQLModel, table=True):
    """Incident counts per local month × cell, one row per (dimension, value): category,
    severity, status and day. The day rollup crossed with every dimension is nearly as many
    rows as incidents; its margins per month are a few dozen rows a cell."""

    __tablename__ = "rollup_incident_month"
    __table_args__ = (Index("ix_rollup_incident_month_cell_month", "cell_id", "month"),)

    month: date = Field(primary_key=True)
    cell_id: int = Field(primary_key=True)
    dim: str = Field(max_length=8, primary_key=True)  # category | severity | status | day
    value: str = Field(max_length=64, primary_key=True)
    n: int = 0
    protected: int = 0


class RollupIncidentTimeMonth(SQLModel, table=True):
    """The duration histograms per local month × cell (all severities)."""

    __tablename__ = "rollup_incident_time_month"
    __table_args__ = (Index("ix_rollup_incident_time_month_cell_month", "cell_id", "month"),)

    month: date = Field(primary_key=True)
    cell_id: int = Field(primary_key=True)
    kind: str = Field(max_length=8, primary_key=True)
    bucket_s: int = Field(primary_key=True)
    n: int = 0


class RollupTeamMonth(TeamCounts, table=True):
    """A team's activity per local month (sums of its days)."""

    __tablename__ = "rollup_team_month"
    __table_args__ = (Index("ix_rollup_team_month_month", "month"),)

    team_id: uuid.UUID = Field(primary_key=True)
    month: date = Field(primary_key=True)


class RollupTeamWeek(TeamCounts, table=True):
    """A team's activity per local week, Monday first (sums of its days): weekly trends read
    a few rows per team instead of seven."""

    __tablename__ = "rollup_team_week"
    __table_args__ = (Index("ix_rollup_team_week_week", "week"),)

    team_id: uuid.UUID = Field(primary_key=True)
    week: date = Field(primary_key=True)  # the Monday


__all__ = [
    "NIL",
    "PeriodicReport",
    "PeriodicReportReminder",
    "RollupCell",
    "RollupHouseDay",
    "RollupHouseLast",
    "RollupHouseMonth",
    "RollupHouseYear",
    "RollupIncidentDay",
    "RollupIncidentFact",
    "RollupIncidentMonth",
    "RollupIncidentTime",
    "RollupIncidentTimeMonth",
    "RollupTeamDay",
    "RollupTeamMonth",
    "RollupTeamWeek",
    "RollupWatermark",
]

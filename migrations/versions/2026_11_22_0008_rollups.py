"""rollups

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22 17:55:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
TS = sa.DateTime(timezone=True)

# Indexes on raw tables of other domains: the rollup job reads them by these columns.
RAW_INDEXES = (
    ("ix_checkpoint_scan_updated_at", "checkpoint_scan", "updated_at"),
    ("ix_patrol_updated_at", "patrol", "updated_at"),
    ("ix_plan_window_result_evaluated_at", "plan_window_result", "evaluated_at"),
)
TEAM_VALUES = (
    "patrols",
    "patrols_completed",
    "patrols_on_time",
    "windows_planned",
    "windows_done",
    "windows_partial",
    "windows_missed",
    "scans",
    "flagged",
    "houses_scanned",
    "incidents",
)


def upgrade() -> None:
    op.create_table(
        "rollup_watermark",
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("value", TS, nullable=False),
        sa.Column("rows_seen", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("source", name=op.f("pk_rollup_watermark")),
    )
    op.create_table(
        "rollup_cell",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("admin_unit_id", sa.Uuid(), nullable=False),
        sa.Column("union_unit_id", sa.Uuid(), nullable=False),
        sa.Column("covering_union_unit_id", sa.Uuid(), nullable=False),
        sa.Column("site_id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rollup_cell")),
        sa.UniqueConstraint(
            "admin_unit_id",
            "union_unit_id",
            "covering_union_unit_id",
            "site_id",
            name="uq_rollup_cell_key",
        ),
    )
    op.create_table(
        "rollup_incident_fact",
        sa.Column("incident_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("cell_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Uuid(), nullable=False),
        sa.Column("house_id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("incident_id", name=op.f("pk_rollup_incident_fact")),
    )
    op.create_index("ix_rollup_incident_fact_cell_day", "rollup_incident_fact", ["cell_id", "day"])
    op.create_index("ix_rollup_incident_fact_team_day", "rollup_incident_fact", ["team_id", "day"])
    op.create_table(
        "rollup_incident_day",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("cell_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=False),
        sa.Column("severity", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("protected", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "day",
            "cell_id",
            "category",
            "severity",
            "status",
            name=op.f("pk_rollup_incident_day"),
        ),
    )
    op.create_index("ix_rollup_incident_day_cell_day", "rollup_incident_day", ["cell_id", "day"])
    op.create_table(
        "rollup_incident_time",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("cell_id", sa.Integer(), nullable=False),
        sa.Column("severity", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("bucket_s", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "day",
            "cell_id",
            "severity",
            "kind",
            "bucket_s",
            name=op.f("pk_rollup_incident_time"),
        ),
    )
    op.create_index("ix_rollup_incident_time_cell_day", "rollup_incident_time", ["cell_id", "day"])
    op.create_table(
        "rollup_house_day",
        sa.Column("house_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("team_id", sa.Uuid(), nullable=False),
        sa.Column("scans", sa.Integer(), nullable=False),
        sa.Column("flagged", sa.Integer(), nullable=False),
        sa.Column("first_scan_at", TS, nullable=False),
        sa.Column("last_scan_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("house_id", "day", "team_id", name=op.f("pk_rollup_house_day")),
    )
    op.create_index("ix_rollup_house_day_day", "rollup_house_day", ["day"])
    op.create_index("ix_rollup_house_day_team_day", "rollup_house_day", ["team_id", "day"])
    op.create_table(
        "rollup_house_month",
        sa.Column("house_id", sa.Uuid(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("scans", sa.Integer(), nullable=False),
        sa.Column("patrol_days", sa.Integer(), nullable=False),
        sa.Column("last_scan_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("house_id", "month", name=op.f("pk_rollup_house_month")),
    )
    op.create_index("ix_rollup_house_month_month", "rollup_house_month", ["month"])
    op.create_table(
        "rollup_house_last",
        sa.Column("house_id", sa.Uuid(), nullable=False),
        sa.Column("last_scan_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("house_id", name=op.f("pk_rollup_house_last")),
    )
    op.create_table(
        "rollup_team_day",
        sa.Column("team_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        *[sa.Column(name, sa.Integer(), nullable=False) for name in TEAM_VALUES],
        sa.PrimaryKeyConstraint("team_id", "day", name=op.f("pk_rollup_team_day")),
    )
    op.create_index("ix_rollup_team_day_day", "rollup_team_day", ["day"])
    op.create_table(
        "rollup_incident_month",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("cell_id", sa.Integer(), nullable=False),
        sa.Column("dim", sa.String(length=8), nullable=False),
        sa.Column("value", sa.String(length=64), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("protected", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "month", "cell_id", "dim", "value", name=op.f("pk_rollup_incident_month")
        ),
    )
    op.create_index(
        "ix_rollup_incident_month_cell_month", "rollup_incident_month", ["cell_id", "month"]
    )
    op.create_table(
        "rollup_incident_time_month",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("cell_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("bucket_s", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "month", "cell_id", "kind", "bucket_s", name=op.f("pk_rollup_incident_time_month")
        ),
    )
    op.create_index(
        "ix_rollup_incident_time_month_cell_month",
        "rollup_incident_time_month",
        ["cell_id", "month"],
    )
    op.create_table(
        "rollup_team_month",
        sa.Column("team_id", sa.Uuid(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        *[sa.Column(name, sa.Integer(), nullable=False) for name in TEAM_VALUES],
        sa.PrimaryKeyConstraint("team_id", "month", name=op.f("pk_rollup_team_month")),
    )
    op.create_index("ix_rollup_team_month_month", "rollup_team_month", ["month"])
    op.create_table(
        "periodic_report",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("union_unit_id", sa.Uuid(), nullable=False),
        sa.Column("period_kind", sa.String(length=8), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("place", sa.String(length=255), nullable=True),
        sa.Column("recipients", JSON, nullable=False),
        sa.Column("proposals", sa.Text(), nullable=True),
        sa.Column("content", JSON, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("submitted_by", sa.Uuid(), nullable=True),
        sa.Column("submitted_at", TS, nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["user_account.id"],
            name=op.f("fk_periodic_report_created_by_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by"],
            ["user_account.id"],
            name=op.f("fk_periodic_report_submitted_by_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["union_unit_id"],
            ["union_unit.id"],
            name=op.f("fk_periodic_report_union_unit_id_union_unit"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_periodic_report")),
        sa.UniqueConstraint(
            "union_unit_id",
            "period_kind",
            "period_start",
            name=op.f("uq_periodic_report_union_unit_id_period_kind_period_start"),
        ),
    )
    op.create_index(op.f("ix_periodic_report_union_unit_id"), "periodic_report", ["union_unit_id"])
    op.create_table(
        "periodic_report_reminder",
        sa.Column("union_unit_id", sa.Uuid(), nullable=False),
        sa.Column("period_kind", sa.String(length=8), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("sent_at", TS, nullable=False),
        sa.PrimaryKeyConstraint(
            "union_unit_id",
            "period_kind",
            "period_start",
            name=op.f("pk_periodic_report_reminder"),
        ),
    )
    for name, table, column in RAW_INDEXES:
        op.create_index(name, table, [column])


def downgrade() -> None:
    for name, table, _ in RAW_INDEXES:
        op.drop_index(name, table_name=table)
    op.drop_table("periodic_report_reminder")
    op.drop_index(op.f("ix_periodic_report_union_unit_id"), table_name="periodic_report")
    op.drop_table("periodic_report")
    for table, indexes in (
        ("rollup_team_month", ["ix_rollup_team_month_month"]),
        ("rollup_incident_time_month", ["ix_rollup_incident_time_month_cell_month"]),
        ("rollup_incident_month", ["ix_rollup_incident_month_cell_month"]),
        ("rollup_team_day", ["ix_rollup_team_day_day"]),
        ("rollup_house_last", []),
        ("rollup_house_month", ["ix_rollup_house_month_month"]),
        ("rollup_house_day", ["ix_rollup_house_day_team_day", "ix_rollup_house_day_day"]),
        ("rollup_incident_time", ["ix_rollup_incident_time_cell_day"]),
        ("rollup_incident_day", ["ix_rollup_incident_day_cell_day"]),
        (
            "rollup_incident_fact",
            ["ix_rollup_incident_fact_team_day", "ix_rollup_incident_fact_cell_day"],
        ),
        ("rollup_cell", []),
        ("rollup_watermark", []),
    ):
        for index in indexes:
            op.drop_index(index, table_name=table)
        op.drop_table(table)

"""rollup_team_week

A weekly dashboard read a month of team × day rows (about 60,000 for a city of 2,000 teams);
weeks cut across months, so the month rollup could not serve it. This keeps the sums per team
and week (Monday first), filled here from the day rollup so existing installs need no rebuild.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-22 21:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TEAM_VALUES = (
    *("patrols", "patrols_completed", "patrols_on_time", "windows_planned", "windows_done"),
    *("windows_partial", "windows_missed", "scans", "flagged", "houses_scanned", "incidents"),
)
# The Monday of a date, per engine (as backend.dashboards.sqlfuncs.week_of compiles it).
MONDAY = {
    "postgresql": "CAST(date_trunc('week', day) AS DATE)",
    "sqlite": "date(day, '-' || ((CAST(strftime('%w', day) AS INTEGER) + 6) % 7) || ' days')",
}


def upgrade() -> None:
    op.create_table(
        "rollup_team_week",
        sa.Column("team_id", sa.Uuid(), nullable=False),
        sa.Column("week", sa.Date(), nullable=False),
        *[sa.Column(name, sa.Integer(), nullable=False) for name in TEAM_VALUES],
        sa.PrimaryKeyConstraint("team_id", "week", name=op.f("pk_rollup_team_week")),
    )
    op.create_index("ix_rollup_team_week_week", "rollup_team_week", ["week"])
    monday = MONDAY[op.get_bind().dialect.name]
    sums = ", ".join(f"sum({name})" for name in TEAM_VALUES)
    op.execute(
        f"INSERT INTO rollup_team_week (team_id, week, {', '.join(TEAM_VALUES)})"
        f" SELECT team_id, {monday}, {sums} FROM rollup_team_day GROUP BY team_id, {monday}"
    )


def downgrade() -> None:
    op.drop_index("ix_rollup_team_week_week", table_name="rollup_team_week")
    op.drop_table("rollup_team_week")

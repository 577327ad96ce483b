"""rollup covering indexes

The city dashboard reads a month of team × day rows (about 60,000 for 2,000 teams) and a
month of house × month rows (one per house): with indexes on the period column alone, each
row was a random heap visit. These indexes hold what those reads need, so PostgreSQL answers
them from the index (index-only scans).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-22 22:05:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TEAM_DAY_COUNTS = [
    *("patrols", "patrols_completed", "windows_planned", "windows_done"),
    *("windows_partial", "windows_missed", "scans", "flagged", "incidents"),
]


def upgrade() -> None:
    op.drop_index("ix_rollup_house_month_month", table_name="rollup_house_month")
    op.create_index(
        "ix_rollup_house_month_month_house", "rollup_house_month", ["month", "house_id"]
    )
    op.drop_index("ix_rollup_team_day_day", table_name="rollup_team_day")
    op.create_index(
        "ix_rollup_team_day_day_team",
        "rollup_team_day",
        ["day", "team_id"],
        postgresql_include=TEAM_DAY_COUNTS,
    )


def downgrade() -> None:
    op.drop_index("ix_rollup_team_day_day_team", table_name="rollup_team_day")
    op.create_index("ix_rollup_team_day_day", "rollup_team_day", ["day"])
    op.drop_index("ix_rollup_house_month_month_house", table_name="rollup_house_month")
    op.create_index("ix_rollup_house_month_month", "rollup_house_month", ["month"])

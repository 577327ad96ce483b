"""incident: a team's reports by submission time, for the commendation candidates

The candidates of a period (``backend.monitoring.candidates``) count each team's reports
submitted in it. The only index by team was (team_id, created_at), so a district's quarter
read every report its 200 teams ever made from the table (0.25-0.3 s at the documented
scale); with (team_id, submitted_at), covering the status, the duplicate link and the closing
time on PostgreSQL, it reads the period's entries of the index (40-67 ms for the page). A
report's write maintains one index more: +8 to +13 µs of PostgreSQL per report (10,000 rows
inserted and rolled back, without and with the index alternated in 3 rounds of 5, medians
827-976 against 906-1,103 ms), under 1 % of a report's 1.5 ms.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-05 23:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_incident_team_submitted",
        "incident",
        ["team_id", "submitted_at"],
        postgresql_include=["status", "duplicate_of_id", "closed_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_incident_team_submitted", table_name="incident")

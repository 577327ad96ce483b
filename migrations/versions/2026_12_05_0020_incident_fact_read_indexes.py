"""incident facts read by day first and by house: the coverage table's newest days

The coverage-against-incidents table (``backend.dashboards.tables``) now reads only the
newest days of the period that hold a page's houses, then each chosen house's incidents over
the period. Both reads need an index the facts did not have:

- (day, cell_id) covering house_id and incident_id (on PostgreSQL): a few days of a scope's
  facts from the index alone (the (cell_id, day) index made the planner scan the whole table
  for a district's fortnight);
- (house_id, day): a chosen house's incidents in the period.

Both are on a rollup table the dashboard job writes, not on a report's path.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05 23:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_rollup_incident_fact_day_cell",
        "rollup_incident_fact",
        ["day", "cell_id"],
        postgresql_include=["house_id", "incident_id"],
    )
    op.create_index(
        "ix_rollup_incident_fact_house_day", "rollup_incident_fact", ["house_id", "day"]
    )


def downgrade() -> None:
    op.drop_index("ix_rollup_incident_fact_house_day", table_name="rollup_incident_fact")
    op.drop_index("ix_rollup_incident_fact_day_cell", table_name="rollup_incident_fact")

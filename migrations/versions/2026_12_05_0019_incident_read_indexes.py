"""incident read indexes: the queue's order ends with the id; category with the time

Two reads that sorted or walked a city's incidents at the documented scale (1 million):

- The queue (``backend.incidents.queries.queue``) is read per (handler side, status) in
  deadline order with the id breaking ties, a page at a time. Ending at the deadline, the
  index left every incident with the same deadline (all those without one: acknowledged,
  triaged) to be sorted by id: a city's union queue sorted 230,000 rows for each page of 50
  (0.22 s). With the id in the index each status is read in the page's order.
- The labour events of a period (``backend.console.union_labour``) walked every incident of
  the period newest first looking for labour ones (0.18-0.36 s for two months). The index on
  the category alone becomes (category, occurred_at): it still serves the category's lookups
  (a leading column), and a period of given categories is read from it. No index is added to
  the table: a report's write maintains as many as before.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05 02:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_incident_queue", table_name="incident")
    op.create_index(
        "ix_incident_queue", "incident", ["handler_kind", "status", "ack_deadline_at", "id"]
    )
    op.drop_index("ix_incident_category", table_name="incident")
    op.create_index("ix_incident_category_occurred", "incident", ["category", "occurred_at"])


def downgrade() -> None:
    op.drop_index("ix_incident_category_occurred", table_name="incident")
    op.create_index("ix_incident_category", "incident", ["category"])
    op.drop_index("ix_incident_queue", table_name="incident")
    op.create_index("ix_incident_queue", "incident", ["handler_kind", "status", "ack_deadline_at"])

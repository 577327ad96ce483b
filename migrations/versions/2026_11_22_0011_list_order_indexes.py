"""list order indexes

The scan and incident lists are newest first (keyset on time, id). With no index in that
order, PostgreSQL sorted every visible row for each page: at 10 million scans a city or
district officer's first page of scans took 0.4-0.7 s, of incidents (1 million) 0.12-0.15 s.
With these the pages take 5-9 ms (bench database of bench/bench_dashboard.py).

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-22 21:50:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = (
    ("ix_checkpoint_scan_scanned", "checkpoint_scan", ["scanned_at", "id"]),
    ("ix_checkpoint_scan_team_scanned", "checkpoint_scan", ["team_id", "scanned_at", "id"]),
    ("ix_incident_created", "incident", ["created_at", "id"]),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _ in INDEXES:
        op.drop_index(name, table_name=table)

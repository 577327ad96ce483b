"""rollup_house_year, rollup_house_month.days

House coverage over several months read one rollup row per house and month (120,000 for a
40,000-house city over three months), and the partial months at a period's edges one row
per house, day and team. This keeps, per house and year, the months it was scanned in as
bits, and per house and month the days as bits: any period reads at most one row per house
for each year it touches and each partial month at its edges. Both are filled here from the
day and month rollups, so existing installs need no rebuild.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03 18:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As backend.dashboards.sqlfuncs compiles month_of, day_bit, year_of and month_bit.
SQL = {
    "postgresql": {
        "month": "CAST(date_trunc('month', day) AS DATE)",
        "day_bit": "(1 << (CAST(extract(day FROM day) AS INTEGER) - 1))",
        "year": "CAST(extract(year FROM month) AS INTEGER)",
        "month_bit": "(1 << (CAST(extract(month FROM month) AS INTEGER) - 1))",
    },
    "sqlite": {
        "month": "date(day, 'start of month')",
        "day_bit": "(1 << (CAST(strftime('%d', day) AS INTEGER) - 1))",
        "year": "CAST(strftime('%Y', month) AS INTEGER)",
        "month_bit": "(1 << (CAST(strftime('%m', month) AS INTEGER) - 1))",
    },
}


def upgrade() -> None:
    sql = SQL[op.get_bind().dialect.name]
    op.add_column(
        "rollup_house_month",
        sa.Column("days", sa.Integer(), server_default="0", nullable=False),
    )
    # distinct: a day a house was scanned by two teams has two day rows, and one bit
    op.execute(
        "UPDATE rollup_house_month SET days = d.days"
        f" FROM (SELECT house_id, {sql['month']} AS month, sum(DISTINCT {sql['day_bit']}) AS days"
        f" FROM rollup_house_day GROUP BY house_id, {sql['month']}) AS d"
        " WHERE rollup_house_month.house_id = d.house_id"
        " AND rollup_house_month.month = d.month"
    )
    op.create_table(
        "rollup_house_year",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("house_id", sa.Uuid(), nullable=False),
        sa.Column("months", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year", "house_id", name=op.f("pk_rollup_house_year")),
    )
    # one row per house and month: the sum of the months' bits is their OR
    op.execute(
        "INSERT INTO rollup_house_year (year, house_id, months)"
        f" SELECT {sql['year']}, house_id, sum({sql['month_bit']}) FROM rollup_house_month"
        f" GROUP BY house_id, {sql['year']}"
    )


def downgrade() -> None:
    op.drop_table("rollup_house_year")
    with op.batch_alter_table("rollup_house_month") as batch_op:
        batch_op.drop_column("days")

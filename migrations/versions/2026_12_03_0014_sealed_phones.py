"""sealed phones: phone numbers encrypted at rest, with a keyed blind index for lookups

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 08:00:00

Every identifying phone column becomes ``<name>_sealed`` (AES-GCM, key id inside) plus, where
something looks numbers up, ``<name>_index`` (HMAC-SHA256); existing rows are sealed in place
with the keys the migrating process is configured with (backend/core/pii.py), and the plain
columns are dropped. Failed sign-ins are counted under the index of what was typed.

Downgrade opens every seal again (it needs the same keys) and restores the plain columns;
failed sign-in counts are dropped then (an HMAC does not give the number back), which only
resets the brute-force window.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

from backend.core import pii

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 1000
# (table, plain column, its length, blind index?, NOT NULL?)
PHONES = [
    ("user_account", "phone", 16, True, True),
    ("team_member", "phone", 16, True, False),
    ("boarding_house", "landlord_phone", 16, True, False),
    ("user_contact", "phone", 16, True, False),
    ("user_contact", "pending_phone", 16, False, False),
]


def _rows(conn, table, *columns, key="id", key_type=None):
    """Every row's (key, *columns), in batches by key (no table is read into memory at once)."""
    t = sa.table(table, sa.column(key, key_type or sa.Uuid()), *(sa.column(c) for c in columns))
    after = None
    while True:
        stmt = sa.select(t.c[key], *(t.c[c] for c in columns)).order_by(t.c[key]).limit(BATCH)
        if after is not None:
            stmt = stmt.where(t.c[key] > after)
        rows = conn.execute(stmt).all()
        if not rows:
            return
        yield rows
        after = rows[-1][0]


def _update(conn, table, values: list[dict], key="id", key_type=None) -> None:
    if not values:
        return
    names = [n for n in values[0] if n != "_key"]
    t = sa.table(table, sa.column(key, key_type or sa.Uuid()), *(sa.column(n) for n in names))
    stmt = (
        sa.update(t)
        .where(t.c[key] == sa.bindparam("_key", type_=key_type or sa.Uuid()))
        .values({n: sa.bindparam(n) for n in names})
    )
    conn.execute(stmt, values)


def _refuse_offline(table: str, column: str, sealed: str) -> None:
    # `ttq migrate --sql` cannot seal (the keys live in the application, not in SQL): its
    # script fails here on a database that holds numbers, before any plain column is dropped.
    op.execute(
        f"DO $$ BEGIN IF EXISTS (SELECT 1 FROM {table} WHERE {column} IS NOT NULL"
        f" AND {sealed} IS NULL) THEN RAISE EXCEPTION 'migration 0014 seals the stored phone"
        " numbers with the application keys: run ttq migrate, not its --sql output';"
        " END IF; END $$"
    )


def _seal_rows(conn, ring, table: str, column: str, indexed: bool) -> None:
    if context.is_offline_mode():
        _refuse_offline(table, column, f"{column}_sealed")
        return
    context_name = f"{table}.{column}"
    for rows in _rows(conn, table, column):
        values = []
        for key, phone in rows:
            if phone is None:
                continue
            row = {"_key": key, f"{column}_sealed": ring.seal(phone, context=context_name)}
            if indexed:
                row[f"{column}_index"] = ring.index(phone)
            values.append(row)
        _update(conn, table, values)


def _open_rows(conn, ring, table: str, column: str) -> None:
    if context.is_offline_mode():
        return  # the offline downgrade script only rebuilds the columns
    context_name = f"{table}.{column}"
    for rows in _rows(conn, table, f"{column}_sealed"):
        values = [
            {"_key": key, column: ring.open(sealed, context=context_name)}
            for key, sealed in rows
            if sealed is not None
        ]
        _update(conn, table, values)


def upgrade() -> None:
    conn = op.get_bind()
    ring = pii.keyring()
    for table, column, _, indexed, _ in PHONES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column(f"{column}_sealed", sa.Text(), nullable=True))
            if indexed:
                batch_op.add_column(
                    sa.Column(f"{column}_index", sa.String(length=100), nullable=True)
                )
        _seal_rows(conn, ring, table, column, indexed)

    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_constraint("uq_user_account_phone", type_="unique")
        batch_op.drop_column("phone")
        batch_op.alter_column("phone_sealed", existing_type=sa.Text(), nullable=False)
        batch_op.alter_column("phone_index", existing_type=sa.String(length=100), nullable=False)
        batch_op.create_unique_constraint(
            batch_op.f("uq_user_account_phone_index"), ["phone_index"]
        )
    for table, column in (
        ("team_member", "phone"),
        ("boarding_house", "landlord_phone"),
        ("user_contact", "phone"),
    ):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column(column)
            batch_op.create_index(batch_op.f(f"ix_{table}_{column}_index"), [f"{column}_index"])
    with op.batch_alter_table("user_contact", schema=None) as batch_op:
        batch_op.drop_column("pending_phone")

    # Failed sign-ins: counted under the index of what was typed, never the number itself.
    with op.batch_alter_table("login_attempt", schema=None) as batch_op:
        batch_op.add_column(sa.Column("phone_index", sa.String(length=100), nullable=True))
    if context.is_offline_mode():
        op.execute("DELETE FROM login_attempt")  # counters of a brute-force window, no more
    else:
        for rows in _rows(conn, "login_attempt", "phone", key_type=sa.Integer()):
            values = [{"_key": key, "phone_index": ring.index(typed)} for key, typed in rows]
            _update(conn, "login_attempt", values, key_type=sa.Integer())
    with op.batch_alter_table("login_attempt", schema=None) as batch_op:
        batch_op.drop_index("ix_login_attempt_phone_at")
        batch_op.drop_column("phone")
        batch_op.alter_column("phone_index", existing_type=sa.String(length=100), nullable=False)
        batch_op.create_index(
            "ix_login_attempt_phone_index_at", ["phone_index", "created_at"], unique=False
        )


def downgrade() -> None:
    conn = op.get_bind()
    ring = pii.keyring()

    op.execute("DELETE FROM login_attempt")  # an HMAC does not give the typed number back
    with op.batch_alter_table("login_attempt", schema=None) as batch_op:
        batch_op.drop_index("ix_login_attempt_phone_index_at")
        batch_op.drop_column("phone_index")
        batch_op.add_column(sa.Column("phone", sa.String(length=32), nullable=False))
        batch_op.create_index("ix_login_attempt_phone_at", ["phone", "created_at"], unique=False)

    for table, column, length, _, _ in PHONES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column(column, sa.String(length=length), nullable=True))
        _open_rows(conn, ring, table, column)

    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_user_account_phone_index"), type_="unique")
        batch_op.drop_column("phone_index")
        batch_op.drop_column("phone_sealed")
        batch_op.alter_column("phone", existing_type=sa.String(length=16), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_user_account_phone"), ["phone"])
    for table, column in (
        ("team_member", "phone"),
        ("boarding_house", "landlord_phone"),
        ("user_contact", "phone"),
    ):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{table}_{column}_index"))
            batch_op.drop_column(f"{column}_index")
            batch_op.drop_column(f"{column}_sealed")
    with op.batch_alter_table("user_contact", schema=None) as batch_op:
        batch_op.drop_column("pending_phone_sealed")

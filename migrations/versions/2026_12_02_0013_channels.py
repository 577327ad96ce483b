"""channels: fallback chains, provider receipts, user contacts, provider credentials

Revision ID: 0013
Revises: 0011
Create Date: 2026-12-02 16:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("notification_delivery", schema=None) as batch_op:
        batch_op.add_column(sa.Column("recipient_user_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("chain_step", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("chain_key", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("provider_ref", sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column("receipt_status", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("receipt_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(
            "ix_notification_delivery_chain", ["chain_key", "recipient_user_id"], unique=False
        )
        batch_op.create_index(
            "ix_notification_delivery_provider_ref", ["channel", "provider_ref"], unique=False
        )

    op.create_table(
        "user_contact",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("phone", sa.String(length=16), nullable=True),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("pending_phone", sa.String(length=16), nullable=True),
        sa.Column("code_hash", sa.String(length=64), nullable=True),
        sa.Column("code_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("code_attempts", sa.Integer(), nullable=False),
        sa.Column("muted", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_user_contact_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_contact")),
        sa.UniqueConstraint("user_id", "channel", name=op.f("uq_user_contact_user_id_channel")),
    )
    with op.batch_alter_table("user_contact", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_user_contact_user_id"), ["user_id"], unique=False)

    op.create_table(
        "provider_credential",
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("access_token_ciphertext", sa.String(length=4096), nullable=True),
        sa.Column("refresh_token_ciphertext", sa.String(length=4096), nullable=False),
        sa.Column("access_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("refreshed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("provider", name=op.f("pk_provider_credential")),
    )


def downgrade() -> None:
    op.drop_table("provider_credential")
    with op.batch_alter_table("user_contact", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_contact_user_id"))
    op.drop_table("user_contact")
    with op.batch_alter_table("notification_delivery", schema=None) as batch_op:
        batch_op.drop_index("ix_notification_delivery_provider_ref")
        batch_op.drop_index("ix_notification_delivery_chain")
        for column in (
            "receipt_at",
            "receipt_status",
            "provider_ref",
            "chain_key",
            "chain_step",
            "recipient_user_id",
        ):
            batch_op.drop_column(column)

"""notifications

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 17:35:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

# PostgreSQL wakes workers and API processes on commit, without a round trip from the app:
# a new outbox event NOTIFYs the workers; a new feed row NOTIFYs the user's live streams.
NOTIFY_PG = [
    """CREATE FUNCTION ttq_outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN PERFORM pg_notify('ttq_outbox', ''); RETURN NULL; END $$""",
    "CREATE TRIGGER outbox_event_notify AFTER INSERT ON outbox_event "
    "FOR EACH STATEMENT EXECUTE FUNCTION ttq_outbox_notify()",
    """CREATE FUNCTION ttq_stream_notify() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN PERFORM pg_notify('ttq_stream', NEW.user_id::text); RETURN NULL; END $$""",
    "CREATE TRIGGER user_notification_notify AFTER INSERT ON user_notification "
    "FOR EACH ROW EXECUTE FUNCTION ttq_stream_notify()",
]
DROP_NOTIFY_PG = [
    "DROP TRIGGER IF EXISTS user_notification_notify ON user_notification",
    "DROP FUNCTION IF EXISTS ttq_stream_notify()",
    "DROP TRIGGER IF EXISTS outbox_event_notify ON outbox_event",
    "DROP FUNCTION IF EXISTS ttq_outbox_notify()",
]


def _is_pg() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    op.create_table(
        "outbox_event",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("event_type", sa.String(length=64), nullable=False),
        sa.Column("payload", JSON, nullable=False),
        sa.Column("recipient_user_ids", JSON, nullable=False),
        sa.Column("unit_ids", JSON, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.String(length=2000), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("channels", JSON, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_event")),
    )
    with op.batch_alter_table("outbox_event", schema=None) as batch_op:
        batch_op.create_index(
            "ix_outbox_event_pending", ["status", "next_attempt_at"], unique=False
        )

    op.create_table(
        "notification_delivery",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("target", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("locked_by", sa.String(length=64), nullable=True),
        sa.Column("last_error", sa.String(length=2000), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["outbox_event.id"],
            name=op.f("fk_notification_delivery_event_id_outbox_event"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_delivery")),
        sa.UniqueConstraint(
            "event_id",
            "channel",
            "target",
            name=op.f("uq_notification_delivery_event_id_channel_target"),
        ),
    )
    with op.batch_alter_table("notification_delivery", schema=None) as batch_op:
        batch_op.create_index(
            "ix_notification_delivery_due", ["status", "next_attempt_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_notification_delivery_event_id"), ["event_id"], unique=False
        )
        batch_op.create_index(
            "ix_notification_delivery_status_updated", ["status", "updated_at"], unique=False
        )

    op.create_table(
        "user_notification",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["outbox_event.id"],
            name=op.f("fk_user_notification_event_id_outbox_event"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_user_notification_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_notification")),
        sa.UniqueConstraint(
            "user_id", "event_id", name=op.f("uq_user_notification_user_id_event_id")
        ),
    )
    with op.batch_alter_table("user_notification", schema=None) as batch_op:
        batch_op.create_index("ix_user_notification_user_id_id", ["user_id", "id"], unique=False)

    op.create_table(
        "webhook_subscription",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("union_unit_id", sa.Uuid(), nullable=True),
        sa.Column("admin_unit_id", sa.Uuid(), nullable=True),
        sa.Column("url", sa.String(length=2048), nullable=False),
        sa.Column("description", sa.String(length=255), nullable=False),
        sa.Column("secret_ciphertext", sa.String(length=512), nullable=False),
        sa.Column("event_types", JSON, nullable=False),
        sa.Column("include_subtree", sa.Boolean(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "(CASE WHEN admin_unit_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN union_unit_id IS NULL THEN 0 ELSE 1 END) = 1",
            name=op.f("ck_webhook_subscription_exactly_one_unit"),
        ),
        sa.ForeignKeyConstraint(
            ["admin_unit_id"],
            ["admin_unit.id"],
            name=op.f("fk_webhook_subscription_admin_unit_id_admin_unit"),
        ),
        sa.ForeignKeyConstraint(
            ["union_unit_id"],
            ["union_unit.id"],
            name=op.f("fk_webhook_subscription_union_unit_id_union_unit"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_subscription")),
    )
    with op.batch_alter_table("webhook_subscription", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_webhook_subscription_admin_unit_id"), ["admin_unit_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_webhook_subscription_union_unit_id"), ["union_unit_id"], unique=False
        )

    op.create_table(
        "scheduled_job",
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_status", sa.String(length=16), nullable=True),
        sa.Column("last_error", sa.String(length=2000), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_scheduled_job")),
    )
    if _is_pg():
        for statement in NOTIFY_PG:
            op.execute(statement)


def downgrade() -> None:
    if _is_pg():
        for statement in DROP_NOTIFY_PG:
            op.execute(statement)
    op.drop_table("scheduled_job")
    with op.batch_alter_table("webhook_subscription", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_webhook_subscription_union_unit_id"))
        batch_op.drop_index(batch_op.f("ix_webhook_subscription_admin_unit_id"))
    op.drop_table("webhook_subscription")
    with op.batch_alter_table("user_notification", schema=None) as batch_op:
        batch_op.drop_index("ix_user_notification_user_id_id")
    op.drop_table("user_notification")
    with op.batch_alter_table("notification_delivery", schema=None) as batch_op:
        batch_op.drop_index("ix_notification_delivery_status_updated")
        batch_op.drop_index(batch_op.f("ix_notification_delivery_event_id"))
        batch_op.drop_index("ix_notification_delivery_due")
    op.drop_table("notification_delivery")
    with op.batch_alter_table("outbox_event", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_event_pending")
    op.drop_table("outbox_event")

"""patrols: patrols, checkpoint scans, GPS track segments, held upload items, patrol plans and
their window results; the generic Idempotency-Key table.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 17:35:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "idempotency_key",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("response_status", sa.Integer(), nullable=True),
        sa.Column(
            "response_headers",
            sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
            nullable=True,
        ),
        sa.Column("response_body", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_idempotency_key_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "key", name=op.f("pk_idempotency_key")),
    )
    with op.batch_alter_table("idempotency_key", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_idempotency_key_expires_at"), ["expires_at"], unique=False
        )

    op.create_table(
        "patrol",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("team_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_received_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "member_ids", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column("notes", sa.String(length=2000), nullable=True),
        sa.Column("end_notes", sa.String(length=2000), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column("device_id", sa.Uuid(), nullable=True),
        sa.Column("body_hash", sa.LargeBinary(), nullable=False),
        sa.Column("end_hash", sa.LargeBinary(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["user_account.id"], name=op.f("fk_patrol_created_by_user_account")
        ),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], name=op.f("fk_patrol_team_id_team")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patrol")),
    )
    with op.batch_alter_table("patrol", schema=None) as batch_op:
        batch_op.create_index("ix_patrol_team_started", ["team_id", "started_at"], unique=False)
        batch_op.create_index(
            "ix_patrol_team_updated", ["team_id", "updated_at", "id"], unique=False
        )

    op.create_table(
        "checkpoint_scan",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("patrol_id", sa.Uuid(), nullable=False),
        sa.Column("team_id", sa.Uuid(), nullable=False),
        sa.Column("house_id", sa.Uuid(), nullable=True),
        sa.Column("token", sa.String(length=128), nullable=False),
        sa.Column("scanned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("clock_offset_s", sa.Float(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("accuracy_m", sa.Float(), nullable=True),
        sa.Column("distance_m", sa.Float(), nullable=True),
        sa.Column("note", sa.String(length=1000), nullable=True),
        sa.Column("photo_ref", sa.String(length=255), nullable=True),
        sa.Column("flags", sa.Integer(), nullable=False),
        sa.Column("review_status", sa.String(length=16), nullable=False),
        sa.Column("reviewed_by", sa.Uuid(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("review_comment", sa.String(length=1000), nullable=True),
        sa.Column("uploaded_by", sa.Uuid(), nullable=False),
        sa.Column("body_hash", sa.LargeBinary(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["house_id"],
            ["boarding_house.id"],
            name=op.f("fk_checkpoint_scan_house_id_boarding_house"),
        ),
        sa.ForeignKeyConstraint(
            ["patrol_id"], ["patrol.id"], name=op.f("fk_checkpoint_scan_patrol_id_patrol")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkpoint_scan")),
    )
    with op.batch_alter_table("checkpoint_scan", schema=None) as batch_op:
        batch_op.create_index(
            "ix_checkpoint_scan_house_scanned", ["house_id", "scanned_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_checkpoint_scan_patrol_id"), ["patrol_id"], unique=False
        )
        batch_op.create_index(
            "ix_checkpoint_scan_pending",
            ["team_id"],
            unique=False,
            postgresql_where=sa.text("review_status = 'pending'"),
            sqlite_where=sa.text("review_status = 'pending'"),
        )
        batch_op.create_index(
            "ix_checkpoint_scan_team_updated", ["team_id", "updated_at", "id"], unique=False
        )

    op.create_table(
        "track_segment",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("patrol_id", sa.Uuid(), nullable=False),
        sa.Column("team_id", sa.Uuid(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("point_count", sa.Integer(), nullable=False),
        sa.Column("points", sa.LargeBinary(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("uploaded_by", sa.Uuid(), nullable=False),
        sa.Column("body_hash", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["patrol_id"], ["patrol.id"], name=op.f("fk_track_segment_patrol_id_patrol")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_track_segment")),
    )
    with op.batch_alter_table("track_segment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_track_segment_patrol_id"), ["patrol_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_track_segment_recorded_until"), ["recorded_until"], unique=False
        )

    op.create_table(
        "held_upload_item",
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("waiting_for", sa.Uuid(), nullable=False),
        sa.Column(
            "payload", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column("body_hash", sa.LargeBinary(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("clock_offset_s", sa.Float(), nullable=True),
        sa.Column("uploaded_by", sa.Uuid(), nullable=False),
        sa.Column("device_id", sa.Uuid(), nullable=True),
        sa.Column(
            "uploader_team_ids",
            sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
            nullable=False,
        ),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column(
            "problem", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=True
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("kind", "id", name=op.f("pk_held_upload_item")),
    )
    with op.batch_alter_table("held_upload_item", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_held_upload_item_waiting_for"), ["waiting_for"], unique=False
        )

    op.create_table(
        "patrol_plan",
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delete_reason", sa.String(length=500), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("team_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("days_of_week", sa.Integer(), nullable=False),
        sa.Column("start_time", sa.Time(), nullable=False),
        sa.Column("end_time", sa.Time(), nullable=False),
        sa.Column("min_scans", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], name=op.f("fk_patrol_plan_team_id_team")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patrol_plan")),
    )
    with op.batch_alter_table("patrol_plan", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_patrol_plan_team_id"), ["team_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_patrol_plan_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "patrol_plan_house",
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("house_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["house_id"],
            ["boarding_house.id"],
            name=op.f("fk_patrol_plan_house_house_id_boarding_house"),
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["patrol_plan.id"],
            name=op.f("fk_patrol_plan_house_plan_id_patrol_plan"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("plan_id", "house_id", name=op.f("pk_patrol_plan_house")),
    )
    with op.batch_alter_table("patrol_plan_house", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_patrol_plan_house_house_id"), ["house_id"], unique=False
        )

    op.create_table(
        "plan_window_result",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("team_id", sa.Uuid(), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("window_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("scans", sa.Integer(), nullable=False),
        sa.Column("houses_scanned", sa.Integer(), nullable=False),
        sa.Column("houses_planned", sa.Integer(), nullable=False),
        sa.Column("notified", sa.Boolean(), nullable=False),
        sa.Column("evaluated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["patrol_plan.id"],
            name=op.f("fk_plan_window_result_plan_id_patrol_plan"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_window_result")),
        sa.UniqueConstraint(
            "plan_id", "window_start", name=op.f("uq_plan_window_result_plan_id_window_start")
        ),
    )
    with op.batch_alter_table("plan_window_result", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_plan_window_result_plan_id"), ["plan_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_plan_window_result_team_id"), ["team_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("plan_window_result", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_window_result_team_id"))
        batch_op.drop_index(batch_op.f("ix_plan_window_result_plan_id"))
    op.drop_table("plan_window_result")

    with op.batch_alter_table("patrol_plan_house", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_patrol_plan_house_house_id"))
    op.drop_table("patrol_plan_house")

    with op.batch_alter_table("patrol_plan", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_patrol_plan_updated_at"))
        batch_op.drop_index(batch_op.f("ix_patrol_plan_team_id"))
    op.drop_table("patrol_plan")

    with op.batch_alter_table("held_upload_item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_held_upload_item_waiting_for"))
    op.drop_table("held_upload_item")
    # ### end Alembic commands ###

    with op.batch_alter_table("track_segment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_track_segment_recorded_until"))
        batch_op.drop_index(batch_op.f("ix_track_segment_patrol_id"))
    op.drop_table("track_segment")

    with op.batch_alter_table("checkpoint_scan", schema=None) as batch_op:
        batch_op.drop_index("ix_checkpoint_scan_team_updated")
        batch_op.drop_index(
            "ix_checkpoint_scan_pending",
            postgresql_where=sa.text("review_status = 'pending'"),
            sqlite_where=sa.text("review_status = 'pending'"),
        )
        batch_op.drop_index(batch_op.f("ix_checkpoint_scan_patrol_id"))
        batch_op.drop_index("ix_checkpoint_scan_house_scanned")
    op.drop_table("checkpoint_scan")

    with op.batch_alter_table("patrol", schema=None) as batch_op:
        batch_op.drop_index("ix_patrol_team_updated")
        batch_op.drop_index("ix_patrol_team_started")
    op.drop_table("patrol")

    with op.batch_alter_table("idempotency_key", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_idempotency_key_expires_at"))
    op.drop_table("idempotency_key")

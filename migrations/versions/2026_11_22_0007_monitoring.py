"""monitoring

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22 17:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

# The first topics; more are rows, not code. Trafficking tricks follow the incident taxonomy's signs.
TOPICS = [
    (
        "marriage_brokerage",
        "trafficking",
        "Môi giới kết hôn với người nước ngoài",
        "Brokered marriage to foreigners",
    ),
    ("adoption", "trafficking", "Cho, nhận con nuôi trái phép", "Illegal adoption"),
    (
        "job_offer",
        "trafficking",
        "Lừa tuyển dụng, xuất khẩu lao động",
        "Fake job and labour-export offers",
    ),
    ("travel_lure", "trafficking", "Rủ rê đi du lịch, đi chơi xa", "Travel lures"),
    ("debt_bondage", "trafficking", "Ép làm việc để trả nợ", "Debt bondage"),
    (
        "document_confiscation",
        "trafficking",
        "Giữ giấy tờ tùy thân của người lao động",
        "Confiscated identity documents",
    ),
    ("missing_person", "trafficking", "Người mất tích, mất liên lạc", "Missing persons"),
    ("drugs", "drugs", "Phòng, chống ma túy", "Drug prevention"),
    ("fire_safety", "fire_safety", "Phòng cháy, chữa cháy", "Fire safety"),
    ("law", "law", "Phổ biến, giáo dục pháp luật", "The law"),
    ("online_fraud", "online_fraud", "Phòng, chống lừa đảo trên mạng", "Online fraud"),
]


def upgrade() -> None:
    topic = op.create_table(
        "awareness_topic",
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("name_vi", sa.String(length=255), nullable=False),
        sa.Column("name_en", sa.String(length=255), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_awareness_topic")),
    )
    op.bulk_insert(
        topic,
        [
            {
                "code": c,
                "category": g,
                "name_vi": vi,
                "name_en": en,
                "sort_order": i * 10,
                "active": True,
            }
            for i, (c, g, vi, en) in enumerate(TOPICS, start=1)
        ],
    )

    op.create_table(
        "awareness_session",
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delete_reason", sa.String(length=500), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        sa.Column("union_unit_id", sa.Uuid(), nullable=True),
        sa.Column("admin_unit_id", sa.Uuid(), nullable=True),
        sa.Column("site_id", sa.Uuid(), nullable=True),
        sa.Column("held_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=255), nullable=True),
        sa.Column("place", sa.String(length=500), nullable=False),
        sa.Column("text_search", sa.String(length=800), nullable=False),
        sa.Column("topics", JSON, nullable=False),
        sa.Column("workers_count", sa.Integer(), nullable=False),
        sa.Column("landlords_count", sa.Integer(), nullable=False),
        sa.Column("others_count", sa.Integer(), nullable=False),
        sa.Column("materials", JSON, nullable=False),
        sa.Column("photo_refs", JSON, nullable=False),
        sa.Column("summary", sa.String(length=4000), nullable=True),
        sa.Column("recorded_by", sa.Uuid(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("body_hash", sa.String(length=64), nullable=False),
        sa.CheckConstraint(
            "(CASE WHEN team_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN union_unit_id IS NULL THEN 0 ELSE 1 END) = 1",
            name=op.f("ck_awareness_session_one_holder"),
        ),
        sa.ForeignKeyConstraint(
            ["admin_unit_id"],
            ["admin_unit.id"],
            name=op.f("fk_awareness_session_admin_unit_id_admin_unit"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"],
            ["user_account.id"],
            name=op.f("fk_awareness_session_recorded_by_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["site.id"], name=op.f("fk_awareness_session_site_id_site")
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["team.id"], name=op.f("fk_awareness_session_team_id_team")
        ),
        sa.ForeignKeyConstraint(
            ["union_unit_id"],
            ["union_unit.id"],
            name=op.f("fk_awareness_session_union_unit_id_union_unit"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_awareness_session")),
    )
    with op.batch_alter_table("awareness_session", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_awareness_session_admin_unit_id"), ["admin_unit_id"], unique=False
        )
        batch_op.create_index("ix_awareness_session_held_at_id", ["held_at", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_awareness_session_site_id"), ["site_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_awareness_session_team_id"), ["team_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_awareness_session_union_unit_id"), ["union_unit_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_awareness_session_updated_at"), ["updated_at"], unique=False
        )

    op.create_table(
        "awareness_session_topic",
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("topic_code", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["awareness_session.id"],
            name=op.f("fk_awareness_session_topic_session_id_awareness_session"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["topic_code"],
            ["awareness_topic.code"],
            name=op.f("fk_awareness_session_topic_topic_code_awareness_topic"),
        ),
        sa.PrimaryKeyConstraint(
            "session_id", "topic_code", name=op.f("pk_awareness_session_topic")
        ),
    )
    with op.batch_alter_table("awareness_session_topic", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_awareness_session_topic_topic_code"), ["topic_code"], unique=False
        )

    op.create_table(
        "commendation",
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delete_reason", sa.String(length=500), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("recipient_kind", sa.String(length=16), nullable=False),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        sa.Column("union_unit_id", sa.Uuid(), nullable=True),
        sa.Column("team_member_id", sa.Uuid(), nullable=True),
        sa.Column("person_name", sa.String(length=255), nullable=True),
        sa.Column("person_title", sa.String(length=255), nullable=True),
        sa.Column("recipient_search", sa.String(length=255), nullable=False),
        sa.Column("level", sa.String(length=32), nullable=False),
        sa.Column("form", sa.String(length=128), nullable=False),
        sa.Column("decision_number", sa.String(length=64), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("issuing_body", sa.String(length=255), nullable=False),
        sa.Column("reason", sa.String(length=2000), nullable=False),
        sa.Column("recorded_by", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "(CASE WHEN team_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN union_unit_id IS NULL THEN 0 ELSE 1 END) = 1",
            name=op.f("ck_commendation_one_holder"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"],
            ["user_account.id"],
            name=op.f("fk_commendation_recorded_by_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["team.id"], name=op.f("fk_commendation_team_id_team")
        ),
        sa.ForeignKeyConstraint(
            ["team_member_id"],
            ["team_member.id"],
            name=op.f("fk_commendation_team_member_id_team_member"),
        ),
        sa.ForeignKeyConstraint(
            ["union_unit_id"],
            ["union_unit.id"],
            name=op.f("fk_commendation_union_unit_id_union_unit"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commendation")),
    )
    with op.batch_alter_table("commendation", schema=None) as batch_op:
        batch_op.create_index("ix_commendation_decided_on_id", ["decided_on", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_commendation_team_id"), ["team_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_commendation_union_unit_id"), ["union_unit_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_commendation_updated_at"), ["updated_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("commendation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_commendation_updated_at"))
        batch_op.drop_index(batch_op.f("ix_commendation_union_unit_id"))
        batch_op.drop_index(batch_op.f("ix_commendation_team_id"))
        batch_op.drop_index("ix_commendation_decided_on_id")
    op.drop_table("commendation")

    with op.batch_alter_table("awareness_session_topic", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_awareness_session_topic_topic_code"))
    op.drop_table("awareness_session_topic")

    with op.batch_alter_table("awareness_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_awareness_session_updated_at"))
        batch_op.drop_index(batch_op.f("ix_awareness_session_union_unit_id"))
        batch_op.drop_index(batch_op.f("ix_awareness_session_team_id"))
        batch_op.drop_index(batch_op.f("ix_awareness_session_site_id"))
        batch_op.drop_index("ix_awareness_session_held_at_id")
        batch_op.drop_index(batch_op.f("ix_awareness_session_admin_unit_id"))
    op.drop_table("awareness_session")

    op.drop_table("awareness_topic")

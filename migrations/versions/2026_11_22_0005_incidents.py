"""incidents

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 17:35:00

Incidents, their timeline, escalations and attachments, and the incident taxonomy as data.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

# (code, Vietnamese, English, route, sensitive persons, labour fields, sub-types)
TAXONOMY = [
    (
        "trafficking",
        "Mua bán người",
        "Human trafficking",
        "police",
        True,
        False,
        [
            ("marriage_brokerage", "Môi giới kết hôn với người nước ngoài", "Marriage brokerage"),
            ("adoption", "Cho nhận con nuôi trái phép", "Illegal adoption"),
            ("job_offer", "Dụ dỗ việc làm, xuất khẩu lao động", "Job or labour-export lure"),
            ("travel_lure", "Rủ rê đi du lịch, đi chơi xa", "Travel lure"),
            ("debt_bondage", "Lệ thuộc vì nợ", "Debt bondage"),
            ("document_confiscation", "Bị giữ giấy tờ tùy thân", "Documents confiscated"),
            ("missing_person", "Mất liên lạc, mất tích", "Missing person"),
        ],
    ),
    ("theft", "Trộm cắp tài sản", "Theft", "team_union", False, False, []),
    ("robbery", "Cướp, cướp giật tài sản", "Robbery", "team_union", False, False, []),
    (
        "fire_safety",
        "An toàn phòng cháy, chữa cháy",
        "Fire safety",
        "team_union",
        False,
        False,
        [
            ("fire", "Cháy", "Fire"),
            ("electrical", "Nguy cơ chập điện", "Electrical hazard"),
            ("gas", "Rò rỉ khí gas", "Gas leak"),
        ],
    ),
    ("drugs", "Ma túy", "Drugs", "police", False, False, []),
    (
        "social_evils",
        "Tệ nạn xã hội",
        "Social evils",
        "team_union",
        True,
        False,
        [
            ("gambling", "Cờ bạc", "Gambling"),
            ("prostitution", "Mại dâm", "Prostitution"),
            ("loan_shark", "Tín dụng đen", "Loan shark"),
        ],
    ),
    (
        "public_order",
        "Trật tự công cộng",
        "Public order",
        "team_union",
        False,
        False,
        [("fight", "Đánh nhau", "Fight"), ("disturbance", "Gây rối", "Disturbance")],
    ),
    ("online_fraud", "Lừa đảo qua mạng", "Online fraud", "team_union", False, False, []),
    (
        "labour",
        "Quan hệ lao động",
        "Labour relations",
        "union",
        False,
        True,
        [
            ("labour_dispute", "Tranh chấp lao động", "Labour dispute"),
            ("work_stoppage", "Ngừng việc tập thể", "Collective work stoppage"),
            ("wage_arrears", "Nợ lương", "Wage arrears"),
        ],
    ),
    (
        "suspicious_person",
        "Đối tượng khả nghi",
        "Suspicious person",
        "team_union",
        False,
        False,
        [
            ("unregistered_resident", "Người mới đến chưa đăng ký tạm trú", "Unregistered arrival"),
            ("stranger_recruiting", "Người lạ tuyển người", "Stranger recruiting"),
        ],
    ),
    ("accident_health", "Tai nạn, sức khỏe", "Accident or health", "team_union", False, False, []),
    ("other", "Khác", "Other", "team_union", False, False, []),
]


def _taxonomy_rows() -> list[dict]:
    rows = []
    for order, (code, vi, en, route, sensitive, labour, subtypes) in enumerate(TAXONOMY, 1):
        common = {"route": route, "sensitive_persons": sensitive, "labour_fields": labour}
        rows.append(
            {
                "code": code,
                "parent_code": None,
                "name_vi": vi,
                "name_en": en,
                "active": True,
                "sort_order": order * 100,
                **common,
            }
        )
        for sub_order, (sub, sub_vi, sub_en) in enumerate(subtypes, 1):
            rows.append(
                {
                    "code": f"{code}.{sub}",
                    "parent_code": code,
                    "name_vi": sub_vi,
                    "name_en": sub_en,
                    "active": True,
                    "sort_order": order * 100 + sub_order,
                    **common,
                }
            )
    return rows


def upgrade() -> None:
    category = op.create_table(
        "incident_category",
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("parent_code", sa.String(length=64), nullable=True),
        sa.Column("name_vi", sa.String(length=255), nullable=False),
        sa.Column("name_en", sa.String(length=255), nullable=False),
        sa.Column("route", sa.String(length=16), nullable=False),
        sa.Column("sensitive_persons", sa.Boolean(), nullable=False),
        sa.Column("labour_fields", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["parent_code"],
            ["incident_category.code"],
            name=op.f("fk_incident_category_parent_code_incident_category"),
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_incident_category")),
    )
    op.bulk_insert(category, _taxonomy_rows())

    op.create_table(
        "incident",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("team_id", sa.Uuid(), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=False),
        sa.Column("subtype", sa.String(length=64), nullable=True),
        sa.Column("severity", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("place_text", sa.String(length=500), nullable=True),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("house_id", sa.Uuid(), nullable=True),
        sa.Column("site_id", sa.Uuid(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("admin_unit_id", sa.Uuid(), nullable=False),
        sa.Column("union_unit_id", sa.Uuid(), nullable=False),
        sa.Column("covering_union_unit_id", sa.Uuid(), nullable=True),
        sa.Column("patrol_id", sa.Uuid(), nullable=True),
        sa.Column("enterprise_id", sa.Uuid(), nullable=True),
        sa.Column("workers_involved", sa.Integer(), nullable=True),
        sa.Column("labour_started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("labour_ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("protect_reporter", sa.Boolean(), nullable=False),
        sa.Column("reporter_id", sa.Uuid(), nullable=True),
        sa.Column("reporter_ref", sa.String(length=64), nullable=True),
        sa.Column("reporter_sealed", sa.Text(), nullable=True),
        sa.Column("persons_sealed", sa.Text(), nullable=True),
        sa.Column("persons_count", sa.Integer(), nullable=False),
        sa.Column("route", sa.String(length=16), nullable=True),
        sa.Column("handler_kind", sa.String(length=16), nullable=True),
        sa.Column("ack_deadline_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("duplicate_of_id", sa.Uuid(), nullable=True),
        sa.Column("outcome", sa.String(length=32), nullable=True),
        sa.Column("outcome_note", sa.String(length=2000), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("severity BETWEEN 1 AND 4", name=op.f("ck_incident_severity_range")),
        sa.ForeignKeyConstraint(
            ["admin_unit_id"], ["admin_unit.id"], name=op.f("fk_incident_admin_unit_id_admin_unit")
        ),
        sa.ForeignKeyConstraint(
            ["category"],
            ["incident_category.code"],
            name=op.f("fk_incident_category_incident_category"),
        ),
        sa.ForeignKeyConstraint(
            ["covering_union_unit_id"],
            ["union_unit.id"],
            name=op.f("fk_incident_covering_union_unit_id_union_unit"),
        ),
        sa.ForeignKeyConstraint(
            ["duplicate_of_id"], ["incident.id"], name=op.f("fk_incident_duplicate_of_id_incident")
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"], ["enterprise.id"], name=op.f("fk_incident_enterprise_id_enterprise")
        ),
        sa.ForeignKeyConstraint(
            ["house_id"], ["boarding_house.id"], name=op.f("fk_incident_house_id_boarding_house")
        ),
        sa.ForeignKeyConstraint(
            ["reporter_id"], ["user_account.id"], name=op.f("fk_incident_reporter_id_user_account")
        ),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"], name=op.f("fk_incident_site_id_site")),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], name=op.f("fk_incident_team_id_team")),
        sa.ForeignKeyConstraint(
            ["union_unit_id"], ["union_unit.id"], name=op.f("fk_incident_union_unit_id_union_unit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident")),
    )
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_incident_admin_unit_id"), ["admin_unit_id"])
        batch_op.create_index(batch_op.f("ix_incident_category"), ["category"])
        batch_op.create_index(
            batch_op.f("ix_incident_covering_union_unit_id"), ["covering_union_unit_id"]
        )
        batch_op.create_index(batch_op.f("ix_incident_occurred_at"), ["occurred_at"])
        batch_op.create_index(batch_op.f("ix_incident_patrol_id"), ["patrol_id"])
        batch_op.create_index("ix_incident_queue", ["handler_kind", "status", "ack_deadline_at"])
        batch_op.create_index(batch_op.f("ix_incident_reporter_ref"), ["reporter_ref"])
        batch_op.create_index(batch_op.f("ix_incident_site_id"), ["site_id"])
        batch_op.create_index(batch_op.f("ix_incident_status"), ["status"])
        batch_op.create_index("ix_incident_team_created", ["team_id", "created_at"])
        batch_op.create_index(batch_op.f("ix_incident_union_unit_id"), ["union_unit_id"])
        batch_op.create_index("ix_incident_updated", ["updated_at", "id"])

    op.create_table(
        "escalation",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("incident_id", sa.Uuid(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("target_kind", sa.String(length=16), nullable=False),
        sa.Column("rung_key", sa.String(length=128), nullable=False),
        sa.Column("admin_unit_id", sa.Uuid(), nullable=True),
        sa.Column("union_unit_id", sa.Uuid(), nullable=True),
        sa.Column("site_id", sa.Uuid(), nullable=True),
        sa.Column("recipient_user_ids", JSON, nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("deadline_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", sa.Uuid(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["acknowledged_by"],
            ["user_account.id"],
            name=op.f("fk_escalation_acknowledged_by_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["admin_unit_id"],
            ["admin_unit.id"],
            name=op.f("fk_escalation_admin_unit_id_admin_unit"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["user_account.id"], name=op.f("fk_escalation_created_by_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incident.id"], name=op.f("fk_escalation_incident_id_incident")
        ),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"], name=op.f("fk_escalation_site_id_site")),
        sa.ForeignKeyConstraint(
            ["union_unit_id"],
            ["union_unit.id"],
            name=op.f("fk_escalation_union_unit_id_union_unit"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalation")),
    )
    with op.batch_alter_table("escalation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_escalation_incident_id"), ["incident_id"])
        batch_op.create_index("ix_escalation_open_deadline", ["status", "deadline_at"])

    op.create_table(
        "incident_attachment",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("incident_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("content_type", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("original_sha256", sa.String(length=64), nullable=False),
        sa.Column("storage_key", sa.String(length=255), nullable=False),
        sa.Column("metadata_stripped", sa.Boolean(), nullable=False),
        sa.Column("uploaded_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incident.id"],
            name=op.f("fk_incident_attachment_incident_id_incident"),
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by"],
            ["user_account.id"],
            name=op.f("fk_incident_attachment_uploaded_by_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_attachment")),
    )
    with op.batch_alter_table("incident_attachment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_incident_attachment_incident_id"), ["incident_id"])

    op.create_table(
        "incident_timeline_entry",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("incident_id", sa.Uuid(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("actor_role", sa.String(length=32), nullable=True),
        sa.Column("actor_is_reporter", sa.Boolean(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=True),
        sa.Column("from_status", sa.String(length=16), nullable=True),
        sa.Column("to_status", sa.String(length=16), nullable=True),
        sa.Column("comment", sa.String(length=4000), nullable=True),
        sa.Column("reply_to_id", sa.BigInteger(), nullable=True),
        sa.Column("detail", JSON, nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["user_account.id"],
            name=op.f("fk_incident_timeline_entry_actor_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incident.id"],
            name=op.f("fk_incident_timeline_entry_incident_id_incident"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_timeline_entry")),
    )
    with op.batch_alter_table("incident_timeline_entry", schema=None) as batch_op:
        batch_op.create_index("ix_incident_timeline_entry_incident", ["incident_id", "id"])


def downgrade() -> None:
    with op.batch_alter_table("incident_timeline_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_incident_timeline_entry_incident")
    op.drop_table("incident_timeline_entry")

    with op.batch_alter_table("incident_attachment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incident_attachment_incident_id"))
    op.drop_table("incident_attachment")

    with op.batch_alter_table("escalation", schema=None) as batch_op:
        batch_op.drop_index("ix_escalation_open_deadline")
        batch_op.drop_index(batch_op.f("ix_escalation_incident_id"))
    op.drop_table("escalation")

    with op.batch_alter_table("incident", schema=None) as batch_op:
        for name in (
            "ix_incident_updated",
            "ix_incident_union_unit_id",
            "ix_incident_team_created",
            "ix_incident_status",
            "ix_incident_site_id",
            "ix_incident_reporter_ref",
            "ix_incident_queue",
            "ix_incident_patrol_id",
            "ix_incident_occurred_at",
            "ix_incident_covering_union_unit_id",
            "ix_incident_category",
            "ix_incident_admin_unit_id",
        ):
            batch_op.drop_index(name)
    op.drop_table("incident")
    op.drop_table("incident_category")

"""Awareness sessions (tuyên truyền), their topics, and commendations (khen thưởng)."""

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import CheckConstraint, Index
from sqlmodel import Field, SQLModel

from backend.models.base import JSONType, UTCDateTime, uuid_pk
from backend.models.site import SoftDeleteColumns

# One holder, never both: a session or commendation is recorded through a team or a union unit.
ONE_HOLDER = (
    "(CASE WHEN team_id IS NULL THEN 0 ELSE 1 END)"
    " + (CASE WHEN union_unit_id IS NULL THEN 0 ELSE 1 END) = 1"
)


class AwarenessTopic(SQLModel, table=True):
    """What a session talks about; data, so new topics need no release (seeded by migration)."""

    __tablename__ = "awareness_topic"

    code: str = Field(max_length=64, primary_key=True)
    # trafficking | drugs | fire_safety | law | online_fraud | …
    category: str = Field(max_length=32)
    name_vi: str = Field(max_length=255)
    name_en: str = Field(max_length=255)
    sort_order: int = Field(default=0)
    active: bool = Field(default=True)


class AwarenessSession(SoftDeleteColumns, table=True):
    """One awareness talk, created on the phone with the phone's own UUID (offline too)."""

    __tablename__ = "awareness_session"
    __table_args__ = (
        CheckConstraint(ONE_HOLDER, name="one_holder"),
        Index("ix_awareness_session_held_at_id", "held_at", "id"),
    )

    id: uuid.UUID = Field(primary_key=True)  # client-generated
    team_id: uuid.UUID | None = Field(default=None, foreign_key="team.id", index=True)
    union_unit_id: uuid.UUID | None = Field(default=None, foreign_key="union_unit.id", index=True)
    # Where it was held: police see sessions in their jurisdiction by these.
    admin_unit_id: uuid.UUID | None = Field(default=None, foreign_key="admin_unit.id", index=True)
    site_id: uuid.UUID | None = Field(default=None, foreign_key="site.id", index=True)
    held_at: datetime = Field(sa_type=UTCDateTime)
    duration_minutes: int | None = None
    title: str | None = Field(default=None, max_length=255)
    place: str = Field(max_length=500)
    text_search: str = Field(max_length=800)  # fold(title + place), for diacritic-free search
    topics: list[str] = Field(default_factory=list, sa_type=JSONType)  # copy of the topic rows
    workers_count: int = Field(default=0)
    landlords_count: int = Field(default=0)
    others_count: int = Field(default=0)
    materials: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSONType)
    # References to photos (attachment ids or URLs) until the attachments module exists.
    photo_refs: list[str] = Field(default_factory=list, sa_type=JSONType)
    summary: str | None = Field(default=None, max_length=4000)
    recorded_by: uuid.UUID = Field(foreign_key="user_account.id")
    recorded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # phone's clock
    # SHA-256 of the canonical creating body: an identical re-send is a no-op, another is a 409.
    body_hash: str = Field(max_length=64)


class AwarenessSessionTopic(SQLModel, table=True):
    """A session's topics as rows, so filters and rollups by topic use an index."""

    __tablename__ = "awareness_session_topic"

    session_id: uuid.UUID = Field(
        foreign_key="awareness_session.id", primary_key=True, ondelete="CASCADE"
    )
    topic_code: str = Field(
        max_length=64, foreign_key="awareness_topic.code", primary_key=True, index=True
    )


class Commendation(SoftDeleteColumns, table=True):
    """A commendation in the "Vì an ninh Tổ quốc" movement, to a team or to a person."""

    __tablename__ = "commendation"
    __table_args__ = (
        CheckConstraint(ONE_HOLDER, name="one_holder"),
        Index("ix_commendation_decided_on_id", "decided_on", "id"),
    )

    id: uuid.UUID = uuid_pk()
    recipient_kind: str = Field(max_length=16)  # team | person
    team_id: uuid.UUID | None = Field(default=None, foreign_key="team.id", index=True)
    union_unit_id: uuid.UUID | None = Field(default=None, foreign_key="union_unit.id", index=True)
    team_member_id: uuid.UUID | None = Field(default=None, foreign_key="team_member.id")
    person_name: str | None = Field(default=None, max_length=255)
    person_title: str | None = Field(default=None, max_length=255)
    recipient_search: str = Field(max_length=255)
    level: str = Field(max_length=32)  # national | ministry | provincial | district | commune
    form: str = Field(max_length=128)  # "Bằng khen", "Giấy khen", …
    decision_number: str = Field(max_length=64)
    decided_on: date
    issuing_body: str = Field(max_length=255)
    reason: str = Field(max_length=2000)
    recorded_by: uuid.UUID = Field(foreign_key="user_account.id")


class AwarenessPhoto(SQLModel, table=True):
    """A photo of an awareness session, uploaded from the phone under the phone's own UUID.

    The bytes live in the attachment storage (``awareness/<session>/<photo>``); they are always
    re-encoded without EXIF/GPS, since they show workers' faces and nothing needs the metadata.
    """

    __tablename__ = "awareness_photo"

    id: uuid.UUID = Field(primary_key=True)  # client-generated
    session_id: uuid.UUID = Field(
        foreign_key="awareness_session.id", index=True, ondelete="CASCADE"
    )
    content_type: str = Field(max_length=64)
    size_bytes: int
    sha256: str = Field(max_length=64)  # of the stored (stripped) bytes
    original_sha256: str = Field(max_length=64)  # of what the phone sent: re-sends match it
    storage_key: str = Field(max_length=255)
    uploaded_by: uuid.UUID = Field(foreign_key="user_account.id")
    created_at: datetime = Field(sa_type=UTCDateTime)

"""The notification outbox: events written in the transaction of the change that caused them,
the deliveries they fan out into (one per channel and target), webhook subscriptions, each
user's notification feed (what the live stream replays) and the scheduled-job leases."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

from backend.models.base import JSONType, UTCDateTime, created_at_field, utcnow, uuid_pk


class OutboxEvent(SQLModel, table=True):
    """One event to deliver; its id is the stable event id receivers de-duplicate on."""

    __tablename__ = "outbox_event"
    __table_args__ = (Index("ix_outbox_event_pending", "status", "next_attempt_at"),)

    id: uuid.UUID = uuid_pk()
    event_type: str = Field(max_length=64)  # e.g. incident.escalated, patrol.missed
    payload: dict[str, Any] = Field(sa_type=JSONType)
    # Who must hear of it: users (push, SMS, live stream) and units (webhook subscriptions).
    recipient_user_ids: list[str] = Field(default_factory=list, sa_type=JSONType)
    unit_ids: list[str] = Field(default_factory=list, sa_type=JSONType)
    # pending (not yet fanned out) | dispatched (deliveries exist) | delivered | failed
    status: str = Field(default="pending", max_length=16)
    attempts: int = Field(default=0)
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_error: str | None = Field(default=None, max_length=2000)
    created_at: datetime = created_at_field()
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Channels asked for by the writer; None means the default set (see notifications.fanout).
    channels: list[str] | None = Field(default=None, sa_type=JSONType)


class NotificationDelivery(SQLModel, table=True):
    """One event to one target on one channel, retried on its own until delivered or failed."""

    __tablename__ = "notification_delivery"
    __table_args__ = (
        UniqueConstraint("event_id", "channel", "target"),
        Index("ix_notification_delivery_due", "status", "next_attempt_at"),
        Index("ix_notification_delivery_status_updated", "status", "updated_at"),
        Index("ix_notification_delivery_chain", "chain_key", "recipient_user_id"),
        Index("ix_notification_delivery_provider_ref", "channel", "provider_ref"),
    )

    id: uuid.UUID = uuid_pk()
    event_id: uuid.UUID = Field(
        sa_column=Column(
            ForeignKey("outbox_event.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    channel: str = Field(max_length=16)  # one of notifications.channels.names.CHANNELS
    target: str = Field(max_length=64)  # subscription, device or user id
    # pending | delivered | failed (gave up; admins may retry) | dropped (target gone)
    # | stopped (a fallback step no longer needed: the recipient acknowledged)
    status: str = Field(default="pending", max_length=16)
    attempts: int = Field(default=0)
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # The lease: a worker owns a claimed delivery until then; a killed worker's claim expires.
    locked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    locked_by: str | None = Field(default=None, max_length=64)
    last_error: str | None = Field(default=None, max_length=2000)
    created_at: datetime = created_at_field()
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Fallback chain of an urgent event (push -> zalo -> sms): whose chain, which step, and
    # what acknowledging stops it (the escalation id, else the event id).
    recipient_user_id: uuid.UUID | None = Field(default=None)
    chain_step: int | None = Field(default=None)
    chain_key: str | None = Field(default=None, max_length=64)
    # The provider's id of the accepted message (SMS id, ZNS msg_id): receipts match on it.
    provider_ref: str | None = Field(default=None, max_length=128)
    receipt_status: str | None = Field(default=None, max_length=16)  # delivered | failed
    receipt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


EXACTLY_ONE_UNIT = (
    "(CASE WHEN admin_unit_id IS NULL THEN 0 ELSE 1 END)"
    " + (CASE WHEN union_unit_id IS NULL THEN 0 ELSE 1 END) = 1"
)


class WebhookSubscription(SQLModel, table=True):
    """An outside system (a ministry system, a chat bot) told of a unit's events over HTTPS."""

    __tablename__ = "webhook_subscription"
    __table_args__ = (CheckConstraint(EXACTLY_ONE_UNIT, name="exactly_one_unit"),)

    id: uuid.UUID = uuid_pk()
    union_unit_id: uuid.UUID | None = Field(default=None, foreign_key="union_unit.id", index=True)
    admin_unit_id: uuid.UUID | None = Field(default=None, foreign_key="admin_unit.id", index=True)
    url: str = Field(max_length=2048)
    description: str = Field(default="", max_length=255)
    # Fernet token of the signing secret: the secret is shown once, at creation.
    secret_ciphertext: str = Field(max_length=512)
    event_types: list[str] = Field(default_factory=list, sa_type=JSONType)  # globs; [] = all
    include_subtree: bool = Field(default=True)
    is_active: bool = Field(default=True)
    created_by: uuid.UUID | None = Field(default=None)
    created_at: datetime = created_at_field()
    deleted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class UserNotification(SQLModel, table=True):
    """An event in one user's feed; its integer id is the live stream's event id."""

    __tablename__ = "user_notification"
    __table_args__ = (
        UniqueConstraint("user_id", "event_id"),
        Index("ix_user_notification_user_id_id", "user_id", "id"),
    )

    id: int | None = Field(
        default=None,
        sa_column=Column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    )
    user_id: uuid.UUID = Field(foreign_key="user_account.id", ondelete="CASCADE")
    event_id: uuid.UUID = Field(
        sa_column=Column(ForeignKey("outbox_event.id", ondelete="CASCADE"), nullable=False)
    )
    created_at: datetime = created_at_field()


class ScheduledJob(SQLModel, table=True):
    """A periodic job's lease and last run, so several workers run it once per interval."""

    __tablename__ = "scheduled_job"

    name: str = Field(primary_key=True, max_length=128)
    locked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_status: str | None = Field(default=None, max_length=16)  # ok | error
    last_error: str | None = Field(default=None, max_length=2000)

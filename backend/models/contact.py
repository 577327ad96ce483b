"""How each user is reached outside the app, and the provider credentials workers share."""

import uuid
from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from backend.models.base import UTCDateTime, created_at_field, utcnow, uuid_pk
from backend.models.sealed import keep_index, phone_index_field, sealed_phone_field


class UserContact(SQLModel, table=True):
    """A user's number on one channel (the Zalo-linked phone may differ), and its mute switch.

    A number is used only once verified; a new number waits in ``pending_phone`` until the
    code sent to it comes back. Muting skips the channel for non-urgent events only.
    """

    __tablename__ = "user_contact"
    __table_args__ = (UniqueConstraint("user_id", "channel"),)

    id: uuid.UUID = uuid_pk()
    user_id: uuid.UUID = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    channel: str = Field(max_length=16)  # zalo | sms | push (push: mute only)
    phone: str | None = sealed_phone_field("user_contact.phone", "phone_sealed")  # verified
    phone_index: str | None = phone_index_field(index=True)
    verified_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    pending_phone: str | None = sealed_phone_field(
        "user_contact.pending_phone", "pending_phone_sealed"
    )
    code_hash: str | None = Field(default=None, max_length=64)
    code_expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    code_attempts: int = Field(default=0)
    muted: bool = Field(default=False)
    created_at: datetime = created_at_field()
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


keep_index(UserContact, "phone", "phone_index")


class ProviderCredential(SQLModel, table=True):
    """A provider's rotating OAuth tokens (Zalo OA), encrypted; refreshed under a row lock."""

    __tablename__ = "provider_credential"

    provider: str = Field(primary_key=True, max_length=32)
    access_token_ciphertext: str | None = Field(default=None, max_length=4096)
    refresh_token_ciphertext: str = Field(max_length=4096)
    access_expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    refreshed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    version: int = Field(default=1)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

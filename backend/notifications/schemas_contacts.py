"""Bodies and answers of the caller's contact numbers."""

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, StrictBool, StringConstraints


class PhoneIn(BaseModel):
    phone: Annotated[str, StringConstraints(min_length=1, max_length=32)]


class VerifyIn(BaseModel):
    code: Annotated[str, StringConstraints(pattern=r"^\d{6}$")]


class MuteIn(BaseModel):
    muted: StrictBool


class ContactRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    channel: str
    phone: str | None
    verified_at: datetime | None
    pending_phone: str | None
    muted: bool

"""A data subject's requests, answered by system administrators: export and erasure by phone."""

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import Query
from pydantic import BaseModel, Field

from backend.accounts.schemas import UserRead
from backend.accounts.service import load_scope_unit_ids
from backend.core.db import SessionDep
from backend.core.routing import GuardedRouter
from backend.policy import Subject
from backend.policy.deps import allowed
from backend.privacy import persons
from backend.teams.schemas import MemberRead

router = GuardedRouter(prefix="/api/v1/persons", tags=["privacy"])


async def read_user(session, user) -> UserRead:
    ids = await load_scope_unit_ids(session, user_id=user.id)
    return UserRead.model_validate(user, from_attributes=True).model_copy(
        update={"scope_unit_ids": ids}
    )


Admin = Annotated[Subject, allowed("personal_data.manage")]
PhoneQuery = Annotated[
    str, Query(min_length=3, max_length=32, description="the person's phone number, any form")
]


class LandlordOf(BaseModel):
    id: uuid.UUID
    code: str
    name: str
    landlord_name: str | None
    landlord_phone: str | None


class ContactOut(BaseModel):
    channel: str
    phone: str | None
    pending_phone: str | None
    verified_at: datetime | None


class PersonExport(BaseModel):
    """Everything stored under one phone number (Law 91/2025: the subject's right of access)."""

    phone: str = Field(description="the number asked for, E.164")
    accounts: list[UserRead]
    memberships: list[MemberRead]
    landlord_of: list[LandlordOf]
    contacts: list[ContactOut]
    reported_incident_ids: list[uuid.UUID] = Field(
        description="incidents reported from the account (protected reports stay sealed)"
    )


class ErasureRequest(BaseModel):
    phone: str = Field(min_length=3, max_length=32)
    reason: str = Field(min_length=10, max_length=1000, description="the request, for the audit")


class ErasureResult(BaseModel):
    phone: str = Field(description="masked")
    accounts: int
    memberships: int
    houses: int
    contacts: int
    reported_incidents: int = Field(description="kept: evidence; the reporter's name is erased")


@router.get("/export", name="persons-export", response_model=PersonExport)
async def export_person(session: SessionDep, subject: Admin, phone: PhoneQuery) -> PersonExport:
    """Everything stored under a phone number, for a data subject's request (audited)."""
    found = await persons.export_person(session, subject=subject, phone=phone)
    return PersonExport(
        phone=found.phone,
        accounts=[await read_user(session, u) for u in found.users],
        memberships=[MemberRead.model_validate(m, from_attributes=True) for m in found.members],
        landlord_of=[LandlordOf.model_validate(h, from_attributes=True) for h in found.houses],
        contacts=[ContactOut.model_validate(c, from_attributes=True) for c in found.contacts],
        reported_incident_ids=found.reported_incident_ids,
    )


@router.post("/erase", name="persons-erase", response_model=ErasureResult)
async def erase_person(session: SessionDep, subject: Admin, body: ErasureRequest) -> ErasureResult:
    """Anonymise a person everywhere their number identifies them (audited with the reason)."""
    result = await persons.erase_person(
        session, subject=subject, phone=body.phone, reason=body.reason
    )
    return ErasureResult(**result)

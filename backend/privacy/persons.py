"""A person's data on request (Law 91/2025, Decree 356/2025): find by phone, export, erase.

A person is found by the blind index of their number wherever it identifies them: their
account, team memberships (with or without an account), houses they let, notification
contacts. Erasure anonymises rather than deletes: the rows stay as the evidence the
controllers must keep (patrols, scans, incidents point at them), but the name and number go,
the account can no longer sign in, its devices and contacts are removed. Sealed reporter
identities stay sealed (they are the police's evidence); the audit trail is not edited (it
holds only masked numbers). Both acts are audited with the masked number and the reason.
"""

import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend.audit.service import mask_phone, record
from backend.core import pii
from backend.core.errors import Invalid
from backend.core.security import normalize_phone
from backend.core.text import fold
from backend.models import BoardingHouse, Device, RefreshToken, TeamMember, User, utcnow
from backend.models.contact import UserContact
from backend.models.incident import Incident
from backend.policy import Subject, authorize, scoped
from backend.sync.changes import record_changes

ERASED_NAME = "Đã xóa theo yêu cầu"


@dataclass
class PersonRecords:
    phone: str
    users: list[User] = field(default_factory=list)
    members: list[TeamMember] = field(default_factory=list)
    houses: list[BoardingHouse] = field(default_factory=list)
    contacts: list[UserContact] = field(default_factory=list)
    reported_incident_ids: list[uuid.UUID] = field(default_factory=list)


def _e164(phone: str) -> str:
    e164 = normalize_phone(phone)
    if e164 is None:
        raise Invalid(code="invalid_phone", errors=[{"field": "phone", "code": "invalid_phone"}])
    return e164


async def find_person(session: AsyncSession, *, subject: Subject, phone: str) -> PersonRecords:
    """Every record the number identifies, within the caller's scope."""
    authorize(subject, "personal_data.manage")
    e164 = _e164(phone)
    found = PersonRecords(phone=e164)
    users = scoped(select(User), subject, User).where(pii.phone_matches(User.phone_index, e164))
    found.users = list((await session.scalars(users)).all())
    user_ids = [u.id for u in found.users]
    member_match = pii.phone_matches(TeamMember.phone_index, e164)
    if user_ids:
        member_match = or_(member_match, TeamMember.user_id.in_(user_ids))
    members = scoped(select(TeamMember), subject, TeamMember).where(member_match)
    found.members = list((await session.scalars(members.order_by(TeamMember.id))).all())
    houses = scoped(select(BoardingHouse), subject, BoardingHouse).where(
        pii.phone_matches(BoardingHouse.landlord_phone_index, e164)
    )
    found.houses = list((await session.scalars(houses.order_by(BoardingHouse.id))).all())
    contact_match = pii.phone_matches(UserContact.phone_index, e164)
    if user_ids:
        contact_match = or_(contact_match, UserContact.user_id.in_(user_ids))
    contacts = select(UserContact).where(contact_match).order_by(UserContact.id)
    found.contacts = list((await session.scalars(contacts)).all())
    if user_ids:
        reported = select(Incident.id).where(Incident.reporter_id.in_(user_ids))
        found.reported_incident_ids = list((await session.scalars(reported)).all())
    return found


def _counts(found: PersonRecords) -> dict[str, int]:
    return {
        "accounts": len(found.users),
        "memberships": len(found.members),
        "houses": len(found.houses),
        "contacts": len(found.contacts),
        "reported_incidents": len(found.reported_incident_ids),
    }


async def export_person(session: AsyncSession, *, subject: Subject, phone: str) -> PersonRecords:
    """A person's records for a data-subject request; the export itself is audited."""
    found = await find_person(session, subject=subject, phone=phone)
    await record(
        session,
        actor=subject,
        action="personal_data.export",
        object_type="person",
        detail={"phone": found.phone, **_counts(found)},
    )
    return found


async def erase_person(
    session: AsyncSession, *, subject: Subject, phone: str, reason: str
) -> dict[str, Any]:
    """Anonymise a person everywhere their number identifies them; audited with the reason."""
    found = await find_person(session, subject=subject, phone=phone)
    now = utcnow()
    for user in found.users:
        # The number goes, but an account keeps a unique, non-callable placeholder.
        user.phone = f"xoa-{user.id.hex[:12]}"
        user.full_name = ERASED_NAME
        user.is_active = False
        user.updated_at, user.version = now, user.version + 1
        devices = select(Device.id).where(Device.user_id == user.id)
        await session.execute(
            update(RefreshToken)
            .where(RefreshToken.device_id.in_(devices), RefreshToken.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        await session.execute(
            update(Device)
            .where(Device.user_id == user.id)
            .values(revoked_at=now, push_token=None, model=None)
        )
    for member in found.members:
        member.full_name, member.name_search, member.phone = ERASED_NAME, fold(ERASED_NAME), None
        member.updated_at, member.version = now, member.version + 1
    for house in found.houses:
        house.landlord_name = house.landlord_phone = None
        house.updated_at, house.version = now, house.version + 1
    # Phones drop the old name and number from their offline registry at their next sync.
    await record_changes(session, objs=[*found.members, *found.houses])
    if found.contacts:
        await session.execute(
            delete(UserContact).where(UserContact.id.in_([c.id for c in found.contacts]))
        )
    counts = _counts(found)
    await record(
        session,
        actor=subject,
        action="personal_data.erase",
        object_type="person",
        detail={"phone": found.phone, "reason": reason, **counts},
    )
    await session.flush()
    return {"phone": mask_phone(found.phone), **counts}

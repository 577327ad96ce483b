"""The two audiences' views of an incident (plus the team's and the reporter's own).

| view       | who                                    | reporter  | persons involved        |
|------------|----------------------------------------|-----------|-------------------------|
| `reporter` | the reporter, on their own report      | yes       | yes                     |
| `full`     | police liaisons in scope               | if open   | yes (an audited read)   |
| `union`    | union officers, city federation, admin | if open   | not for sensitive kinds |
| `team`     | the reporting team                     | if open   | not for sensitive kinds |

"If open": a protected reporter's identity is sealed for everyone but themselves; only the
break-glass action (``conversation.reveal_reporter``) opens it. Sensitive kinds are the
categories flagged ``sensitive_persons`` (trafficking, social evils).
"""

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.util import identity_key

from backend.audit.service import record
from backend.incidents.schemas import IncidentRead, PersonInvolved, ReporterOut
from backend.incidents.sealing import Sealer
from backend.models import User
from backend.models.incident import Incident, IncidentCategory
from backend.policy import Subject
from backend.policy.incidents import view_kind


def is_reporter(incident: Incident, subject: Subject, sealer: Sealer) -> bool:
    """Whether the subject reported this incident (a protected one is matched by keyed ref)."""
    if incident.protect_reporter:
        return incident.reporter_ref == sealer.ref(subject.user_id)
    return incident.reporter_id == subject.user_id


def reporter_user_id(incident: Incident, sealer: Sealer) -> uuid.UUID | None:
    """Who reported it, for delivering them a message (never shown to anyone)."""
    if not incident.protect_reporter:
        return incident.reporter_id
    sealed = sealer.open(incident.reporter_sealed, bound_to=incident.id)
    return uuid.UUID(sealed["user_id"]) if sealed else None


async def sensitive_persons(session: AsyncSession, incident: Incident) -> bool:
    """Whether the category (or sub-type) withholds persons involved from the union view."""
    codes = [incident.category]
    if incident.subtype:
        codes.append(f"{incident.category}.{incident.subtype}")
    # The rows this request already loaded (creating or routing it) answer without a query.
    known = [session.identity_map.get(identity_key(IncidentCategory, code)) for code in codes]
    if all(row is not None for row in known):
        return any(row.sensitive_persons for row in known)
    flags = (
        await session.scalars(
            select(IncidentCategory.sensitive_persons).where(IncidentCategory.code.in_(codes))
        )
    ).all()
    return any(flags)


async def _reporter(session: AsyncSession, incident: Incident, known) -> ReporterOut | None:
    if incident.reporter_id is None:
        return None
    if known is not None and known.id == incident.reporter_id:
        return ReporterOut(user_id=known.id, full_name=known.full_name, phone=known.phone)
    user = await session.get(User, incident.reporter_id)
    if user is None:
        return None
    return ReporterOut(user_id=user.id, full_name=user.full_name, phone=user.phone)


async def render(
    session: AsyncSession,
    *,
    incident: Incident,
    subject: Subject,
    sealer: Sealer,
    allowed_transitions: list[dict[str, str]],
    caller_account=None,
) -> IncidentRead:
    """The incident as this subject may see it; reading persons in the full view is audited.

    ``caller_account``: the caller's own account fields, read at sign-in (``backend.policy.
    caller.Account``): when the caller is the reporter their name is not read again."""
    own = is_reporter(incident, subject, sealer)
    view = view_kind(subject, is_reporter=own)
    if incident.protect_reporter:
        sealed = sealer.open(incident.reporter_sealed, bound_to=incident.id) if own else None
        reporter = ReporterOut(**sealed) if sealed else None
    else:
        reporter = await _reporter(session, incident, caller_account)
    persons_redacted = view in ("union", "team") and await sensitive_persons(session, incident)
    persons = None
    if not persons_redacted:
        raw = sealer.open(incident.persons_sealed, bound_to=incident.id) or []
        persons = [PersonInvolved(**p) for p in raw]
        if view == "full" and persons:
            await record(
                session,
                actor=subject,
                action="incident.read_persons",
                object_type="incident",
                object_id=incident.id,
                detail={"persons": len(persons)},
            )
    data = incident.model_dump()
    return IncidentRead(
        **data,
        view=view,
        reporter=reporter,
        persons_involved=persons,
        persons_redacted=persons_redacted,
        allowed_transitions=allowed_transitions,
    )

"""Creating incidents from the field: validate against the taxonomy, locate, seal, store once."""

import hashlib
import json
import uuid
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import make_transient_to_detached

from backend.core.config import Settings
from backend.core.errors import Conflict, Invalid, NotFound
from backend.core.text import fold
from backend.incidents import transitions, workflow
from backend.incidents.journal import journal
from backend.incidents.schemas import IncidentPut
from backend.incidents.sealing import Sealer
from backend.incidents.timeline import Actor, incident_snapshot
from backend.incidents.transitions import UNKNOWN
from backend.incidents.views import is_reporter
from backend.models import BoardingHouse, Enterprise, Site, SiteAdminUnit, Team, User
from backend.models.incident import Incident, IncidentCategory
from backend.policy import Subject, authorize, get_visible


class Stored(NamedTuple):
    """What a PUT did: the incident, whether this request created it, and (when it did) the
    escalation it opened, so the answer needs no query to know who may act next."""

    incident: Incident
    created: bool
    escalation: object = UNKNOWN  # Escalation | None


def request_hash(body: IncidentPut) -> str:
    """SHA-256 of the body in canonical JSON: equal for an identical re-send.

    Fields at their defaults are left out, so adding an optional field later does not turn an
    old phone's re-send into a conflict.
    """
    data = body.model_dump(mode="json", exclude_defaults=True)
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


# Built once: every report runs both (building a statement and its cache key again cost about
# 0.1 ms of CPU per run; the compiled SQL is cached by SQLAlchemy either way).
_TAKEN = select(Incident.id).where(Incident.id == bindparam("incident_id"))
_CATEGORIES = select(IncidentCategory).where(
    IncidentCategory.code.in_(bindparam("codes", expanding=True))
)


async def _category(
    session: AsyncSession, code: str, subtype: str | None
) -> tuple[IncidentCategory, IncidentCategory | None]:
    """The category and sub-type rows, in one query (they stay in the identity map for routing
    and the answer's redaction rules)."""
    codes = [code] if subtype is None else [code, f"{code}.{subtype}"]
    rows = {row.code: row for row in (await session.scalars(_CATEGORIES, {"codes": codes})).all()}
    category = rows.get(code)
    if category is None or category.parent_code is not None or not category.active:
        raise Invalid(code="unknown_category", category=code)
    sub = None
    if subtype is not None:
        sub = rows.get(f"{code}.{subtype}")
        if sub is None or sub.parent_code != code or not sub.active:
            raise Invalid(code="unknown_category", category=code, subtype=subtype)
    return category, sub


async def _visible_or(session, subject, model, obj_id, code):
    try:
        return await get_visible(session, subject, model, obj_id)
    except NotFound:
        raise Invalid(code=code, id=str(obj_id)) from None


async def _team(session: AsyncSession, subject: Subject, team_id: uuid.UUID | None) -> Team:
    if team_id is None:
        if len(subject.team_ids) != 1:
            raise Invalid(code="team_required")
        team_id = next(iter(subject.team_ids))
    return await _visible_or(session, subject, Team, team_id, "unknown_team")


async def _site_ward(session: AsyncSession, site_id: uuid.UUID) -> uuid.UUID | None:
    return await session.scalar(
        select(SiteAdminUnit.admin_unit_id)
        .where(SiteAdminUnit.site_id == site_id)
        .order_by(SiteAdminUnit.admin_unit_id)
        .limit(1)
    )


def _check_labour(body: IncidentPut, labour: bool) -> None:
    given = [
        body.enterprise_id,
        body.workers_involved,
        body.labour_started_at,
        body.labour_ended_at,
    ]
    if labour and (body.enterprise_id is None or body.workers_involved is None):
        raise Invalid(code="labour_fields_required")
    if labour and body.labour_started_at is None:
        raise Invalid(code="labour_fields_required")
    if not labour and any(v is not None for v in given):
        raise Invalid(code="labour_fields_not_allowed")


async def _replay(
    session: AsyncSession, *, subject: Subject, incident_id: uuid.UUID, digest: str, sealer: Sealer
) -> Incident:
    existing = await get_visible(session, subject, Incident, incident_id)
    if existing.request_hash == digest and is_reporter(existing, subject, sealer):
        return existing
    raise Conflict(code="incident_conflict", incident_id=str(incident_id))


async def put_incident(
    session: AsyncSession,
    *,
    subject: Subject,
    incident_id: uuid.UUID,
    body: IncidentPut,
    sealer: Sealer,
    settings: Settings,
    now: datetime,
) -> Stored:
    """Create an incident under the phone's id; an identical re-send returns the stored one."""
    digest = request_hash(body)
    if await session.scalar(_TAKEN, {"incident_id": incident_id}):
        return Stored(
            await _replay(
                session, subject=subject, incident_id=incident_id, digest=digest, sealer=sealer
            ),
            False,
        )
    authorize(subject, "incident.create")
    team = await _team(session, subject, body.team_id)
    category, sub = await _category(session, body.category, body.subtype)
    _check_labour(body, (sub or category).labour_fields or category.labour_fields)
    house = site = None
    if body.house_id:
        house = await _visible_or(session, subject, BoardingHouse, body.house_id, "unknown_house")
    site_id = body.site_id or (house.site_id if house else None)
    if body.site_id:
        site = await _visible_or(session, subject, Site, body.site_id, "unknown_site")
    elif site_id:
        site = await session.get(Site, site_id)
    covering = site.union_unit_id if site else None
    if body.enterprise_id:
        enterprise = await session.get(Enterprise, body.enterprise_id)
        if enterprise is None or enterprise.deleted_at is not None:
            raise Invalid(code="unknown_enterprise", id=str(body.enterprise_id))
        if enterprise.site_id:
            covering = (
                await session.scalar(
                    select(Site.union_unit_id).where(Site.id == enterprise.site_id)
                )
                or covering
            )
    ward = house.admin_unit_id if house else None
    if ward is None and site is not None:
        ward = await _site_ward(session, site.id)
    incident = Incident(
        id=incident_id,
        team_id=team.id,
        category=category.code,
        subtype=body.subtype,
        severity=body.severity,
        status="draft",
        occurred_at=body.occurred_at,
        summary=body.summary,
        place_text=body.place_text,
        search_text=fold(
            " ".join(filter(None, [body.summary, body.place_text, house and house.name]))
        ),
        house_id=house.id if house else None,
        site_id=site.id if site else None,
        lat=body.lat,
        lon=body.lon,
        admin_unit_id=ward or team.admin_unit_id,
        union_unit_id=team.union_unit_id,
        covering_union_unit_id=covering,
        patrol_id=body.patrol_id,
        enterprise_id=body.enterprise_id,
        workers_involved=body.workers_involved,
        labour_started_at=body.labour_started_at,
        labour_ended_at=body.labour_ended_at,
        protect_reporter=body.protect_reporter,
        persons_count=len(body.persons_involved),
        request_hash=digest,
        created_at=now,
        updated_at=now,
    )
    if body.protect_reporter:
        # Only a sealed reporter needs the account's name and phone (read here, not for all).
        user = await session.get(User, subject.user_id)
        incident.reporter_ref = sealer.ref(user.id)
        incident.reporter_sealed = sealer.seal(
            {"user_id": str(user.id), "full_name": user.full_name, "phone": user.phone},
            bound_to=incident.id,
        )
    else:
        incident.reporter_id = subject.user_id
    if body.persons_involved:
        incident.persons_sealed = sealer.seal(
            [p.model_dump(mode="json") for p in body.persons_involved], bound_to=incident.id
        )
    created = await _record_new(
        session,
        incident=incident,
        subject=subject,
        body=body,
        sealer=sealer,
        settings=settings,
        now=now,
    )
    if created is None:
        return Stored(
            await _replay(
                session, subject=subject, incident_id=incident_id, digest=digest, sealer=sealer
            ),
            False,
        )
    return Stored(incident, True, created or None)


async def _record_new(session, *, incident, subject, body, sealer, settings, now):
    """The new incident's steps, planned in memory, then written once each.

    Create (draft) → submit → route (police: the system's escalate move) → escalation opened:
    the incident row is inserted in its final state (no UPDATE after it), the escalation,
    timeline lines, audit rows and outbox events in one INSERT per table. Returns the open
    escalation (or False when none was opened), or None when another request stored this id
    first (nothing of this one is written).
    """
    j = journal(session)
    actor = Actor(subject=subject, is_reporter=True, sealed=body.protect_reporter)
    j.line(
        incident=incident,
        actor=actor,
        kind="transition",
        now=now,
        action="create",
        to_status="draft",
    )
    j.audit(
        actor=actor, action="incident.create", incident=incident, after=incident_snapshot(incident)
    )
    opened = False
    if body.submit:
        transitions.move(
            j, incident=incident, actor=actor, transition=workflow.TRANSITIONS["submit"], now=now
        )
        opened = (
            await transitions.route(
                session, j, incident=incident, sealer=sealer, settings=settings, now=now, fresh=True
            )
            or False
        )
    if not await j.write(session, new=incident):
        return None
    make_transient_to_detached(incident)  # stored as it is: no reload, no UPDATE
    session.add(incident)
    return opened

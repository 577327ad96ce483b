"""Creating incidents from the field: validate against the taxonomy, locate, seal, store once."""

import hashlib
import json
import uuid
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import and_, bindparam, literal, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased, make_transient_to_detached

from backend.core.config import Settings
from backend.core.errors import Conflict, DomainError, Invalid, NotFound
from backend.core.text import fold
from backend.incidents import transitions, workflow
from backend.incidents.journal import journal
from backend.incidents.schemas import IncidentPut
from backend.incidents.sealing import Sealer
from backend.incidents.timeline import Actor, incident_snapshot
from backend.incidents.transitions import UNKNOWN
from backend.incidents.views import is_reporter
from backend.models import BoardingHouse, Enterprise, Site, SiteAdminUnit, Team, User
from backend.models.base import built
from backend.models.incident import Incident, IncidentCategory
from backend.policy import Subject, authorize, get_visible, visible


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


# Built once: building a statement and its cache key again cost about 0.1 ms of CPU per run
# (the compiled SQL is cached by SQLAlchemy either way).
_TAKEN = select(Incident.id).where(Incident.id == bindparam("incident_id"))
_CATEGORY = aliased(IncidentCategory, name="category")
_SUBTYPE = aliased(IncidentCategory, name="subtype")
# What does not depend on the caller, built once (building it per report was most of the
# lookup's CPU): the row it all hangs from, the category and sub-type, and each id's test.
_LOOKUP = (
    select(Team, _CATEGORY, _SUBTYPE, BoardingHouse, Site)
    .select_from(select(literal(1).label("one")).subquery("one"))
    .outerjoin(_CATEGORY, _CATEGORY.code == bindparam("code"))
    .outerjoin(_SUBTYPE, _SUBTYPE.code == bindparam("subtype_code"))
)
_TEAM_NAMED = and_(Team.id == bindparam("team_id"), Team.deleted_at.is_(None))
_HOUSE_NAMED = and_(BoardingHouse.id == bindparam("house_id"), BoardingHouse.deleted_at.is_(None))


def _lookup_statement(team_rule, house_rule):
    """The lookup for one caller's rules. Not cached: ~20 KiB each with its cache key, which a
    city's thousands of reporters would hold in every API process for little reuse."""
    return (
        _LOOKUP.outerjoin(Team, and_(_TEAM_NAMED, team_rule))
        .outerjoin(BoardingHouse, and_(_HOUSE_NAMED, house_rule))
        # The house's site, as seeing the house lets one use it (read by id before).
        .outerjoin(Site, Site.id == BoardingHouse.site_id)
    )


class Lookups(NamedTuple):
    """What a report names, as the caller may see it (None: unknown or out of their scope)."""

    team: Team | None
    category: IncidentCategory | None
    subtype: IncidentCategory | None
    house: BoardingHouse | None
    house_site: Site | None  # the house's site (None without a house or a site)


async def _lookups(
    session: AsyncSession,
    subject: Subject,
    *,
    team_id: uuid.UUID,
    code: str,
    subtype: str | None,
    house_id: uuid.UUID | None,
) -> Lookups:
    """The team, category, sub-type, house and the house's site of a report in one statement,
    not five.

    Each is outer-joined to a one-row anchor on its id and, for the team and the house, on the
    policy's visibility rule (``visible``, as ``get_visible`` applies it): a row the caller may
    not see comes back as None, exactly as ``get_visible`` would have raised NotFound for it.
    Bound parameters keep one statement shape (a house id of None matches nothing).
    """
    stmt = _lookup_statement(visible(subject, Team), visible(subject, BoardingHouse))
    params = {
        "team_id": team_id,
        "code": code,
        "subtype_code": f"{code}.{subtype}" if subtype else None,
        "house_id": house_id,
    }
    return Lookups(*(await session.execute(stmt, params)).one())


def _checked_category(
    found: Lookups, code: str, subtype: str | None
) -> tuple[IncidentCategory, IncidentCategory | None]:
    """The category and sub-type rows (they stay in the identity map for routing and the
    answer's redaction rules), or 422 ``unknown_category``."""
    category = found.category
    if category is None or category.parent_code is not None or not category.active:
        raise Invalid(code="unknown_category", category=code)
    sub = None
    if subtype is not None:
        sub = found.subtype
        if sub is None or sub.parent_code != code or not sub.active:
            raise Invalid(code="unknown_category", category=code, subtype=subtype)
    return category, sub


async def _visible_or(session, subject, model, obj_id, code):
    try:
        return await get_visible(session, subject, model, obj_id)
    except NotFound:
        raise Invalid(code=code, id=str(obj_id)) from None


def _team_id(subject: Subject, team_id: uuid.UUID | None) -> uuid.UUID:
    if team_id is None:
        if len(subject.team_ids) != 1:
            raise Invalid(code="team_required")
        team_id = next(iter(subject.team_ids))
    return team_id


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
    """Create an incident under the phone's id; an identical re-send returns the stored one.

    A new report is not preceded by a query for its id (one round trip on the hot path): the
    write finds a taken id itself (nothing of this request is then written), and a report that
    fails a check is looked up before the error is answered, so that a re-send is answered
    from what is stored even when it would no longer pass (its team or house handed over, its
    category retired since).
    """
    digest = request_hash(body)
    try:
        # ``_held`` keeps the rows checked until the routing is done: the session's identity
        # map keeps rows only while something refers to them, and routing reads the category
        # there (dropped, it cost one more SELECT).
        incident, _held = await _new_incident(
            session,
            subject=subject,
            incident_id=incident_id,
            body=body,
            digest=digest,
            sealer=sealer,
            now=now,
        )
        opened = await _record_new(
            session,
            incident=incident,
            subject=subject,
            body=body,
            sealer=sealer,
            settings=settings,
            now=now,
        )
    except DomainError:
        journal(session).discard()  # nothing of this attempt may be written by a later step
        if not await session.scalar(_TAKEN, {"incident_id": incident_id}):
            raise
        opened = None
    if opened is None:  # the id was taken: a re-send, or another request's report
        return Stored(
            await _replay(
                session, subject=subject, incident_id=incident_id, digest=digest, sealer=sealer
            ),
            False,
        )
    return Stored(incident, True, opened or None)


async def _new_incident(
    session: AsyncSession,
    *,
    subject: Subject,
    incident_id: uuid.UUID,
    body: IncidentPut,
    digest: str,
    sealer: Sealer,
    now: datetime,
) -> tuple[Incident, Lookups]:
    """The new incident as the report describes it, checked against the taxonomy and the
    caller's scope (422 for what they name but may not see), not yet written; with the rows
    it was checked against."""
    authorize(subject, "incident.create")
    team_id = _team_id(subject, body.team_id)
    found = await _lookups(
        session,
        subject,
        team_id=team_id,
        code=body.category,
        subtype=body.subtype,
        house_id=body.house_id,
    )
    team = found.team
    if team is None:
        raise Invalid(code="unknown_team", id=str(team_id))
    category, sub = _checked_category(found, body.category, body.subtype)
    _check_labour(body, (sub or category).labour_fields or category.labour_fields)
    house = found.house
    if body.house_id and house is None:
        raise Invalid(code="unknown_house", id=str(body.house_id))
    site = None
    site_id = body.site_id or (house.site_id if house else None)
    if body.site_id:
        site = await _visible_or(session, subject, Site, body.site_id, "unknown_site")
    elif site_id:
        site = found.house_site
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
    # built(): the row as computed here, without the ORM's per-field events (see its note).
    incident = built(
        Incident,
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
    return incident, found


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

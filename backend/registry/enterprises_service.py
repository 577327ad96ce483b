"""Enterprises (employers inside sites): create, change, soft-delete."""

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.audit.service import record, snapshot
from backend.core.errors import Conflict
from backend.core.text import fold
from backend.models import Enterprise, Site, utcnow
from backend.policy import Subject
from backend.registry.common import check_refs, ensure_in_scope, flush_unique, touch
from backend.registry.validation import Problems, clean_count, clean_tax_code, clean_text

ENTERPRISE_FIELDS = frozenset({"site_id", "name", "tax_code", "sector", "headcount"})


async def _clean(
    session: AsyncSession, *, actor: Subject | None, values: dict[str, Any]
) -> dict[str, Any]:
    """Validate the given fields together; raise one 422 listing every problem."""
    unknown = set(values) - ENTERPRISE_FIELDS
    if unknown:
        raise TypeError(f"unknown enterprise fields: {sorted(unknown)}")
    p = Problems()
    out: dict[str, Any] = {}
    if "name" in values:
        out["name"] = clean_text(p, "name", values["name"], max_length=255, required=True)
        out["name_search"] = fold(out["name"])[:255]
    if "tax_code" in values:
        out["tax_code"] = clean_tax_code(p, "tax_code", values["tax_code"])
    if "sector" in values:
        out["sector"] = clean_text(p, "sector", values["sector"], max_length=128)
    if "headcount" in values:
        out["headcount"] = clean_count(p, "headcount", values["headcount"])
    if "site_id" in values:
        # Only the city sees enterprises outside any site; everyone else files them in one.
        if values["site_id"] is None and actor is not None and not actor.sees_everything:
            p.add("site_id", "required")
        await check_refs(
            session,
            p,
            actor=actor,
            model=Site,
            ids=[values["site_id"]],
            field="site_id",
            code="unknown_site",
        )
        out["site_id"] = values["site_id"]
    p.raise_if_any()
    return out


async def _check_tax_code_free(
    session: AsyncSession, tax_code: str | None, enterprise_id: uuid.UUID | None = None
) -> None:
    if not tax_code:
        return
    stmt = select(Enterprise.id).where(Enterprise.tax_code == tax_code)
    if enterprise_id is not None:
        stmt = stmt.where(Enterprise.id != enterprise_id)
    if await session.scalar(stmt):
        raise Conflict(
            code="tax_code_taken",
            value=tax_code,
            errors=[{"field": "tax_code", "code": "tax_code_taken"}],
        )


def _snapshot(enterprise: Enterprise) -> dict[str, Any]:
    return snapshot(enterprise, exclude={"name_search"})


async def create_enterprise(
    session: AsyncSession,
    *,
    actor: Subject | None,
    name: str,
    site_id: uuid.UUID | None = None,
    tax_code: str | None = None,
    sector: str | None = None,
    headcount: int | None = None,
) -> Enterprise:
    """Register an enterprise, normally inside a site."""
    values = {k: v for k, v in locals().items() if k in ENTERPRISE_FIELDS}
    fields = await _clean(session, actor=actor, values=values)
    await _check_tax_code_free(session, fields["tax_code"])
    enterprise = Enterprise(**fields)
    session.add(enterprise)
    await flush_unique(session, field="tax_code", value=enterprise.tax_code)
    await ensure_in_scope(
        session, actor=actor, model=Enterprise, obj_id=enterprise.id, field="site_id"
    )
    await record(
        session,
        actor=actor,
        action="enterprise.create",
        object_type="enterprise",
        object_id=enterprise.id,
        after=_snapshot(enterprise),
    )
    return enterprise


async def update_enterprise(
    session: AsyncSession, *, actor: Subject | None, enterprise: Enterprise, **changes: Any
) -> Enterprise:
    """Change an enterprise (moving it to another site the actor can see is allowed)."""
    fields = await _clean(session, actor=actor, values=changes)
    if not fields:
        return enterprise
    if fields.get("tax_code") and fields["tax_code"] != enterprise.tax_code:
        await _check_tax_code_free(session, fields["tax_code"], enterprise.id)
    before = _snapshot(enterprise)
    for key, value in fields.items():
        setattr(enterprise, key, value)
    touch(enterprise)
    session.add(enterprise)
    await flush_unique(session, field="tax_code", value=enterprise.tax_code)
    if "site_id" in fields:
        await ensure_in_scope(
            session, actor=actor, model=Enterprise, obj_id=enterprise.id, field="site_id"
        )
    await record(
        session,
        actor=actor,
        action="enterprise.update",
        object_type="enterprise",
        object_id=enterprise.id,
        before=before,
        after=_snapshot(enterprise),
    )
    return enterprise


async def delete_enterprise(
    session: AsyncSession, *, actor: Subject | None, enterprise: Enterprise, reason: str
) -> None:
    """Soft-delete an enterprise; houses stop listing it as an employer."""
    p = Problems()
    reason_text = clean_text(p, "reason", reason, max_length=500, required=True)
    p.raise_if_any()
    before = _snapshot(enterprise)
    enterprise.deleted_at = utcnow()
    enterprise.delete_reason = reason_text
    touch(enterprise)
    session.add(enterprise)
    await record(
        session,
        actor=actor,
        action="enterprise.delete",
        object_type="enterprise",
        object_id=enterprise.id,
        before=before,
        detail={"reason": reason_text},
    )


async def get_enterprise_by_tax_code(session: AsyncSession, *, tax_code: str) -> Enterprise | None:
    """The live enterprise with this tax code (normalised first), or None."""
    normalised = clean_tax_code(Problems(), "tax_code", tax_code)
    if normalised is None:
        return None
    stmt = select(Enterprise).where(
        Enterprise.tax_code == normalised, Enterprise.deleted_at.is_(None)
    )
    return (await session.scalars(stmt)).first()

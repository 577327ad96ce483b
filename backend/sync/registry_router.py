"""Offline registry cache for phones: changes since a cursor, with tombstones."""

from typing import Annotated

from fastapi import Query

from backend.core.db import SessionDep
from backend.core.routing import GuardedRouter
from backend.policy.deps import CurrentSubject
from backend.sync import registry_service as service
from backend.sync.registry_schemas import (
    RegistrySyncPage,
    SyncHouse,
    SyncMember,
    SyncSite,
    SyncTeam,
    Tombstone,
)

router = GuardedRouter(prefix="/api/v1")


def _page(result: service.SyncResult) -> RegistrySyncPage:
    objects = result.objects
    return RegistrySyncPage(
        reset=result.reset,
        sites=[
            SyncSite.model_validate(s, from_attributes=True).model_copy(
                update={"admin_unit_ids": result.site_units.get(s.id, [])}
            )
            for s in objects["site"]
        ],
        houses=[
            SyncHouse.model_validate(h, from_attributes=True).model_copy(
                update={"team_ids": result.house_teams.get(h.id, [])}
            )
            for h in objects["boarding_house"]
        ],
        teams=[SyncTeam.model_validate(t, from_attributes=True) for t in objects["team"]],
        members=[
            SyncMember.model_validate(m, from_attributes=True) for m in objects["team_member"]
        ],
        tombstones=[Tombstone(type=t, id=i) for t, i in result.tombstones],
        next_cursor=result.next_cursor,
        has_more=result.has_more,
    )


@router.get("/sync/registry", name="sync-registry", tags=["sync"], response_model=RegistrySyncPage)
async def sync_registry(
    session: SessionDep,
    subject: CurrentSubject,
    since: Annotated[
        str | None,
        Query(max_length=512, description="next_cursor of the previous page; empty: full sync"),
    ] = None,
    limit: Annotated[
        int, Query(ge=1, description=f"objects per page, capped at {service.SYNC_LIMIT_MAX}")
    ] = service.SYNC_LIMIT_DEFAULT,
) -> RegistrySyncPage:
    """Registry for the phone's offline cache: sites, houses, teams and members changed since
    `since`.

    Keep calling with `next_cursor` while `has_more`. `reset=true`: drop the local cache
    first (first sync, or the caller's scope changed). Tombstones name objects that were
    deleted or left the caller's scope.
    """
    result = await service.sync_registry(session, subject=subject, cursor=since, limit=limit)
    return _page(result)

"""Routes for both hierarchies; one factory, since the trees behave the same."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status
from pydantic import BaseModel

from backend.core.db import SessionDep
from backend.core.etag import IfMatch, check_if_match, set_etag
from backend.core.pagination import Page, PageDep, decode_keys, encode_cursor
from backend.core.routing import GuardedRouter
from backend.models import AdminUnit, UnionUnit
from backend.orgs import schemas, service
from backend.policy import Subject, get_visible
from backend.policy.deps import CurrentSubject, allowed

Writer = Annotated[Subject, allowed("hierarchy.write")]


def tree_router(
    *,
    model: type,
    prefix: str,
    create_schema: type[BaseModel],
    update_schema: type[BaseModel],
    read_schema: type[BaseModel],
) -> APIRouter:
    """CRUD + subtree listing for one hierarchy."""
    name = prefix.strip("/")
    router = GuardedRouter(prefix=f"/api/v1/{name}", tags=["orgs"])

    async def valid_unit(session: SessionDep, subject: CurrentSubject, unit_id: uuid.UUID):
        return await get_visible(session, subject, model, unit_id)

    Unit = Annotated[model, Depends(valid_unit)]

    @router.get("", name=f"{name}-list", response_model=Page[read_schema])
    async def list_units(
        session: SessionDep,
        subject: CurrentSubject,
        page: PageDep,
        parent_id: uuid.UUID | None = None,
        under: Annotated[uuid.UUID | None, Query(description="a node: list its subtree")] = None,
        level: Annotated[str | None, Query(max_length=64)] = None,
        q: Annotated[
            str | None, Query(max_length=100, description="name, diacritics ignored")
        ] = None,
    ):
        """List nodes in tree order; `under` gives a whole subtree in one indexed scan."""
        after = decode_keys(page.cursor, str)
        rows = await service.list_units(
            session,
            subject=subject,
            model=model,
            parent_id=parent_id,
            under_id=under,
            level=level,
            q=q,
            after_path=after[0] if after else None,
            limit=page.limit + 1,
        )
        more = len(rows) > page.limit
        rows = rows[: page.limit]
        return Page(
            items=[read_schema.model_validate(r, from_attributes=True) for r in rows],
            next_cursor=encode_cursor([rows[-1].path]) if more else None,
        )

    @router.post("", name=f"{name}-create", response_model=read_schema, status_code=201)
    async def create_unit(
        session: SessionDep, subject: Writer, body: create_schema, response: Response
    ):
        """Add a node under a parent, or as a root."""
        node = await service.create_unit(session, actor=subject, model=model, **body.model_dump())
        set_etag(response, node.version)
        return node

    @router.get("/{unit_id}", name=f"{name}-get", response_model=read_schema)
    async def get_unit(node: Unit, response: Response):
        """One node, with its ETag."""
        set_etag(response, node.version)
        return node

    @router.patch("/{unit_id}", name=f"{name}-update", response_model=read_schema)
    async def update_unit(
        session: SessionDep,
        node: Unit,  # before Writer: out of scope is 404 even for those who may not write
        subject: Writer,
        body: update_schema,
        response: Response,
        if_match: IfMatch = None,
    ):
        """Rename or move a node; moving carries the whole subtree (If-Match required)."""
        check_if_match(if_match, node.version)
        node = await service.update_unit(
            session,
            actor=subject,
            model=model,
            node=node,
            changes=body.model_dump(exclude_unset=True),
        )
        set_etag(response, node.version)
        return node

    @router.delete("/{unit_id}", name=f"{name}-delete", status_code=status.HTTP_204_NO_CONTENT)
    async def delete_unit(
        session: SessionDep,
        node: Unit,  # before Writer, as above
        subject: Writer,
        reason: Annotated[str, Query(min_length=3, max_length=500)],
        if_match: IfMatch = None,
    ):
        """Soft-delete a node that has no live children (If-Match required)."""
        check_if_match(if_match, node.version)
        await service.delete_unit(session, actor=subject, model=model, node=node, reason=reason)
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    return router


admin_units = tree_router(
    model=AdminUnit,
    prefix="admin-units",
    create_schema=schemas.UnitCreate,
    update_schema=schemas.UnitUpdate,
    read_schema=schemas.UnitRead,
)
union_units = tree_router(
    model=UnionUnit,
    prefix="union-units",
    create_schema=schemas.UnionUnitCreate,
    update_schema=schemas.UnionUnitUpdate,
    read_schema=schemas.UnionUnitRead,
)

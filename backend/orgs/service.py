"""Hierarchy trees as data: create, rename, move a subtree, soft-delete, query subtrees."""

import uuid
from typing import Any, TypeVar

from sqlalchemy import func, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend.audit.service import record, snapshot
from backend.core.errors import Conflict, Invalid
from backend.core.text import fold
from backend.models import AdminUnit, UnionUnit, utcnow
from backend.policy import Subject, get_visible, scoped, under
from backend.sync.changes import objects_under_unit, record_changes

Node = TypeVar("Node", AdminUnit, UnionUnit)
KIND = {AdminUnit: "admin_unit", UnionUnit: "union_unit"}


async def _live(session: AsyncSession, model: type[Node], node_id: uuid.UUID) -> Node:
    node = await session.get(model, node_id)
    if node is None or node.deleted_at is not None:
        raise Invalid(code="unknown_unit", unit_ids=[str(node_id)], expected_kind=KIND[model])
    return node


async def _check_code_free(
    session: AsyncSession, model: type[Node], code: str, node_id: uuid.UUID | None = None
) -> None:
    stmt = select(model.id).where(model.code == code)
    if node_id is not None:
        stmt = stmt.where(model.id != node_id)
    if await session.scalar(stmt):
        raise Conflict(code="code_taken", value=code)


async def create_unit(
    session: AsyncSession,
    *,
    actor: Subject | None,
    model: type[Node],
    code: str,
    name: str,
    level: str,
    parent_id: uuid.UUID | None = None,
    **extra: Any,
) -> Node:
    """Add a node under a parent (or as a root)."""
    await _check_code_free(session, model, code)
    if extra.get("admin_unit_id"):
        await _live(session, AdminUnit, extra["admin_unit_id"])
    node = model(code=code, name=name, level=level, name_search=fold(name), path="", **extra)
    parent = await _live(session, model, parent_id) if parent_id else None
    node.parent_id = parent.id if parent else None
    node.path = f"{parent.path if parent else '/'}{node.id.hex}/"
    node.depth = parent.depth + 1 if parent else 0
    session.add(node)
    await session.flush()
    await record(
        session,
        actor=actor,
        action=f"{KIND[model]}.create",
        object_type=KIND[model],
        object_id=node.id,
        after=snapshot(node),
    )
    return node


async def _move(session: AsyncSession, model: type[Node], node: Node, parent_id: uuid.UUID | None):
    parent = await _live(session, model, parent_id) if parent_id else None
    if parent is not None and parent.path.startswith(node.path):
        raise Invalid(code="tree_cycle")
    old_path, old_depth = node.path, node.depth
    new_path = f"{parent.path if parent else '/'}{node.id.hex}/"
    # The registry under the subtree changes scope with it: its change-log stamps before the
    # move tell the phones that lose it (tombstones), those after tell the phones that gain it.
    cached = await objects_under_unit(session, model, old_path)
    await record_changes(session, objs=cached)
    delta = (parent.depth + 1 if parent else 0) - old_depth
    # One set-based UPDATE rewrites the whole subtree (the node included), so it stays consistent.
    await session.execute(
        update(model)
        .where(model.path.startswith(old_path, autoescape=True))
        .values(
            path=literal(new_path) + func.substr(model.path, len(old_path) + 1),
            depth=model.depth + delta,
        )
        .execution_options(synchronize_session=False)
    )
    await session.refresh(node)
    node.parent_id = parent.id if parent else None
    await record_changes(session, objs=cached)


async def update_unit(
    session: AsyncSession, *, actor: Subject, model: type[Node], node: Node, changes: dict[str, Any]
) -> Node:
    """Rename, recode, relevel or move a node (moving carries its subtree along)."""
    before = snapshot(node)
    if "parent_id" in changes and changes["parent_id"] != node.parent_id:
        await _move(session, model, node, changes["parent_id"])
    if changes.get("code") and changes["code"] != node.code:
        await _check_code_free(session, model, changes["code"], node.id)
        node.code = changes["code"]
    if changes.get("name"):
        node.name = changes["name"]
        node.name_search = fold(node.name)
    if changes.get("level"):
        node.level = changes["level"]
    if "admin_unit_id" in changes:
        if changes["admin_unit_id"]:
            await _live(session, AdminUnit, changes["admin_unit_id"])
        node.admin_unit_id = changes["admin_unit_id"]
    node.version += 1
    node.updated_at = utcnow()
    session.add(node)
    await session.flush()
    await record(
        session,
        actor=actor,
        action=f"{KIND[model]}.update",
        object_type=KIND[model],
        object_id=node.id,
        before=before,
        after=snapshot(node),
    )
    return node


async def delete_unit(
    session: AsyncSession, *, actor: Subject, model: type[Node], node: Node, reason: str
) -> None:
    """Soft-delete a leaf node, keeping its history."""
    child = await session.scalar(
        select(model.id).where(model.parent_id == node.id, model.deleted_at.is_(None)).limit(1)
    )
    if child:
        raise Conflict(code="has_children")
    before = snapshot(node)
    node.deleted_at = utcnow()
    node.version += 1
    session.add(node)
    await record(
        session,
        actor=actor,
        action=f"{KIND[model]}.delete",
        object_type=KIND[model],
        object_id=node.id,
        before=before,
        detail={"reason": reason},
    )


async def list_units(
    session: AsyncSession,
    *,
    subject: Subject,
    model: type[Node],
    parent_id: uuid.UUID | None = None,
    under_id: uuid.UUID | None = None,
    level: str | None = None,
    q: str | None = None,
    after_path: str | None = None,
    limit: int,
) -> list[Node]:
    """Visible live nodes in tree order (by path), filtered; keyset on path."""
    stmt = scoped(select(model), subject, model).where(model.deleted_at.is_(None))
    if parent_id:
        stmt = stmt.where(model.parent_id == parent_id)
    if under_id:
        # Scope-checked like any read: a subtree outside the caller's scope is a 404, not [].
        root = await get_visible(session, subject, model, under_id)
        stmt = stmt.where(under(model.path, [root.path]))
    if level:
        stmt = stmt.where(model.level == level)
    if q:
        stmt = stmt.where(model.name_search.contains(fold(q), autoescape=True))
    if after_path:
        stmt = stmt.where(model.path > after_path)
    stmt = stmt.order_by(model.path).limit(limit)
    return list((await session.scalars(stmt)).all())


async def subtree_ids(
    session: AsyncSession, *, model: type[Node], root_id: uuid.UUID
) -> list[uuid.UUID]:
    """Ids of a node and everything below it (one indexed range scan)."""
    root = await session.get(model, root_id)
    if root is None:
        return []
    rows = await session.scalars(
        select(model.id).where(under(model.path, [root.path]), model.deleted_at.is_(None))
    )
    return list(rows.all())

"""The administrative-unit and union-unit trees: shown as trees, nodes added, renamed,
re-levelled and moved (with their subtree) through the hierarchy service. Levels are data: any
name, any depth (2-tier and 3-tier provinces both work)."""

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Request
from sqlalchemy import select

from backend.console import admin_pickers as pickers
from backend.console.admin_common import (
    attempt,
    done,
    field_invalid,
    form_error,
    opt_uuid,
    require_admin,
)
from backend.console.web import Console, ConsoleRoute, CurrentConsole, render
from backend.core.db import SessionDep
from backend.models import AdminUnit, UnionUnit
from backend.orgs import service as orgs
from backend.policy import get_visible

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
Kind = Literal["admin_unit", "union_unit"]
MODELS = {"admin_unit": AdminUnit, "union_unit": UnionUnit}
TREE_LIMIT = 5000  # nodes drawn at once; a whole country's wards are ~10,000 (see README)


async def _nodes(session, console: Console, model) -> list:
    return await orgs.list_units(session, subject=console.subject, model=model, limit=TREE_LIMIT)


def nest(nodes: list) -> list[dict]:
    """Path-ordered nodes as nested {"node", "children"} dicts (parents come before children)."""
    by_id: dict[uuid.UUID, dict] = {}
    roots: list[dict] = []
    for node in nodes:
        item = {"node": node, "children": []}
        by_id[node.id] = item
        parent = by_id.get(node.parent_id) if node.parent_id else None
        (parent["children"] if parent else roots).append(item)
    return roots


async def _tree_ctx(request: Request, session, console: Console, kind: str, form=None) -> dict:
    nodes = await _nodes(session, console, MODELS[kind])
    admin_units = []
    if kind == "union_unit":  # a union unit names the admin unit it belongs to
        picked = pickers.picked_ids([form.get("admin_unit_id")] if form else [])
        admin_units = await pickers.unit_options(session, "admin", picked=picked)
    return {
        "kind": kind,
        "tree": nest(nodes),
        "nodes": nodes,
        "admin_units": admin_units,
        "levels": sorted({n.level for n in nodes}),
        "form": form or {"parent_id": "", "code": "", "name": "", "level": "", "admin_unit_id": ""},
        "done": request.query_params.get("done", ""),
    }


@router.get("/admin/trees/{kind}", name="console-admin-tree")
async def tree(request: Request, session: SessionDep, console: CurrentConsole, kind: Kind):
    """One tree, nested, with the form to add a node."""
    require_admin(console)
    return render(request, "admin/tree.html", await _tree_ctx(request, session, console, kind))


def _text(value: str) -> str:
    return " ".join(value.split())


@router.post("/admin/trees/{kind}", name="console-admin-tree-create")
async def add_node(
    request: Request,
    session: SessionDep,
    console: CurrentConsole,
    kind: Kind,
    code: Annotated[str, Form(max_length=64)] = "",
    name: Annotated[str, Form(max_length=255)] = "",
    level: Annotated[str, Form(max_length=64)] = "",
    parent_id: Annotated[str, Form(max_length=64)] = "",
    admin_unit_id: Annotated[str, Form(max_length=64)] = "",
):
    """Add a node under a parent (or as a new root)."""
    require_admin(console)
    form = {
        "parent_id": parent_id,
        "code": code,
        "name": name,
        "level": level,
        "admin_unit_id": admin_unit_id,
    }

    async def call():
        values = {"code": _text(code), "name": _text(name), "level": _text(level)}
        for field, value in values.items():
            if not value:
                raise field_invalid(field, "required")
        extra = {}
        if kind == "union_unit":
            extra["admin_unit_id"] = opt_uuid(admin_unit_id, "admin_unit_id")
        return await orgs.create_unit(
            session,
            actor=console.subject,
            model=MODELS[kind],
            parent_id=opt_uuid(parent_id, "parent_id"),
            **values,
            **extra,
        )

    node, error = await attempt(session, call)
    if error is not None:
        ctx = await _tree_ctx(request, session, console, kind, form)
        return form_error(request, "admin/tree.html", ctx, error)
    return done(f"/admin/trees/{kind}/{node.id}", "node_created")


async def _node_ctx(request: Request, session, console: Console, kind: str, node) -> dict:
    nodes = await _nodes(session, console, MODELS[kind])
    # A node cannot move under itself or its own subtree: those are not offered.
    parents = [n for n in nodes if not n.path.startswith(node.path)]
    admin_units = []
    if kind == "union_unit":
        picked = [node.admin_unit_id] if node.admin_unit_id else []
        admin_units = await pickers.unit_options(session, "admin", picked=picked)
    children = [n for n in nodes if n.parent_id == node.id]
    return {
        "kind": kind,
        "node": node,
        "parents": parents,
        "children": children,
        "admin_units": admin_units,
        "levels": sorted({n.level for n in nodes}),
        "done": request.query_params.get("done", ""),
    }


@router.get("/admin/trees/{kind}/{unit_id}", name="console-admin-tree-node")
async def node_page(
    request: Request, session: SessionDep, console: CurrentConsole, kind: Kind, unit_id: uuid.UUID
):
    """One node: rename, relevel, move under another parent."""
    require_admin(console)
    node = await get_visible(session, console.subject, MODELS[kind], unit_id)
    ctx = await _node_ctx(request, session, console, kind, node)
    return render(request, "admin/tree_node.html", ctx)


@router.post("/admin/trees/{kind}/{unit_id}", name="console-admin-tree-update")
async def update_node(
    request: Request,
    session: SessionDep,
    console: CurrentConsole,
    kind: Kind,
    unit_id: uuid.UUID,
    code: Annotated[str, Form(max_length=64)] = "",
    name: Annotated[str, Form(max_length=255)] = "",
    level: Annotated[str, Form(max_length=64)] = "",
    parent_id: Annotated[str, Form(max_length=64)] = "",
    admin_unit_id: Annotated[str, Form(max_length=64)] = "",
):
    """Save a node's name, code and level, and move it (with its subtree) if the parent
    changed."""
    require_admin(console)
    model = MODELS[kind]
    node = await get_visible(session, console.subject, model, unit_id)

    async def call():
        changes = {"code": _text(code), "name": _text(name), "level": _text(level)}
        for field, value in changes.items():
            if not value:
                raise field_invalid(field, "required")
        changes["parent_id"] = opt_uuid(parent_id, "parent_id")
        if kind == "union_unit":
            changes["admin_unit_id"] = opt_uuid(admin_unit_id, "admin_unit_id")
        return await orgs.update_unit(
            session, actor=console.subject, model=model, node=node, changes=changes
        )

    _, error = await attempt(session, call)
    if error is not None:
        node = (await session.scalars(select(model).where(model.id == unit_id))).one()
        ctx = await _node_ctx(request, session, console, kind, node)
        return form_error(request, "admin/tree_node.html", ctx, error)
    return done(f"/admin/trees/{kind}/{unit_id}", "node_updated")


@router.post("/admin/trees/{kind}/{unit_id}/delete", name="console-admin-tree-delete")
async def delete_node(
    request: Request,
    session: SessionDep,
    console: CurrentConsole,
    kind: Kind,
    unit_id: uuid.UUID,
    reason: Annotated[str, Form(max_length=500)] = "",
):
    """Remove a node without live children (soft: its history and audit stay)."""
    require_admin(console)
    model = MODELS[kind]
    node = await get_visible(session, console.subject, model, unit_id)

    async def call():
        if len(reason.strip()) < 3:
            raise field_invalid("reason", "required")
        return await orgs.delete_unit(
            session, actor=console.subject, model=model, node=node, reason=reason.strip()
        )

    _, error = await attempt(session, call)
    if error is not None:
        node = (await session.scalars(select(model).where(model.id == unit_id))).one()
        ctx = await _node_ctx(request, session, console, kind, node)
        return form_error(request, "admin/tree_node.html", ctx, error)
    return done(f"/admin/trees/{kind}", "node_deleted")

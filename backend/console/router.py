"""The console's routes and static assets, installed on the app by ``install``."""

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from backend.console import (
    admin,
    admin_enterprises,
    admin_houses,
    admin_ops,
    admin_pickers,
    admin_qr,
    admin_sites,
    admin_teams,
    admin_tree,
    admin_users,
    auth_pages,
    imports,
    incident_pages,
    maps,
    police,
    reports,
    tables,
    team,
    union,
    union_awareness,
    union_commendations,
    union_exports,
    union_labour,
    union_maps,
)
from backend.console.web import HERE, STATIC
from backend.core.routing import GuardedRouter

router = GuardedRouter(include_in_schema=False)  # skipped by API paths at once
for _sub in (
    auth_pages.router,
    police.router,
    union.router,
    incident_pages.router,
    admin.router,
    maps.router,
    reports.router,
    tables.router,
    team.router,
    imports.router,
    # The union desk's pages (labour events, awareness, commendations, map layers, files).
    union_labour.router,
    union_awareness.router,
    union_commendations.router,
    union_maps.router,
    union_exports.router,
    # Administration: new/fixed paths (/admin/users/new) before /admin/users/{user_id}.
    admin_users.router,
    admin_tree.router,
    admin_sites.router,
    admin_enterprises.router,
    admin_houses.router,
    admin_qr.router,
    admin_teams.router,
    admin_pickers.router,
    admin_ops.router,
):
    router.include_router(_sub)


def install(app: FastAPI) -> None:
    """Mount the vendored assets at /static/console and add the pages (none in the spec).

    Called before any other mount at /static: Starlette matches in order, so /static/console
    must come first or a broader /static mount would swallow it.
    """
    app.mount(STATIC, StaticFiles(directory=str(HERE / "static")), name="console-static")
    app.include_router(router)

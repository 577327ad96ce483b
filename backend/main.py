"""create_app(): settings, database, middleware, error handlers and routers."""

from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.routing import APIRoute
from starlette.middleware.gzip import DEFAULT_EXCLUDED_CONTENT_TYPES, GZipMiddleware

from backend.accounts.auth_router import router as auth_router
from backend.accounts.router import router as users_router
from backend.audit.router import router as audit_router
from backend.console.router import install as install_console
from backend.core import pii
from backend.core.config import Settings, get_settings
from backend.core.db import make_engine, make_session_factory, make_statement_session_factory
from backend.core.errors import install_error_handlers
from backend.core.heap import settle_heap
from backend.core.logging import RequestContextMiddleware, configure_logging
from backend.core.middleware import NulByteGuard, SecurityHeaders
from backend.core.migrate import head_revisions
from backend.core.openapi import install_openapi
from backend.dashboards.router import routers as dashboards_routers
from backend.field.router import router as field_router
from backend.field.router import static_files as field_static
from backend.imports.router import router as imports_router
from backend.incidents.router import router as incidents_router
from backend.monitoring.router import router as monitoring_router
from backend.notifications.channels_router import router as channels_router
from backend.notifications.router import router as notifications_router
from backend.notifications.runtime import notification_runtime
from backend.ops.docs import install_docs, mount_static
from backend.ops.router import router as ops_router
from backend.orgs.router import admin_units, union_units
from backend.patrols.router import router as patrols_router
from backend.privacy.router import router as privacy_router
from backend.registry.router import router as registry_router
from backend.sync.registry_router import router as sync_registry_router
from backend.sync.upload_router import router as sync_upload_router
from backend.teams.router import router as teams_router

API_DESCRIPTION = """
TTQ — backend cho Tổ tự quản các khu nhà trọ công nhân.

Errors are RFC 9457 `application/problem+json` with a stable `code`; titles are Vietnamese unless
`Accept-Language` prefers English. Lists use cursor pagination (`cursor`, `limit`, `next_cursor`).
Updates need `If-Match` with the `ETag` you read; a stale one answers 412.
"""


# Streams must reach the client as they are written (live events; exports whose first bytes
# must come at once): gzip would hold them back to fill its blocks. XLSX is a zip already.
NEVER_GZIPPED = (
    *DEFAULT_EXCLUDED_CONTENT_TYPES,
    "text/csv",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/pdf",
)


def _operation_id(route: APIRoute) -> str:
    # Route names are the operation ids ("teams-list"), so generated clients read cleanly.
    return route.name


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the ASGI application; each call has its own engine (tests build many)."""
    settings = settings or get_settings()
    configure_logging(settings.log_level, settings.log_json)
    pii.install(pii.keyring_for(settings))  # the sealed phone columns read the process's keys
    engine = make_engine(settings.database_url, settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        async with notification_runtime(app):  # stream hub; on SQLite also the dispatcher
            if settings.freezes_heap:
                settle_heap()
            yield
        await engine.dispose()

    app = FastAPI(
        title="TTQ API",
        version="1.0.0",
        description=API_DESCRIPTION,
        lifespan=lifespan,
        generate_unique_id_function=_operation_id,
        docs_url=None,  # served from vendored assets by install_docs, not from a CDN
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = make_session_factory(engine)
    app.state.statement_session_factory = make_statement_session_factory(engine, settings)
    app.state.expected_heads = head_revisions(settings.database_url)

    install_error_handlers(app)
    install_openapi(app)
    app.add_middleware(NulByteGuard)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["*"],
            allow_headers=["*"],
            expose_headers=["ETag", "X-Request-ID", "Retry-After"],
        )
    if settings.gzip_minimum_size:
        app.add_middleware(
            GZipMiddleware,
            minimum_size=settings.gzip_minimum_size,
            compresslevel=settings.gzip_level,
            exclude_content_types=NEVER_GZIPPED,
        )
    app.add_middleware(RequestContextMiddleware)
    app.add_middleware(SecurityHeaders)  # outermost: even a crash's 500 carries the headers
    # The web console first: its /static/console mount must precede any broader /static one.
    install_console(app)

    for router in (
        ops_router,
        auth_router,
        users_router,
        admin_units,
        union_units,
        registry_router,
        teams_router,
        imports_router,
        sync_registry_router,
        patrols_router,
        sync_upload_router,
        audit_router,
        privacy_router,
        incidents_router,
        notifications_router,
        channels_router,
        monitoring_router,
        *dashboards_routers,
    ):
        app.include_router(router)
    install_docs(app)
    mount_static(app)
    # The field app (a PWA) is served by the API so it needs no other host; not in the spec.
    app.include_router(field_router)
    app.mount("/field/static", field_static, name="field-static")
    return app

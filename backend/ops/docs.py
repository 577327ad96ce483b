"""/docs (Swagger UI) and /redoc served from the package's own vendored assets.

FastAPI's defaults load both from a CDN (and ReDoc its fonts from Google), so the pages are
blank on a machine without internet: a field office, a laptop on a train, CI. The assets live
in ``backend/static/vendor/`` at pinned npm versions with their licences, served by the one
``/static`` mount (``mount_static``).
"""

import base64
import hashlib
import re
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
STATIC_URL = "/static"
# Pinned npm versions; bump by replacing the folder (see README, "API documentation offline").
SWAGGER_UI = "vendor/swagger-ui-dist-5.35.0"
REDOC = "vendor/redoc-2.5.4"
OAUTH2_REDIRECT = "/docs/oauth2-redirect"
# The pages may load from this app only. ReDoc's sidebar has a hard-coded logo on a CDN;
# this policy stops the browser from asking for it (ReDoc then drops the image).
# FastAPI's Swagger page starts Swagger UI from an inline script: that script is named by its
# SHA-256 (computed per page) rather than allowing every inline script; ReDoc styles inline and
# runs its search in a blob: worker, hence 'unsafe-inline' for styles only.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'{scripts}; worker-src 'self' blob:; connect-src 'self'; "
    "font-src 'self' data:; object-src 'none'; base-uri 'self'; frame-ancestors 'none'"
)
_INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.S)


def mount_static(app: FastAPI) -> None:
    """Serve ``backend/static`` at ``/static`` (vendored libraries, the console's assets)."""
    app.mount(STATIC_URL, StaticFiles(directory=STATIC_DIR), name="static")


def _local_only(page: HTMLResponse) -> HTMLResponse:
    hashes = "".join(
        " 'sha256-" + base64.b64encode(hashlib.sha256(body).digest()).decode() + "'"
        for body in _INLINE_SCRIPT.findall(page.body)
    )
    page.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY.format(scripts=hashes)
    return page


def install_docs(app: FastAPI) -> None:
    """Add /docs, its OAuth2 redirect page and /redoc, all loading only from this app."""

    def asset(path: str) -> str:
        return f"{STATIC_URL}/{path}"

    favicon = asset(f"{SWAGGER_UI}/favicon-32x32.png")

    async def swagger(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return _local_only(
            get_swagger_ui_html(
                openapi_url=root + (app.openapi_url or "/openapi.json"),
                title=f"{app.title} — Swagger UI",
                swagger_js_url=root + asset(f"{SWAGGER_UI}/swagger-ui-bundle.js"),
                swagger_css_url=root + asset(f"{SWAGGER_UI}/swagger-ui.css"),
                swagger_favicon_url=root + favicon,
                oauth2_redirect_url=root + OAUTH2_REDIRECT,
                # Swagger UI would otherwise send the spec to validator.swagger.io for a badge.
                swagger_ui_parameters={"validatorUrl": None},
            )
        )

    async def oauth2_redirect(request: Request) -> HTMLResponse:
        return _local_only(get_swagger_ui_oauth2_redirect_html())

    async def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return _local_only(
            get_redoc_html(
                openapi_url=root + (app.openapi_url or "/openapi.json"),
                title=f"{app.title} — ReDoc",
                redoc_js_url=root + asset(f"{REDOC}/redoc.standalone.js"),
                redoc_favicon_url=root + favicon,
                with_google_fonts=False,
            )
        )

    app.add_route("/docs", swagger, include_in_schema=False)
    app.add_route(OAUTH2_REDIRECT, oauth2_redirect, include_in_schema=False)
    app.add_route("/redoc", redoc, include_in_schema=False)

"""Serve the field app: the HTML shell, its manifest, its service worker and its static files.

Nothing here is part of the API (``include_in_schema=False``): the app talks to the mobile API like
any phone would. The service worker is rendered with the list of shell files and a version that
is a hash of their bytes, so a new release replaces the offline copy and an unchanged one keeps it.
"""

import hashlib
import json
from functools import lru_cache
from pathlib import Path

from fastapi.responses import FileResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from backend.core.routing import GuardedRouter

HERE = Path(__file__).parent
STATIC = HERE / "static"
PREFIX = "/field"
# Not cached by the browser's HTTP cache: the service worker's own cache is the offline copy,
# and a stale shell served over HTTP would hide a release.
NO_CACHE = {"Cache-Control": "no-cache"}

router = GuardedRouter(include_in_schema=False)
static_files = StaticFiles(directory=STATIC)


def _shell_files() -> list[Path]:
    # VENDORED.txt and licences ship in the package but are not needed offline.
    return sorted(
        p
        for p in STATIC.rglob("*")
        if p.is_file() and p.name not in {"LICENSE", "VENDORED.txt"} and p.suffix != ".md"
    )


@lru_cache(maxsize=1)
def shell() -> tuple[str, list[str]]:
    """(version, URLs) of everything the app needs to open offline."""
    digest = hashlib.sha256()
    urls = [f"{PREFIX}/", f"{PREFIX}/manifest.webmanifest"]
    for name in ("index.html", "manifest.webmanifest", "sw.js"):
        digest.update((HERE / name).read_bytes())
    for path in _shell_files():
        rel = path.relative_to(STATIC).as_posix()
        digest.update(rel.encode() + b"\0" + path.read_bytes())
        urls.append(f"{PREFIX}/static/{rel}")
    return digest.hexdigest()[:16], urls


@router.get(PREFIX)
async def field_redirect() -> RedirectResponse:
    return RedirectResponse(f"{PREFIX}/", status_code=308)


@router.get(f"{PREFIX}/")
async def field_shell() -> FileResponse:
    return FileResponse(HERE / "index.html", media_type="text/html", headers=NO_CACHE)


@router.get(f"{PREFIX}/manifest.webmanifest")
async def field_manifest() -> FileResponse:
    return FileResponse(
        HERE / "manifest.webmanifest", media_type="application/manifest+json", headers=NO_CACHE
    )


@router.get(f"{PREFIX}/sw.js")
async def field_service_worker() -> Response:
    version, urls = shell()
    source = (HERE / "sw.js").read_text(encoding="utf-8")
    source = source.replace("__VERSION__", version).replace("__SHELL__", json.dumps(urls))
    return Response(
        source,
        media_type="text/javascript",
        headers={**NO_CACHE, "Service-Worker-Allowed": f"{PREFIX}/"},
    )

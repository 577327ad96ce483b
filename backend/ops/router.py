"""Liveness and readiness probes for orchestrators (outside the mobile contract)."""

import asyncio

from fastapi import Request
from fastapi.responses import JSONResponse

from backend.core.messages import pick_language, title_for
from backend.core.migrate import current_revisions
from backend.core.routing import GuardedRouter

router = GuardedRouter(include_in_schema=False)


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is alive."""
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    """The database answers and its schema is at the head this code expects."""
    state = request.app.state
    try:
        async with asyncio.timeout(3):
            async with state.engine.connect() as conn:
                current = await conn.run_sync(current_revisions)
    except Exception as exc:  # any failure here means "not ready", with the reason
        return JSONResponse(
            {"status": "unavailable", "database": type(exc).__name__}, status_code=503
        )
    if current != state.expected_heads:
        # A sentence for whoever reads the probe (an operator, a deploy script's log).
        code = "database_behind" if current else "database_not_migrated"
        return JSONResponse(
            {
                "status": "unavailable",
                "code": code,
                "detail": title_for(code, pick_language(request.headers.get("accept-language"))),
                "migrations": {
                    "current": sorted(current),
                    "expected": sorted(state.expected_heads),
                },
            },
            status_code=503,
        )
    return JSONResponse({"status": "ok", "migrations": sorted(current)})

"""Monitoring routes: awareness sessions, commendations and exports (one tag: monitoring)."""

from backend.core.routing import GuardedRouter
from backend.monitoring.awareness_photos_router import router as awareness_photos_router
from backend.monitoring.awareness_router import router as awareness_router
from backend.monitoring.commendation_router import router as commendation_router
from backend.monitoring.registry_exports import router as registry_exports_router

router = GuardedRouter()
router.include_router(awareness_router)
router.include_router(awareness_photos_router)
router.include_router(commendation_router)
router.include_router(registry_exports_router)

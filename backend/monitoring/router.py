"""Monitoring routes: awareness sessions, commendations and exports (one tag: monitoring)."""

from fastapi import APIRouter

from backend.monitoring.awareness_photos_router import router as awareness_photos_router
from backend.monitoring.awareness_router import router as awareness_router
from backend.monitoring.commendation_router import router as commendation_router
from backend.monitoring.registry_exports import router as registry_exports_router

router = APIRouter()
router.include_router(awareness_router)
router.include_router(awareness_photos_router)
router.include_router(commendation_router)
router.include_router(registry_exports_router)

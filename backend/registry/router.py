"""Registry routes: sites, enterprises, boarding houses, checkpoints (QR)."""

from backend.core.routing import GuardedRouter
from backend.registry.checkpoints.router import router as checkpoints_router
from backend.registry.enterprises_router import router as enterprises_router
from backend.registry.houses_router import router as houses_router
from backend.registry.sites_router import router as sites_router

router = GuardedRouter(prefix="/api/v1")
# Checkpoints first: its fixed path /houses/printout must win over /houses/{house_id}.
router.include_router(checkpoints_router)
router.include_router(houses_router)
router.include_router(sites_router)
router.include_router(enterprises_router)

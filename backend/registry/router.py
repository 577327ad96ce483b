"""Registry routes: sites, enterprises, boarding houses, checkpoints (QR)."""

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1")

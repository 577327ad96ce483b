"""Offline registry cache for phones: changes since a cursor, with tombstones."""

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1")

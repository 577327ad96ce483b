"""Patrol routes: patrols, checkpoint scans, tracks, plans, review."""

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1")

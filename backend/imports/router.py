"""Bulk onboarding from CSV/XLSX: templates, dry runs, all-or-nothing imports."""

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1")

"""Team routes: teams, members, covered houses, police jurisdictions."""

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1")

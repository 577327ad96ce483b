"""Batch upload from phones: mixed items, per-item results, Idempotency-Key."""

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1")

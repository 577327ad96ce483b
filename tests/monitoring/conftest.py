"""Monitoring test fixtures.

On PostgreSQL the shared harness truncates every table between tests, seeded reference tables
included, so the awareness topics the 0007 migration seeds are put back from that migration.
"""

import importlib.util
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select

from backend.models.monitoring import AwarenessTopic

MIGRATION = Path(__file__).parents[2] / "migrations/versions/2026_11_22_0007_monitoring.py"


def _seed_rows() -> list[dict]:
    spec = importlib.util.spec_from_file_location("monitoring_migration", MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return [
        {
            "code": c,
            "category": g,
            "name_vi": vi,
            "name_en": en,
            "sort_order": i * 10,
            "active": True,
        }
        for i, (c, g, vi, en) in enumerate(module.TOPICS, start=1)
    ]


@pytest.fixture(autouse=True)
async def awareness_topics(app):
    async with app.state.session_factory() as s:
        if not await s.scalar(select(func.count()).select_from(AwarenessTopic)):
            await s.execute(insert(AwarenessTopic), _seed_rows())
            await s.commit()

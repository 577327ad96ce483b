"""Acknowledgement windows come from settings (TTQ_INCIDENT_ACK_MINUTES)."""

from datetime import timedelta

import pytest

from tests.incidents.world import open_escalation, report


@pytest.fixture
def settings(settings):
    return settings.model_copy(update={"incident_ack_minutes": [5, 30, 120, 600]})


async def test_deadlines_are_configurable(app, client, session, city):
    iid = (await report(client, app, city.member_a, category="drugs", severity=2)).json()["id"]
    esc = await open_escalation(session, iid)
    assert esc.deadline_at - esc.created_at == timedelta(minutes=30)

"""A seal the configured key cannot open: a clear 503, old keys still open, rotation moves on."""

import uuid

from sqlalchemy import select

from backend.core import pii
from backend.incidents.sealing import sealer_for
from backend.models import AuditEvent
from backend.models.incident import Incident
from backend.privacy.rotation import rotate_keys
from tests.factories import auth
from tests.incidents.world import report

REASON = {"reason": "Cần lấy lời khai nhân chứng theo yêu cầu điều tra"}
NEW_KEY = "a-brand-new-incident-seal-key-of-enough-length-2026"


async def _protected(client, app, city) -> str:
    r = await report(
        client,
        app,
        city.member_a,
        category="trafficking",
        subtype="job_offer",
        severity=2,
        protect_reporter=True,
        persons_involved=[{"full_name": "Nguyễn Thị Lan", "role": "victim"}],
        house_id=str(city.house_a.id),
    )
    assert r.status_code == 201, r.text
    return r.json()["id"]


async def test_reveal_with_a_lost_key_answers_503_key_unavailable(app, client, session, city):
    iid = await _protected(client, app, city)
    original = app.state.settings
    app.state.settings = original.model_copy(update={"incident_seal_key": NEW_KEY})
    url = f"/api/v1/incidents/{iid}/reveal-reporter"
    r = await client.post(url, json=REASON, headers=auth(app, city.police_a1))
    assert r.status_code == 503, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == "key_unavailable"
    assert r.json()["title"].startswith("Không giải mã được")
    # Nothing was revealed, so nothing says it was.
    found = await session.scalars(
        select(AuditEvent).where(AuditEvent.action == "incident.break_glass")
    )
    assert found.all() == []
    # The police's full view (persons involved are sealed too) says the same, not a 500.
    r = await client.get(f"/api/v1/incidents/{iid}", headers=auth(app, city.police_a1))
    assert r.status_code == 503 and r.json()["code"] == "key_unavailable"

    # The old key listed again: the seal opens; rotation then reseals under the new key.
    old = original.incident_seal_key or original.secret_key
    app.state.settings = original.model_copy(
        update={"incident_seal_key": NEW_KEY, "incident_seal_keys_old": [old]}
    )
    r = await client.post(url, json=REASON, headers=auth(app, city.police_a1))
    assert r.status_code == 200 and r.json()["reporter"]["user_id"] == str(city.member_a.id)

    sealer = sealer_for(app.state.settings)
    report_ = await rotate_keys(app.state.session_factory, ring=pii.keyring(), sealer=sealer)
    assert report_.resealed["incident.sealed"] == 1
    app.state.settings = original.model_copy(update={"incident_seal_key": NEW_KEY})
    r = await client.post(url, json=REASON, headers=auth(app, city.police_a1))
    assert r.status_code == 200, r.text
    # The reporter still sees their own report as theirs (the keyed ref was recomputed).
    mine = await client.get(f"/api/v1/incidents/{iid}", headers=auth(app, city.member_a))
    assert mine.json()["view"] == "reporter"
    session.expunge_all()
    stored = await session.get(Incident, uuid.UUID(iid))
    assert stored.reporter_ref == sealer.ref(city.member_a.id)

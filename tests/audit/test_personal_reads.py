"""Reads of other people's phone numbers and locations leave an access record; the map's bulk
feed gives unions no landlord contacts (Law 91/2025/QH15, Decree 356/2025)."""

from sqlalchemy import select

from backend.models import AuditEvent
from tests.factories import auth
from tests.factories_teams import add_member, make_world


async def _reads(session, object_type: str) -> list[AuditEvent]:
    stmt = select(AuditEvent).where(
        AuditEvent.action == "personal_data.read", AuditEvent.object_type == object_type
    )
    return list((await session.scalars(stmt.execution_options(populate_existing=True))).all())


async def test_reading_members_phones_is_audited(app, client, session):
    w = await make_world(session)
    person = await add_member(session, w.team_a, full_name="Trần Thị B", phone="0987654321")
    await session.commit()
    h = auth(app, w.officer_x)
    r = await client.get(f"/api/v1/teams/{w.team_a.id}/members", headers=h)
    assert r.status_code == 200
    assert "+84987654321" in r.text
    [event] = await _reads(session, "team_member")
    assert event.actor_id == w.officer_x.id
    assert event.detail["fields"] == ["phone"] and str(person.id) in event.detail["ids"]
    r = await client.get(f"/api/v1/teams/{w.team_a.id}/members/{person.id}", headers=h)
    assert r.status_code == 200
    assert len(await _reads(session, "team_member")) == 2
    # Out of scope stays 404, and a 404 reads nothing.
    r = await client.get(
        f"/api/v1/teams/{w.team_a.id}/members/{person.id}", headers=auth(app, w.officer_y)
    )
    assert r.status_code == 404
    assert len(await _reads(session, "team_member")) == 2


async def test_reading_other_accounts_is_audited_not_ones_own(app, client, session):
    w = await make_world(session)
    await session.commit()
    r = await client.get(f"/api/v1/users/{w.officer_x.id}", headers=auth(app, w.officer_x))
    assert r.status_code == 200
    assert await _reads(session, "user") == []
    r = await client.get(f"/api/v1/users/{w.officer_x.id}", headers=auth(app, w.admin))
    assert r.status_code == 200
    [event] = await _reads(session, "user")
    assert event.object_id == str(w.officer_x.id) and event.actor_id == w.admin.id


async def _with_landlord(session, house):
    house.landlord_name, house.landlord_phone = "Chủ trọ Lan", "+84912000111"
    session.add(house)
    await session.commit()


async def test_union_officers_get_no_landlord_contacts_on_the_map(app, client, session):
    w = await make_world(session)
    await _with_landlord(session, w.house_a1)
    r = await client.get("/api/v1/houses/geojson", headers=auth(app, w.officer_x))
    assert r.status_code == 200
    [feature] = [f for f in r.json()["features"] if f["id"] == str(w.house_a1.id)]
    assert feature["properties"]["landlord_phone"] is None
    assert feature["properties"]["landlord_name"] is None
    assert "912000111" not in r.text
    police = await client.get("/api/v1/houses/geojson", headers=auth(app, w.police_a))
    [feature] = [f for f in police.json()["features"] if f["id"] == str(w.house_a1.id)]
    assert feature["properties"]["landlord_phone"] == "+84912000111"
    [event] = await _reads(session, "boarding_house")  # the police read is logged
    assert event.actor_id == w.police_a.id


async def test_a_house_page_read_with_the_landlord_phone_is_audited(app, client, session):
    w = await make_world(session)
    await _with_landlord(session, w.house_a1)
    r = await client.get(f"/api/v1/houses/{w.house_a1.id}", headers=auth(app, w.officer_x))
    assert r.status_code == 200 and r.json()["landlord_phone"] == "+84912000111"
    [event] = await _reads(session, "boarding_house")
    assert event.object_id == str(w.house_a1.id)
    assert event.detail["fields"] == ["landlord_name", "landlord_phone"]


async def test_reading_scan_locations_is_audited(app, client, session):
    import uuid

    from tests.factories_patrols import make_world as patrol_world
    from tests.factories_patrols import patrol_item, scan_item, upload

    w = await patrol_world(session)
    await session.commit()
    pid = uuid.uuid4()
    r = await upload(client, app, w.member, [patrol_item(w, pid), scan_item(w, pid)])
    assert r.status_code == 200, r.text
    listed = await client.get("/api/v1/scans", headers=auth(app, w.officer))
    assert listed.status_code == 200 and listed.json()["items"][0]["lat"] is not None
    [event] = await _reads(session, "checkpoint_scan")
    assert event.actor_id == w.officer.id and event.detail["fields"][:2] == ["lat", "lon"]

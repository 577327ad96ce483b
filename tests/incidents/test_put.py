"""Reporting: the idempotent PUT, its validation, and the `incident` kind of the batch upload."""

import uuid
from datetime import UTC, datetime

from sqlalchemy import func, select, update

from backend.models import BoardingHouse
from backend.models.incident import Incident, IncidentTimelineEntry
from tests.factories import auth, make_user
from tests.incidents.world import body, report, statements_sent, stored


async def test_put_is_idempotent(app, client, session, city):
    iid = uuid.uuid4()
    first = await report(client, app, city.member_a, iid, house_id=str(city.house_a.id))
    again = await report(client, app, city.member_a, iid, house_id=str(city.house_a.id))
    assert first.status_code == 201, first.text
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"] == str(iid)
    assert again.headers["etag"] == first.headers["etag"]
    rows = await session.scalar(
        select(func.count()).where(IncidentTimelineEntry.incident_id == iid)
    )
    assert rows == 3  # created, submitted, routed: once each
    other = await report(client, app, city.member_a, iid, severity=2)
    assert other.status_code == 409 and other.json()["code"] == "incident_conflict"
    # The same body from another member of the team is not the reporter's re-send.
    by_other = await report(client, app, city.member_a2, iid, house_id=str(city.house_a.id))
    assert by_other.status_code == 409
    # Someone who cannot see it learns nothing: 404.
    outside = await report(client, app, city.leader_b, iid, house_id=str(city.house_a.id))
    assert outside.status_code == 404


async def test_put_replay_after_progress_still_200(app, client, city):
    iid = uuid.uuid4()
    await report(client, app, city.member_a, iid)
    await client.post(
        f"/api/v1/incidents/{iid}/transitions",
        json={"action": "triage"},
        headers=auth(app, city.officer_gx),
    )
    again = await report(client, app, city.member_a, iid)
    assert again.status_code == 200 and again.json()["status"] == "triaged"


async def test_a_resend_is_answered_from_what_is_stored_even_if_it_would_no_longer_pass(
    app, client, session, city
):
    """A new report is not preceded by a lookup of its id: a re-send that now fails a check
    (its house closed since) still gets the stored report, and nothing more is written."""
    iid = uuid.uuid4()
    first = await report(client, app, city.member_a, iid, house_id=str(city.house_q.id))
    assert first.status_code == 201, first.text
    await session.execute(
        update(BoardingHouse)
        .where(BoardingHouse.id == city.house_q.id)
        .values(deleted_at=datetime.now(UTC))
    )
    await session.commit()
    again = await report(client, app, city.member_a, iid, house_id=str(city.house_q.id))
    assert again.status_code == 200, again.text
    assert again.json()["id"] == str(iid) and again.headers["etag"] == first.headers["etag"]
    other = await report(client, app, city.member_a, iid, house_id=str(city.house_q.id), severity=2)
    assert other.status_code == 409 and other.json()["code"] == "incident_conflict"
    outside = await report(client, app, city.leader_b, iid, house_id=str(city.house_q.id))
    assert outside.status_code == 404  # not theirs to see, and not theirs to learn it exists
    fresh = await report(client, app, city.member_a, house_id=str(city.house_q.id))
    assert fresh.status_code == 422 and fresh.json()["code"] == "unknown_house"
    lines = select(func.count()).where(IncidentTimelineEntry.incident_id == iid)
    assert await session.scalar(lines) == 3  # created, submitted, routed: once each
    assert await session.scalar(select(func.count()).select_from(Incident)) == 1


async def test_a_union_officer_names_houses_of_their_subtree_only(app, client, city):
    """The house is checked by the policy's rule for the caller's role (joined into the report's
    one lookup), as for a team member."""
    r = await report(
        client, app, city.officer_gx, team_id=str(city.team_a.id), house_id=str(city.house_q.id)
    )
    assert r.status_code == 201, r.text
    r = await report(
        client, app, city.officer_gx, team_id=str(city.team_a.id), house_id=str(city.house_b.id)
    )
    assert r.status_code == 422 and r.json()["code"] == "unknown_house"
    r = await report(
        client, app, city.officer_y, team_id=str(city.team_b.id), house_id=str(city.house_b.id)
    )
    assert r.status_code == 201, r.text


async def test_a_new_report_reads_what_it_names_in_one_statement(app, client, city):
    """Team, category, sub-type, house and its site in one SELECT; no lookup of the id before
    the write; the police ladder finds the site where the lookup left it."""
    with statements_sent(app) as seen:
        r = await report(
            client,
            app,
            city.member_a,
            category="trafficking",
            subtype="job_offer",
            house_id=str(city.house_a.id),
        )
    assert r.status_code == 201, r.text
    joined = ("LEFT OUTER JOIN team ON", "LEFT OUTER JOIN boarding_house ON", "AS subtype ON")
    lookups = [s for s in seen if all(part in s for part in joined)]
    assert len(lookups) == 1, seen
    assert r.json()["site_id"] == str(city.site.id)  # house_a lies in the site
    for table in ("team", "boarding_house", "incident_category", "site"):
        assert not any(s.startswith("SELECT") and f" FROM {table} " in f"{s} " for s in seen), (
            table,
            seen,
        )
    assert not any(s.startswith("SELECT incident.id FROM incident") for s in seen), seen


async def test_location_decides_jurisdiction(app, client, session, city):
    r = await report(client, app, city.member_a, house_id=str(city.house_q.id))
    row = await stored(session, r.json()["id"])
    assert row.admin_unit_id == city.ward_q.id and row.site_id is None
    r = await report(client, app, city.member_a, house_id=str(city.house_a.id))
    row = await stored(session, r.json()["id"])
    assert (row.admin_unit_id, row.site_id) == (city.ward_a.id, city.site.id)
    assert row.covering_union_unit_id == city.union_x.id
    r = await report(client, app, city.member_a, site_id=str(city.site.id), lat=10.76, lon=106.72)
    row = await stored(session, r.json()["id"])
    assert (row.admin_unit_id, row.site_id, row.lat) == (city.ward_a.id, city.site.id, 10.76)
    r = await report(client, app, city.member_a)  # nowhere in particular: the team's ward
    assert (await stored(session, r.json()["id"])).admin_unit_id == city.ward_a.id
    assert r.json()["team_id"] == str(city.team_a.id)


async def test_labour_incident_fields(app, client, session, city):
    labour = {
        "category": "labour",
        "subtype": "work_stoppage",
        "enterprise_id": str(city.enterprise.id),
        "workers_involved": 300,
        "labour_started_at": "2026-11-20T07:00:00+07:00",
    }
    r = await report(client, app, city.member_a, **labour)
    assert r.status_code == 201, r.text
    got = r.json()
    assert (got["workers_involved"], got["enterprise_id"]) == (300, str(city.enterprise.id))
    r = await report(client, app, city.member_a, **{**labour, "workers_involved": None})
    assert r.status_code == 422 and r.json()["code"] == "labour_fields_required"
    r = await report(client, app, city.member_a, workers_involved=3)
    assert r.status_code == 422 and r.json()["code"] == "labour_fields_not_allowed"
    r = await report(client, app, city.member_a, **{**labour, "enterprise_id": str(uuid.uuid4())})
    assert r.status_code == 422 and r.json()["code"] == "unknown_enterprise"
    r = await report(
        client, app, city.member_a, **{**labour, "labour_ended_at": "2026-11-19T07:00:00+07:00"}
    )
    assert r.status_code == 422 and r.json()["code"] == "validation_error"


async def test_bad_input_is_a_problem_never_a_500(app, client, city):
    cases = [
        ({"category": "alien_invasion"}, "unknown_category"),
        ({"category": "theft", "subtype": "job_offer"}, "unknown_category"),
        ({"category": "trafficking", "subtype": "nope"}, "unknown_category"),
        ({"severity": 5}, "validation_error"),
        ({"severity": 0}, "validation_error"),
        ({"lat": 10.7}, "validation_error"),
        ({"occurred_at": "2026-11-20T21:30:00"}, "validation_error"),  # no offset
        ({"summary": ""}, "validation_error"),
        ({"surprise": 1}, "validation_error"),
        ({"house_id": str(city.house_b.id)}, "unknown_house"),  # team B's house
        ({"site_id": str(uuid.uuid4())}, "unknown_site"),
        ({"team_id": str(city.team_b.id)}, "unknown_team"),
        ({"persons_involved": [{"role": "boss"}]}, "validation_error"),
    ]
    for overrides, code in cases:
        r = await report(client, app, city.member_a, **overrides)
        assert r.status_code == 422, (overrides, r.text)
        assert r.json()["code"] == code, (overrides, r.json())
        assert r.headers["content-type"].startswith("application/problem+json")
    r = await client.put(
        "/api/v1/incidents/not-a-uuid", json=body(), headers=auth(app, city.member_a)
    )
    assert r.status_code == 422
    r = await client.put(f"/api/v1/incidents/{uuid.uuid4()}", json=body())
    assert r.status_code == 401


async def test_who_may_report(app, client, session, city):
    r = await report(client, app, city.police_a1)
    assert r.status_code == 403
    r = await report(client, app, city.officer_gx)  # no team of their own: must name one
    assert r.status_code == 422 and r.json()["code"] == "team_required"
    r = await report(client, app, city.officer_gx, team_id=str(city.team_a.id))
    assert r.status_code == 201
    r = await report(client, app, city.officer_y, team_id=str(city.team_a.id))
    assert r.status_code == 422 and r.json()["code"] == "unknown_team"
    loner = await make_user(session, role="team_member")
    await session.commit()
    r = await report(client, app, loner)
    assert r.status_code == 422 and r.json()["code"] == "team_required"


async def test_batch_upload_incident_kind(app, client, session, city):
    iid, bad = uuid.uuid4(), uuid.uuid4()
    item = {"kind": "incident", "id": str(iid), **body(house_id=str(city.house_a.id))}
    payload = {
        "sent_at": "2026-11-22T10:00:00+07:00",
        "items": [item, {"kind": "incident", "id": str(bad), **body(category="nonsense")}],
    }
    h = auth(app, city.member_a)
    r = await client.post("/api/v1/sync/upload", json=payload, headers=h)
    assert r.status_code == 200, r.text
    results = r.json()["results"]
    assert [x["status"] for x in results] == ["created", "rejected"]
    assert results[1]["problem"]["code"] == "unknown_category"
    assert (await stored(session, iid)).status == "submitted"
    # The same incident by PUT is a re-send; by batch again too; changed, a conflict.
    put = await report(client, app, city.member_a, iid, house_id=str(city.house_a.id))
    assert put.status_code == 200
    payload["items"] = [item, {**item, "id": str(iid), "severity": 1}]
    r = await client.post("/api/v1/sync/upload", json=payload, headers=h)
    assert [x["status"] for x in r.json()["results"]] == ["duplicate", "conflict"]
    assert await session.scalar(select(func.count()).select_from(Incident)) == 1


async def test_rows_noted_before_a_rollback_are_never_written(session):
    """The journal forgets what it holds when the transaction rolls back."""
    from sqlalchemy import text

    from backend.incidents.journal import journal
    from backend.incidents.timeline import SYSTEM

    await session.execute(text("SELECT 1"))  # inside a transaction, as a request is
    j = journal(session)
    j.tell(event_type="test.noted", payload={}, recipient_user_ids=[])
    j.audit(actor=SYSTEM, action="test.noted", incident=type("I", (), {"id": "x"})())
    await session.rollback()
    assert not j.events and not j.audits
    await j.write(session)  # nothing left to write

"""Awareness sessions: idempotent PUT from phones, scope on read and write, desk corrections."""

import uuid

from sqlalchemy import select

from backend.models import AuditEvent
from backend.models.monitoring import AwarenessSessionTopic
from tests.factories import auth
from tests.monitoring.factories import make_world, session_body

URL = "/api/v1/awareness-sessions"


async def _world(session):
    world = await make_world(session)
    await session.commit()
    return world


async def test_topics_are_data(app, client, session):
    w = await _world(session)
    r = await client.get("/api/v1/awareness-topics", headers=auth(app, w.member1))
    assert r.status_code == 200
    codes = [t["code"] for t in r.json()["items"]]
    assert codes[:7] == [
        "marriage_brokerage",
        "adoption",
        "job_offer",
        "travel_lure",
        "debt_bondage",
        "document_confiscation",
        "missing_person",
    ]
    assert {"drugs", "fire_safety", "law", "online_fraud"} <= set(codes)
    assert {t["category"] for t in r.json()["items"] if t["code"] == "adoption"} == {"trafficking"}


async def test_put_creates_then_identical_resend_is_noop_and_other_body_conflicts(
    app, client, session
):
    w = await _world(session)
    sid = uuid.uuid4()
    headers = auth(app, w.member1)
    r = await client.put(f"{URL}/{sid}", json=session_body(w.team1), headers=headers)
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["team_id"] == str(w.team1.id)
    assert created["admin_unit_id"] == str(w.ward_a.id)  # defaults to the team's ward
    assert created["held_at"].startswith("2026-11-20T12:30:00")  # stored in UTC
    assert created["topics"] == ["job_offer", "marriage_brokerage"]
    assert r.headers["etag"] == '"1"'

    # Same content, other offset and topic order: still the same body.
    same = session_body(
        w.team1, held_at="2026-11-20T12:30:00Z", topics=["marriage_brokerage", "job_offer"]
    )
    r = await client.put(f"{URL}/{sid}", json=same, headers=headers)
    assert r.status_code == 200, r.text
    assert r.json() == created

    r = await client.put(
        f"{URL}/{sid}", json=session_body(w.team1, workers_count=46), headers=headers
    )
    assert r.status_code == 409
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == "awareness_session_conflict"

    topics = (
        await session.scalars(
            select(AwarenessSessionTopic.topic_code).where(AwarenessSessionTopic.session_id == sid)
        )
    ).all()
    assert sorted(topics) == ["job_offer", "marriage_brokerage"]
    actions = (
        await session.scalars(select(AuditEvent.action).where(AuditEvent.object_id == str(sid)))
    ).all()
    assert actions == ["awareness_session.create"]


async def test_union_unit_can_hold_a_session(app, client, session):
    w = await _world(session)
    body = session_body(union_unit_id=str(w.grassroots1.id))
    r = await client.put(f"{URL}/{uuid.uuid4()}", json=body, headers=auth(app, w.officer1))
    assert r.status_code == 201, r.text
    assert r.json()["union_unit_id"] == str(w.grassroots1.id)
    assert r.json()["admin_unit_id"] == str(w.ward_a.id)  # the union unit's ward
    # the other district's officer may not record for it
    r = await client.put(f"{URL}/{uuid.uuid4()}", json=body, headers=auth(app, w.officer2))
    assert r.status_code == 404


async def test_scope_on_read_and_write(app, client, session):
    w = await _world(session)
    sid = uuid.uuid4()
    r = await client.put(f"{URL}/{sid}", json=session_body(w.team1), headers=auth(app, w.leader1))
    assert r.status_code == 201
    etag = r.headers["etag"]

    for user in (w.leader1, w.member1, w.officer1, w.city_officer, w.admin, w.police_a):
        r = await client.get(f"{URL}/{sid}", headers=auth(app, user))
        assert r.status_code == 200, (user.role, r.text)
        r = await client.get(URL, headers=auth(app, user))
        assert [i["id"] for i in r.json()["items"]] == [str(sid)], user.role

    for user in (w.leader2, w.officer2, w.police_b):
        r = await client.get(f"{URL}/{sid}", headers=auth(app, user))
        assert r.status_code == 404, user.role
        assert r.json()["code"] == "not_found"
        r = await client.get(URL, headers=auth(app, user))
        assert r.json()["items"] == [], user.role

    # write: another team's leader, the other district's officer
    patch = {"workers_count": 1}
    for user in (w.leader2, w.officer2):
        h = {**auth(app, user), "If-Match": etag}
        assert (await client.patch(f"{URL}/{sid}", json=patch, headers=h)).status_code == 404
        r = await client.delete(f"{URL}/{sid}", params={"reason": "nhầm"}, headers=h)
        assert r.status_code == 404
        # re-sending the same id, even with the same body, does not reveal it
        r = await client.put(f"{URL}/{sid}", json=session_body(w.team1), headers=auth(app, user))
        assert r.status_code == 404
    # creating for a team outside one's scope
    r = await client.put(
        f"{URL}/{uuid.uuid4()}", json=session_body(w.team1), headers=auth(app, w.leader2)
    )
    assert r.status_code == 404
    # police read but never write
    r = await client.put(
        f"{URL}/{uuid.uuid4()}", json=session_body(w.team1), headers=auth(app, w.police_a)
    )
    assert r.status_code == 403


async def test_bad_input_is_a_problem_with_a_stable_code(app, client, session):
    w = await _world(session)
    h = auth(app, w.leader1)
    cases = [
        (session_body(w.team1, topics=["horoscopes"]), "unknown_topic"),
        (session_body(w.team1, topics=[]), "validation_error"),
        (session_body(w.team1, workers_count=-1), "validation_error"),
        (session_body(w.team1, held_at="2026-11-20T19:30:00"), "validation_error"),  # no offset
        (session_body(w.team1, union_unit_id=str(w.grassroots1.id)), "validation_error"),
        (session_body(), "validation_error"),  # no holder
        (session_body(w.team1, colour="red"), "validation_error"),
        (session_body(w.team1, admin_unit_id=str(uuid.uuid4())), "unknown_unit"),
        (session_body(w.team1, site_id=str(uuid.uuid4())), "unknown_site"),
    ]
    for body, code in cases:
        r = await client.put(f"{URL}/{uuid.uuid4()}", json=body, headers=h)
        assert r.status_code == 422, (code, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["code"] == code
    r = await client.put(f"{URL}/not-a-uuid", json=session_body(w.team1), headers=h)
    assert r.status_code == 422
    r = await client.get(URL, params={"cursor": "%%%"}, headers=h)
    assert r.status_code == 422 and r.json()["code"] == "invalid_cursor"


async def test_list_filters_and_pagination(app, client, session):
    w = await _world(session)
    h = auth(app, w.officer1)
    ids = []
    for day, topics, title in [
        (1, ["drugs"], "Phòng chống ma túy"),
        (2, ["fire_safety"], "Phòng cháy chữa cháy"),
        (3, ["drugs", "law"], "Pháp luật về ma túy"),
    ]:
        sid = uuid.uuid4()
        ids.append(str(sid))
        body = session_body(
            w.team1, held_at=f"2026-10-0{day}T20:00:00+07:00", topics=topics, title=title
        )
        assert (await client.put(f"{URL}/{sid}", json=body, headers=h)).status_code == 201

    r = await client.get(URL, params={"limit": 2}, headers=h)
    page1 = r.json()
    assert [i["id"] for i in page1["items"]] == [ids[2], ids[1]]
    r = await client.get(URL, params={"limit": 2, "cursor": page1["next_cursor"]}, headers=h)
    assert [i["id"] for i in r.json()["items"]] == [ids[0]]
    assert r.json()["next_cursor"] is None

    async def found(**params):
        r = await client.get(URL, params=params, headers=h)
        assert r.status_code == 200, r.text
        return {i["id"] for i in r.json()["items"]}

    assert await found(topic="drugs") == {ids[0], ids[2]}
    assert await found(q="ma tuy") == {ids[0], ids[2]}  # diacritics ignored
    assert await found(held_from="2026-10-02", held_to="2026-10-02") == {ids[1]}
    assert await found(union_unit_id=str(w.district1.id)) == set(ids)
    assert await found(union_unit_id=str(w.district2.id)) == set()
    assert await found(team_id=str(w.team2.id)) == set()


async def test_patch_and_delete_need_if_match(app, client, session):
    w = await _world(session)
    sid = uuid.uuid4()
    h = auth(app, w.leader1)
    await client.put(f"{URL}/{sid}", json=session_body(w.team1), headers=h)

    r = await client.patch(f"{URL}/{sid}", json={"workers_count": 60}, headers=h)
    assert r.status_code == 428
    r = await client.patch(
        f"{URL}/{sid}", json={"workers_count": 60}, headers={**h, "If-Match": '"7"'}
    )
    assert r.status_code == 412
    r = await client.patch(
        f"{URL}/{sid}",
        json={"workers_count": 60, "topics": ["drugs"]},
        headers={**h, "If-Match": '"1"'},
    )
    assert r.status_code == 200, r.text
    assert r.json()["workers_count"] == 60 and r.json()["topics"] == ["drugs"]
    assert r.headers["etag"] == '"2"'
    r = await client.patch(f"{URL}/{sid}", json={"place": None}, headers={**h, "If-Match": '"2"'})
    assert r.status_code == 422

    # the phone re-sends its original body after the desk's correction: still a no-op
    r = await client.put(f"{URL}/{sid}", json=session_body(w.team1), headers=h)
    assert r.status_code == 200 and r.json()["workers_count"] == 60

    # a member may not delete; the leader may
    r = await client.delete(
        f"{URL}/{sid}", params={"reason": "ghi trùng"}, headers={**auth(app, w.member1)}
    )
    assert r.status_code == 403
    r = await client.delete(
        f"{URL}/{sid}", params={"reason": "ghi trùng"}, headers={**h, "If-Match": '"2"'}
    )
    assert r.status_code == 204
    assert (await client.get(f"{URL}/{sid}", headers=h)).status_code == 404
    assert (await client.get(URL, headers=h)).json()["items"] == []

"""Comments, a question to the (protected) reporter that their phone receives, and the answer."""

from tests.factories import auth
from tests.incidents.world import outbox, report, timeline


async def test_question_reaches_the_protected_reporter(app, client, session, city):
    iid = (
        await report(client, app, city.member_a, category="trafficking", protect_reporter=True)
    ).json()["id"]
    r = await client.post(
        f"/api/v1/incidents/{iid}/questions",
        json={"text": "Người môi giới hẹn gặp ở đâu?"},
        headers=auth(app, city.police_a1),
    )
    assert r.status_code == 201, r.text
    question = r.json()
    assert question["kind"] == "question" and question["actor_id"] == str(city.police_a1.id)
    events = await outbox(session, "incident.question")
    assert len(events) == 1
    assert events[0].recipient_user_ids == [str(city.member_a.id)]
    assert events[0].payload == {
        "incident_id": iid,
        "question_id": question["id"],
        "text": "Người môi giới hẹn gặp ở đâu?",
    }
    # Only the reporter answers it; someone else's "answer" is refused.
    url = f"/api/v1/incidents/{iid}/comments"
    r = await client.post(
        url,
        json={"text": "Tôi biết", "reply_to_id": question["id"]},
        headers=auth(app, city.member_a2),
    )
    assert r.status_code == 422 and r.json()["code"] == "not_reporter"
    r = await client.post(
        url,
        json={"text": "Ở quán cà phê đầu hẻm", "reply_to_id": question["id"]},
        headers=auth(app, city.member_a),
    )
    assert r.status_code == 201, r.text
    answer = r.json()
    assert answer["kind"] == "answer" and answer["actor_is_reporter"] is True
    assert answer["actor_id"] is None  # still anonymous
    events = await outbox(session, "incident.answer")
    assert [e.recipient_user_ids for e in events] == [[str(city.police_a1.id)]]
    r = await client.post(
        url, json={"text": "?", "reply_to_id": 999999}, headers=auth(app, city.member_a)
    )
    assert r.status_code == 422 and r.json()["code"] == "unknown_question"


async def test_comments_and_who_may_ask(app, client, session, city):
    iid = (await report(client, app, city.member_a)).json()["id"]
    for user in (city.member_a2, city.officer_gx, city.police_a1):
        r = await client.post(
            f"/api/v1/incidents/{iid}/comments",
            json={"text": "Đã biết"},
            headers=auth(app, user),
        )
        assert r.status_code == 201, r.text
    r = await client.post(
        f"/api/v1/incidents/{iid}/questions",
        json={"text": "Mất lúc mấy giờ?"},
        headers=auth(app, city.member_a2),
    )
    assert r.status_code == 403
    r = await client.post(
        f"/api/v1/incidents/{iid}/comments", json={"text": ""}, headers=auth(app, city.member_a2)
    )
    assert r.status_code == 422
    kinds = [e.kind for e in await timeline(session, iid)]
    assert kinds.count("comment") == 3


async def test_reporter_hears_of_each_step(app, client, session, city):
    iid = (await report(client, app, city.member_a, category="drugs")).json()["id"]
    await client.post(
        f"/api/v1/incidents/{iid}/transitions",
        json={"action": "acknowledge"},
        headers=auth(app, city.police_a1),
    )
    events = await outbox(session, "incident.status_changed")
    assert [(e.payload["action"], e.payload["to"]) for e in events] == [
        ("escalate", "escalated"),
        ("acknowledge", "acknowledged"),
    ]
    assert all(e.recipient_user_ids == [str(city.member_a.id)] for e in events)

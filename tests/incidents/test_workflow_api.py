"""Transitions through the API: each action made by who may make it, refusals, timeline, audit."""

import uuid

from sqlalchemy import select

from backend.models import AuditEvent
from tests.factories import auth
from tests.incidents.world import act, open_escalation, report, stored, timeline


async def _status(client, app, user, iid):
    r = await client.get(f"/api/v1/incidents/{iid}", headers=auth(app, user))
    assert r.status_code == 200, r.text
    return r.json()["status"]


async def test_union_path_every_step(app, client, session, city):
    r = await report(client, app, city.member_a)
    assert r.status_code == 201, r.text
    iid = r.json()["id"]
    assert r.json()["status"] == "submitted"
    gx = city.officer_gx
    steps = [
        (gx, "triage", {}, "triaged"),
        (gx, "start", {}, "in_progress"),
        (gx, "resolve", {"outcome": "handled", "outcome_note": "Đã trả lại xe"}, "resolved"),
        (gx, "close", {}, "closed"),
        (gx, "reopen", {"comment": "Lại mất xe"}, "reopened"),
        (gx, "triage", {}, "triaged"),
        (gx, "escalate", {"comment": "Chuyển công an"}, "escalated"),
        (city.police_a1, "acknowledge", {}, "acknowledged"),
        (city.police_a1, "start", {}, "in_progress"),
        (city.police_a1, "hand_on", {"target_user_id": str(city.police_d.id)}, "escalated"),
        (city.police_d, "acknowledge", {}, "acknowledged"),
        (city.police_d, "close", {"outcome": "referred"}, "closed"),
    ]
    for user, action, fields, expected in steps:
        r = await act(client, app, user, iid, action, **fields)
        assert r.status_code == 200, (action, r.text)
        assert r.json()["status"] == expected, action
        assert "persons_involved" not in r.json()  # the transition answer holds nothing sealed
    lines = [e for e in await timeline(session, iid) if e.kind == "transition"]
    assert [(e.action, e.from_status, e.to_status) for e in lines] == [
        ("create", None, "draft"),
        ("submit", "draft", "submitted"),
        *[
            (a, f, t)
            for (a, f, t) in zip(
                [s[1] for s in steps],
                ["submitted", *[s[3] for s in steps[:-1]]],
                [s[3] for s in steps],
                strict=True,
            )
        ],
    ]
    assert lines[-1].actor_id == city.police_d.id
    actions = (
        await session.scalars(
            select(AuditEvent.action).where(AuditEvent.object_id == iid).order_by(AuditEvent.id)
        )
    ).all()
    for _, action, _, _ in steps:
        assert f"incident.{action}" in actions
    assert (await stored(session, iid)).outcome == "referred"


async def test_draft_then_submit_by_leader(app, client, session, city):
    r = await report(client, app, city.member_a, submit=False)
    assert r.status_code == 201 and r.json()["status"] == "draft"
    iid = r.json()["id"]
    # A draft is the team's business: the union does not see it yet.
    r = await client.get(f"/api/v1/incidents/{iid}", headers=auth(app, city.officer_gx))
    assert r.status_code == 404
    r = await act(client, app, city.member_a2, iid, "submit")
    assert r.status_code == 403
    r = await act(client, app, city.leader_a, iid, "submit")
    assert r.status_code == 200 and r.json()["status"] == "submitted"


async def test_reporter_submits_own_draft(app, client, city):
    iid = (await report(client, app, city.member_a, submit=False)).json()["id"]
    r = await act(client, app, city.member_a, iid, "submit")
    assert r.status_code == 200, r.text


async def test_illegal_transition_lists_allowed_ones(app, client, city):
    iid = (await report(client, app, city.member_a)).json()["id"]
    r = await act(client, app, city.officer_gx, iid, "acknowledge")
    assert r.status_code == 409
    problem = r.json()
    assert r.headers["content-type"].startswith("application/problem+json")
    assert problem["code"] == "invalid_transition"
    assert problem["current_status"] == "submitted"
    assert {o["action"] for o in problem["allowed_transitions"]} == {
        "triage",
        "escalate",
        "reject",
        "mark_duplicate",
    }


async def test_refused_by_role(app, client, city):
    iid = (await report(client, app, city.member_a)).json()["id"]
    for user, action in (
        (city.member_a, "triage"),
        (city.leader_a, "reject"),
        (city.police_a1, "triage"),
    ):
        r = await act(client, app, user, iid, action, comment="x")
        assert r.status_code == 403, (action, r.text)
        assert r.json()["code"] == "forbidden"
    # The union is not the handler of a police case: it may not close or reject it.
    iid = (await report(client, app, city.member_a, category="drugs")).json()["id"]
    r = await act(client, app, city.officer_gx, iid, "reject", comment="Không đúng")
    assert r.status_code == 403


async def test_required_fields(app, client, session, city):
    iid = (await report(client, app, city.member_a)).json()["id"]
    gx = city.officer_gx
    cases = [
        ("reject", {}, "comment_required"),
        ("mark_duplicate", {}, "duplicate_of_required"),
        ("mark_duplicate", {"duplicate_of_id": iid}, "invalid_duplicate"),
        ("mark_duplicate", {"duplicate_of_id": str(uuid.uuid4())}, "invalid_duplicate"),
    ]
    for action, fields, code in cases:
        r = await act(client, app, gx, iid, action, **fields)
        assert r.status_code == 422 and r.json()["code"] == code, (action, r.text)
    await act(client, app, gx, iid, "triage")
    r = await act(client, app, gx, iid, "close")
    assert r.status_code == 422 and r.json()["code"] == "outcome_required"
    r = await act(client, app, gx, iid, "resolve", outcome="bogus")
    assert r.status_code == 422 and r.json()["code"] == "validation_error"
    r = await act(client, app, gx, iid, "fly")
    assert r.status_code == 422 and r.json()["code"] == "validation_error"
    drugs = (await report(client, app, city.member_a, category="drugs")).json()["id"]
    r = await act(client, app, city.police_a1, drugs, "hand_on")
    assert r.status_code == 422 and r.json()["code"] == "handoff_target_required"
    # A liaison of another district cannot take it over: they could not even see it.
    r = await act(
        client, app, city.police_a1, drugs, "hand_on", target_user_id=str(city.police_b.id)
    )
    assert r.status_code == 422 and r.json()["code"] == "handoff_target_out_of_scope"
    r = await act(
        client, app, city.police_a1, drugs, "hand_on", target_admin_unit_id=str(city.ward_b.id)
    )
    assert r.status_code == 422 and r.json()["code"] == "handoff_target_out_of_scope"
    assert (await stored(session, drugs)).status == "escalated"


async def test_reject_and_duplicate(app, client, session, city):
    first = (await report(client, app, city.member_a)).json()["id"]
    second = (await report(client, app, city.member_a2, summary="Cũng mất xe")).json()["id"]
    third = (await report(client, app, city.member_a2, summary="Lại mất xe")).json()["id"]
    gx = city.officer_gx
    r = await act(client, app, gx, second, "mark_duplicate", duplicate_of_id=first)
    assert r.status_code == 200 and r.json()["duplicate_of_id"] == first
    # Marking a duplicate of a duplicate links to the original.
    r = await act(client, app, gx, third, "mark_duplicate", duplicate_of_id=second)
    assert r.status_code == 200 and r.json()["duplicate_of_id"] == first
    assert await open_escalation(session, third) is None  # nobody waits on a duplicate
    r = await act(client, app, gx, first, "reject", comment="Tin báo sai")
    assert r.status_code == 200 and r.json()["status"] == "rejected"
    r = await act(client, app, gx, first, "reopen", comment="Có thêm chứng cứ")
    assert r.json()["status"] == "reopened"
    r = await act(client, app, gx, first, "reopen", comment="Lần nữa")
    assert r.status_code == 409


async def test_stale_if_match_is_412(app, client, city):
    r = await report(client, app, city.member_a)
    iid, etag = r.json()["id"], r.headers["etag"]
    h = {**auth(app, city.officer_gx), "If-Match": etag}
    ok = await client.post(
        f"/api/v1/incidents/{iid}/transitions", json={"action": "triage"}, headers=h
    )
    assert ok.status_code == 200 and ok.headers["etag"] != etag
    stale = await client.post(
        f"/api/v1/incidents/{iid}/transitions", json={"action": "start"}, headers=h
    )
    assert stale.status_code == 412


async def test_idempotency_key_replays_a_transition(app, client, session, city):
    iid = (await report(client, app, city.member_a)).json()["id"]
    h = {**auth(app, city.officer_gx), "Idempotency-Key": "triage-1"}
    url = f"/api/v1/incidents/{iid}/transitions"
    first = await client.post(url, json={"action": "triage"}, headers=h)
    again = await client.post(url, json={"action": "triage"}, headers=h)
    assert first.status_code == again.status_code == 200
    assert again.headers.get("idempotent-replayed") == "true"
    assert again.json() == first.json()
    other = await client.post(url, json={"action": "start"}, headers=h)
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"
    triages = [e for e in await timeline(session, iid) if e.action == "triage"]
    assert len(triages) == 1

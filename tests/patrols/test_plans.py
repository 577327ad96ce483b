"""Patrol plans: CRUD in scope, Idempotency-Key on create, results and coverage."""

import uuid

from tests.factories import auth
from tests.factories_patrols import make_house, make_world


def _plan(w, **extra):
    return {
        "team_id": str(w.team.id),
        "name": "Tuần tra tối",
        "days_of_week": [1, 3, 5, 5],
        "start_time": "21:00",
        "end_time": "23:30",
        "house_ids": [str(w.houses[0].id), str(w.houses[1].id)],
        "min_scans": 2,
        **extra,
    }


async def test_leader_creates_plan_with_idempotency_key(app, client, session):
    w = await make_world(session)
    await session.commit()
    h = {**auth(app, w.leader), "Idempotency-Key": "plan-1"}
    r = await client.post("/api/v1/patrol-plans", json=_plan(w), headers=h)
    assert r.status_code == 201, r.text
    plan = r.json()
    assert plan["days_of_week"] == [1, 3, 5] and plan["timezone"] == "Asia/Ho_Chi_Minh"
    assert r.headers["etag"] == '"1"'
    again = await client.post("/api/v1/patrol-plans", json=_plan(w), headers=h)
    assert again.status_code == 201 and again.json() == plan
    assert again.headers["idempotent-replayed"] == "true" and again.headers["etag"] == '"1"'
    other = await client.post("/api/v1/patrol-plans", json=_plan(w, name="Khác"), headers=h)
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"
    r = await client.get("/api/v1/patrol-plans", headers=auth(app, w.officer))
    assert [p["id"] for p in r.json()["items"]] == [plan["id"]]


async def test_plan_validation(app, client, session):
    w = await make_world(session)
    stray = await make_house(session, ward=w.ward, lat=10.99, lon=106.7)
    await session.commit()
    h = auth(app, w.leader)
    r = await client.post(
        "/api/v1/patrol-plans", json=_plan(w, house_ids=[str(stray.id)]), headers=h
    )
    assert r.status_code == 422 and r.json()["code"] == "house_not_covered"
    for bad in (
        {"days_of_week": [0]},
        {"days_of_week": []},
        {"end_time": "21:00"},
        {"start_time": "25:00"},
    ):
        r = await client.post("/api/v1/patrol-plans", json=_plan(w, **bad), headers=h)
        assert r.status_code == 422, bad
    r = await client.post("/api/v1/patrol-plans", json=_plan(w), headers=auth(app, w.member))
    assert r.status_code == 403
    r = await client.post("/api/v1/patrol-plans", json=_plan(w), headers=auth(app, w.police))
    assert r.status_code == 403


async def test_update_and_delete_need_if_match(app, client, session):
    w = await make_world(session)
    await session.commit()
    h = auth(app, w.officer)
    plan = (await client.post("/api/v1/patrol-plans", json=_plan(w), headers=h)).json()
    url = f"/api/v1/patrol-plans/{plan['id']}"
    r = await client.patch(url, json={"name": "Đêm"}, headers=h)
    assert r.status_code == 428
    r = await client.patch(url, json={"name": "Đêm"}, headers={**h, "If-Match": '"9"'})
    assert r.status_code == 412
    r = await client.patch(
        url,
        json={"name": "Đêm", "house_ids": [str(w.houses[2].id)], "days_of_week": [7]},
        headers={**h, "If-Match": '"1"'},
    )
    assert r.status_code == 200, r.text
    assert r.json()["house_ids"] == [str(w.houses[2].id)] and r.json()["days_of_week"] == [7]
    assert r.headers["etag"] == '"2"'
    r = await client.delete(url, params={"reason": "Đổi lịch"}, headers={**h, "If-Match": '"2"'})
    assert r.status_code == 204
    assert (await client.get(url, headers=h)).status_code == 404


async def test_results_and_coverage_reads(app, client, session):
    w = await make_world(session)
    await session.commit()
    h = auth(app, w.leader)
    plan = (await client.post("/api/v1/patrol-plans", json=_plan(w), headers=h)).json()
    r = await client.get(f"/api/v1/patrol-plans/{plan['id']}/results", headers=h)
    assert r.status_code == 200 and r.json()["items"] == []
    r = await client.get(f"/api/v1/patrol-plans/{plan['id']}/coverage", headers=h)
    assert r.status_code == 200
    assert r.json()["windows"] == {"done": 0, "partial": 0, "missed": 0}
    assert {c["house_id"] for c in r.json()["houses"]} == set(plan["house_ids"])
    r = await client.get(f"/api/v1/patrol-plans/{uuid.uuid4()}/coverage", headers=h)
    assert r.status_code == 404

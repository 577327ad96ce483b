"""The `since` feed: two phones of a team see each other's patrols and scans."""

import uuid

from tests.factories import auth
from tests.factories_patrols import make_world, patrol_item, scan_item, upload


async def _pull(client, app, user, since=None, limit=500):
    params = {"limit": limit}
    if since:
        params["since"] = since
    r = await client.get("/api/v1/patrols/changes", params=params, headers=auth(app, user))
    assert r.status_code == 200, r.text
    return r.json()


async def test_two_phones_see_each_others_work(app, client, session):
    a = await make_world(session, name="A")
    b = await make_world(session, name="B")
    await session.commit()
    pid = uuid.uuid4()
    await upload(client, app, a.member, [patrol_item(a, pid), scan_item(a, pid, metres=700)])
    await upload(client, app, b.member, [patrol_item(b)])
    feed = await _pull(client, app, a.leader)
    assert [p["id"] for p in feed["patrols"]] == [str(pid)]
    assert len(feed["scans"]) == 1 and not feed["has_more"]
    cursor = feed["next_cursor"]
    assert (await _pull(client, app, a.leader, cursor))["patrols"] == []
    # a review changes the scan: it comes again, with its new state
    scan_id = feed["scans"][0]["id"]
    await client.put(
        f"/api/v1/scans/{scan_id}/review",
        json={"decision": "accepted", "comment": "Đúng nhà"},
        headers=auth(app, a.officer),
    )
    feed = await _pull(client, app, a.leader, cursor)
    assert [s["review_status"] for s in feed["scans"]] == ["accepted"] and feed["patrols"] == []


async def test_paging_with_has_more(app, client, session):
    w = await make_world(session)
    await session.commit()
    pids = [uuid.uuid4() for _ in range(5)]
    await upload(client, app, w.member, [patrol_item(w, p) for p in pids])
    seen, cursor = [], None
    for _ in range(5):
        feed = await _pull(client, app, w.leader, cursor, limit=2)
        seen += [p["id"] for p in feed["patrols"]]
        cursor = feed["next_cursor"]
        if not feed["has_more"]:
            break
    assert sorted(seen) == sorted(str(p) for p in pids)


async def test_bad_cursor(app, client, session):
    w = await make_world(session)
    await session.commit()
    r = await client.get(
        "/api/v1/patrols/changes", params={"since": "bm9wZQ"}, headers=auth(app, w.leader)
    )
    assert r.status_code == 422 and r.json()["code"] == "invalid_cursor"

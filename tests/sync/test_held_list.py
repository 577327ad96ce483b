"""GET /api/v1/sync/held: a phone sees which of its items still wait for their patrol."""

import uuid

from tests.factories import auth
from tests.factories_patrols import make_world, patrol_item, scan_item, upload

URL = "/api/v1/sync/held"


async def test_own_held_items_are_listed_until_their_patrol_arrives(app, client, session):
    w = await make_world(session)
    await session.commit()
    p1, p2 = uuid.uuid4(), uuid.uuid4()
    s1, s2 = uuid.uuid4(), uuid.uuid4()
    await upload(client, app, w.member, [scan_item(w, p1, sid=s1)])
    await upload(client, app, w.member, [scan_item(w, p2, sid=s2, house=1)])

    first = await client.get(URL, params={"limit": 1}, headers=auth(app, w.member))
    assert first.status_code == 200, first.text
    [item] = first.json()["items"]
    assert (item["kind"], item["id"], item["waiting_for"], item["status"]) == (
        "scan",
        str(s1),
        str(p1),
        "waiting",
    )
    cursor = first.json()["next_cursor"]
    assert cursor
    second = await client.get(
        URL, params={"limit": 1, "cursor": cursor}, headers=auth(app, w.member)
    )
    assert [i["id"] for i in second.json()["items"]] == [str(s2)]
    assert second.json()["next_cursor"] is None

    refused = await client.get(URL, params={"status": "refused"}, headers=auth(app, w.member))
    assert refused.json()["items"] == []

    # the patrol arrives: its scan is filed and leaves the list
    await upload(client, app, w.leader, [patrol_item(w, p1)])
    left = await client.get(URL, headers=auth(app, w.member))
    assert [i["id"] for i in left.json()["items"]] == [str(s2)]


async def test_others_never_see_my_held_items(app, client, session):
    w = await make_world(session)
    await session.commit()
    await upload(client, app, w.member, [scan_item(w, uuid.uuid4())])
    # the team's own leader: the items are the uploader's, not the team's
    r = await client.get(URL, headers=auth(app, w.leader))
    assert r.status_code == 200 and r.json()["items"] == []
    # a role that does not upload is refused outright
    r = await client.get(URL, headers=auth(app, w.police))
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    r = await client.get(URL)
    assert r.status_code == 401


async def test_bad_query_is_a_problem(app, client, session):
    w = await make_world(session)
    await session.commit()
    h = auth(app, w.member)
    r = await client.get(URL, params={"cursor": "bm9wZQ"}, headers=h)
    assert r.status_code == 422 and r.json()["code"] == "invalid_cursor"
    r = await client.get(URL, params={"status": "lost"}, headers=h)
    assert r.status_code == 422 and r.json()["code"] == "validation_error"

"""The per-user feed and live stream: each user sees only their own, resume by id."""

import asyncio
import contextlib
import json
import time

from backend.notifications.hub import StreamHub
from backend.notifications.outbox import enqueue
from backend.notifications.stream import event_stream
from tests.factories import auth, make_user


async def _deliver(session, make_dispatcher, *users, event_type="incident.escalated"):
    event = await enqueue(
        session,
        event_type=event_type,
        payload={"n": event_type},
        recipient_user_ids=users,
        channels=["stream"],
    )
    await session.commit()
    await make_dispatcher().deliver_once()
    return event


async def _read(app, settings, user, *, last_event_id, want: int, seconds: float = 3.0):
    """Collect up to ``want`` events from a user's stream (stopping after ``seconds``)."""
    hub = StreamHub(settings)
    got = []
    gen = event_stream(
        app.state.session_factory,
        hub,
        settings,
        user_id=user.id,
        last_event_id=last_event_id,
        until=time.time() + seconds,
    )
    async with contextlib.aclosing(gen):
        async for chunk in gen:
            if chunk.startswith("id: "):
                sse_id, data = chunk.split("\n")[:2]
                got.append((int(sse_id[4:]), json.loads(data[6:])))
                if len(got) >= want:
                    break
    await hub.close()
    return got


async def test_stream_carries_only_the_users_events_and_resumes(
    app, session, settings, make_dispatcher
):
    alice = await make_user(session, role="police_liaison")
    bob = await make_user(session, role="police_liaison")
    first = await _deliver(session, make_dispatcher, alice.id, event_type="a.one")
    await _deliver(session, make_dispatcher, bob.id, event_type="b.only")
    second = await _deliver(session, make_dispatcher, alice.id, bob.id, event_type="both")

    got = await _read(app, settings, alice, last_event_id=0, want=2)
    assert [(d["id"], d["type"]) for _, d in got] == [
        (str(first.id), "a.one"),
        (str(second.id), "both"),
    ]
    assert got[0][1]["data"] == {"n": "a.one"}
    # Resume after the first: only what came later.
    resumed = await _read(app, settings, alice, last_event_id=got[0][0], want=1)
    assert [d["id"] for _, d in resumed] == [str(second.id)]
    bobs = await _read(app, settings, bob, last_event_id=0, want=5, seconds=1.0)
    assert [d["type"] for _, d in bobs] == ["b.only", "both"]


async def test_live_event_arrives_on_an_open_stream(app, session, settings, make_dispatcher):
    alice = await make_user(session, role="police_liaison")
    await session.commit()
    reader = asyncio.create_task(
        _read(app, settings, alice, last_event_id=None, want=1, seconds=20)
    )
    await asyncio.sleep(0.3)  # let the stream take its starting point
    event = await _deliver(session, make_dispatcher, alice.id)
    got = await reader
    assert [d["id"] for _, d in got] == [str(event.id)]


async def test_feed_list_is_the_callers_own(app, client, session, make_dispatcher):
    alice = await make_user(session, role="team_member")
    bob = await make_user(session, role="team_member")
    mine = await _deliver(session, make_dispatcher, alice.id, event_type="mine")
    await _deliver(session, make_dispatcher, bob.id, event_type="theirs")
    latest = await _deliver(session, make_dispatcher, alice.id, event_type="mine.later")

    r = await client.get("/api/v1/notifications?limit=1", headers=auth(app, alice))
    assert r.status_code == 200, r.text
    page = r.json()
    assert [i["id"] for i in page["items"]] == [str(latest.id)]
    r = await client.get(
        f"/api/v1/notifications?cursor={page['next_cursor']}", headers=auth(app, alice)
    )
    assert [i["id"] for i in r.json()["items"]] == [str(mine.id)]
    r = await client.get("/api/v1/notifications", headers=auth(app, bob))
    assert [i["type"] for i in r.json()["items"]] == ["theirs"]


async def test_send_test_notification_to_self(app, client, session, make_dispatcher):
    user = await make_user(session, role="team_member")
    await session.commit()
    r = await client.post("/api/v1/notifications/test", headers=auth(app, user))
    assert r.status_code == 202, r.text
    event_id = r.json()["event_id"]
    await make_dispatcher().deliver_once()
    r = await client.get("/api/v1/notifications", headers=auth(app, user))
    [item] = r.json()["items"]
    assert (item["id"], item["type"]) == (event_id, "notification.test")


async def test_stream_refuses_bad_input(app, client, session):
    user = await make_user(session, role="team_member")
    await session.commit()
    h = auth(app, user)
    for bad in ("abc", "-1", "1" * 25):
        r = await client.get("/api/v1/notifications/stream", headers={**h, "Last-Event-ID": bad})
        assert r.status_code == 422 and r.json()["code"] == "invalid_last_event_id", r.text
    r = await client.get("/api/v1/notifications/stream?last_event_id=x1", headers=h)
    assert r.status_code == 422 and r.json()["code"] == "invalid_last_event_id"
    r = await client.get("/api/v1/notifications/stream")
    assert r.status_code == 401 and r.json()["code"] == "unauthorized"
    r = await client.get("/api/v1/notifications?cursor=zz", headers=h)
    assert r.status_code == 422 and r.json()["code"] == "invalid_cursor"

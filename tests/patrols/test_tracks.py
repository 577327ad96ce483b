"""GPS tracks: stored packed, read by the team only, deleted after the retention period."""

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from backend.models.patrol import TrackSegment
from backend.patrols.tasks import purge_old_tracks
from tests.factories import auth
from tests.factories_patrols import T0, iso, make_world, patrol_item, upload


def _track(pid, start=T0, n=5, sid=None):
    points = [
        {
            "t": iso(start + timedelta(seconds=10 * i)),
            "lat": 10.9 + i * 1e-5,
            "lon": 106.76 - i * 1e-5,
            "accuracy_m": 6.5 if i else None,
        }
        for i in range(n)
    ]
    return {
        "kind": "track",
        "id": str(sid or uuid.uuid4()),
        "patrol_id": str(pid),
        "points": points,
    }


async def test_track_roundtrip_for_the_team_only(app, client, session):
    w = await make_world(session, gps_tracking=True)
    await session.commit()
    pid = uuid.uuid4()
    track = _track(pid)
    r = await upload(client, app, w.member, [track, patrol_item(w, pid)])  # track first: held
    assert [x["status"] for x in r.json()["results"]] == ["created", "created"]
    later = _track(pid, start=T0 + timedelta(minutes=5), n=3)
    r = await upload(client, app, w.member, [later, track])
    assert [x["status"] for x in r.json()["results"]] == ["created", "duplicate"]
    r = await client.get(f"/api/v1/patrols/{pid}/track", headers=auth(app, w.leader))
    assert r.status_code == 200, r.text
    points = r.json()["points"]
    assert len(points) == 8
    assert points[0]["accuracy_m"] is None and points[1]["accuracy_m"] == 6.5
    assert abs(points[1]["lat"] - 10.90001) < 1e-7 and points[1]["t"].startswith(
        "2026-11-20T14:00:10"
    )
    # union officers and police see the patrol, not the track
    for user in (w.officer, w.police):
        r = await client.get(f"/api/v1/patrols/{pid}/track", headers=auth(app, user))
        assert r.status_code == 403


async def test_no_track_without_consent(app, client, session):
    w = await make_world(session, gps_tracking=False)
    await session.commit()
    pid = uuid.uuid4()
    r = await upload(client, app, w.member, [patrol_item(w, pid), _track(pid)])
    res = r.json()["results"][1]
    assert res["status"] == "rejected" and res["problem"]["code"] == "gps_tracking_disabled"
    assert await session.scalar(select(func.count()).select_from(TrackSegment)) == 0


async def test_purge_after_retention(app, client, session, settings):
    w = await make_world(session, gps_tracking=True)
    await session.commit()
    pid = uuid.uuid4()
    now = datetime.now(UTC)
    old = _track(pid, start=now - timedelta(days=95))
    recent = _track(pid, start=now - timedelta(days=3))
    await upload(
        client, app, w.member, [patrol_item(w, pid, start=now - timedelta(days=95)), old, recent]
    )
    assert await purge_old_tracks(session, now=now, settings=settings) == 1
    await session.commit()
    left = (await session.scalars(select(TrackSegment.id))).all()
    assert [str(i) for i in left] == [recent["id"]]
    # a frozen clock 90 days on: the recent one goes too
    assert await purge_old_tracks(session, now=now + timedelta(days=90), settings=settings) == 1

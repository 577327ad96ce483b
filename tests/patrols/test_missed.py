"""The missed-patrol job, on a frozen clock: done, partial, missed; once; who is told."""

import uuid
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from backend.models import Team
from backend.models.notification import OutboxEvent
from backend.models.patrol import PatrolPlan, PlanWindowResult
from backend.patrols.missed import judge, windows_of
from backend.patrols.tasks import check_missed_windows
from tests.factories import auth, make_user
from tests.factories_patrols import iso, make_world, patrol_item, scan_item, upload

HCM = ZoneInfo("Asia/Ho_Chi_Minh")


def _local(day: int, hh: int, mm: int = 0) -> datetime:
    return datetime(2026, 11, day, hh, mm, tzinfo=HCM).astimezone(UTC)


def test_windows_cross_midnight_and_weekdays():
    plan = PatrolPlan(
        team_id=uuid.uuid4(),
        name="x",
        days_of_week=1 << 4,  # Friday
        start_time=time(22, 0),
        end_time=time(1, 0),
    )
    [w] = windows_of(plan, HCM, date(2026, 11, 16), date(2026, 11, 22))
    assert w.local_date == date(2026, 11, 20)  # the Friday
    assert w.start == _local(20, 22) and w.end == _local(21, 1)


def test_judge():
    assert judge(0, 0, 2, 1) == "missed"
    assert judge(1, 1, 2, 1) == "partial"
    assert judge(3, 2, 2, 4) == "partial"
    assert judge(4, 2, 2, 4) == "done"
    assert judge(1, 1, 0, 1) == "done"  # a plan without houses: any scans


async def test_job_judges_each_window_once_and_reports_missed(app, client, session, settings):
    w = await make_world(session, houses=3)
    outsider = await make_user(session, role="union_officer")  # no scope over this team
    await session.commit()
    body = {
        "team_id": str(w.team.id),
        "name": "Tối hằng ngày",
        "days_of_week": [1, 2, 3, 4, 5, 6, 7],
        "start_time": "21:00",
        "end_time": "23:00",
        "house_ids": [str(w.houses[0].id), str(w.houses[1].id)],
        "min_scans": 2,
    }
    r = await client.post("/api/v1/patrol-plans", json=body, headers=auth(app, w.leader))
    plan_id = uuid.UUID(r.json()["id"])
    # the plan has existed for weeks
    await session.execute(
        update(PatrolPlan)
        .where(PatrolPlan.id == plan_id)
        .values(created_at=datetime(2026, 11, 1, tzinfo=UTC))
    )
    await session.commit()
    # 19 Nov: only house 0 (partial); 20 Nov: both houses, one far but pending review (done);
    # 18 Nov: nothing (missed); house 2 is not in the plan and does not count.
    p19, p20 = uuid.uuid4(), uuid.uuid4()
    items = [
        patrol_item(w, p19, start=_local(19, 21)),
        scan_item(w, p19, house=0, at=_local(19, 21, 10)),
        scan_item(w, p19, house=2, at=_local(19, 21, 20)),
        patrol_item(w, p20, start=_local(20, 21)),
        scan_item(w, p20, house=0, at=_local(20, 21, 10)),
        scan_item(w, p20, house=1, at=_local(20, 22, 10), metres=900),
        scan_item(w, p20, house=0, at=_local(20, 23, 30)),  # after the window
    ]
    r = await upload(client, app, w.member, items)
    assert r.json()["summary"]["created"] == 7
    now = _local(21, 9)  # frozen: the morning after
    counts = await check_missed_windows(session, now=now, settings=settings)
    await session.commit()
    assert counts == {"done": 1, "partial": 1, "missed": 1, "filed_from_held": 0}
    results = (
        await session.scalars(select(PlanWindowResult).order_by(PlanWindowResult.window_start))
    ).all()
    assert [(r.local_date.day, r.status, r.scans, r.houses_scanned) for r in results] == [
        (18, "missed", 0, 0),
        (19, "partial", 1, 1),
        (20, "done", 2, 2),
    ]
    assert [r.notified for r in results] == [True, False, False]
    [event] = (await session.scalars(select(OutboxEvent))).all()
    assert event.event_type == "patrol.missed"
    assert event.payload["local_date"] == "2026-11-18" and event.payload["plan_id"] == str(plan_id)
    assert set(event.recipient_user_ids) == {str(w.leader.id), str(w.officer.id)}
    assert str(outsider.id) not in event.recipient_user_ids
    team = await session.get(Team, w.team.id)
    assert set(event.unit_ids) == {str(team.union_unit_id), str(team.admin_unit_id)}
    # run again (another worker, or the same a minute later): nothing new
    again = await check_missed_windows(session, now=now + timedelta(minutes=1), settings=settings)
    await session.commit()
    assert again == {"done": 0, "partial": 0, "missed": 0, "filed_from_held": 0}
    assert len((await session.scalars(select(OutboxEvent))).all()) == 1
    # the 21 Nov window is not judged before its grace has passed, then it is
    early = await check_missed_windows(session, now=_local(21, 23, 30), settings=settings)
    assert early["missed"] == 0
    late = await check_missed_windows(session, now=_local(22, 0, 1), settings=settings)
    await session.commit()
    assert late["missed"] == 1
    # the results are listed for the team
    r = await client.get(
        f"/api/v1/patrol-plans/{plan_id}/results",
        params={"outcome": "missed"},
        headers=auth(app, w.member),
    )
    assert [x["local_date"] for x in r.json()["items"]] == ["2026-11-21", "2026-11-18"]


async def test_rejected_scans_do_not_count(app, client, session, settings):
    w = await make_world(session, houses=1)
    await session.commit()
    body = {
        "team_id": str(w.team.id),
        "name": "x",
        "days_of_week": [5],  # Friday 20 Nov
        "start_time": "21:00",
        "end_time": "23:00",
        "house_ids": [str(w.houses[0].id)],
    }
    await client.post("/api/v1/patrol-plans", json=body, headers=auth(app, w.leader))
    await session.execute(update(PatrolPlan).values(created_at=datetime(2026, 11, 1, tzinfo=UTC)))
    await session.commit()
    pid, sid = uuid.uuid4(), uuid.uuid4()
    await upload(
        client,
        app,
        w.member,
        [
            patrol_item(w, pid, start=_local(20, 21)),
            scan_item(w, pid, sid=sid, at=_local(20, 21, 5), metres=900),
        ],
    )
    await client.put(
        f"/api/v1/scans/{sid}/review",
        json={"decision": "rejected", "comment": "Không có mặt"},
        headers=auth(app, w.officer),
    )
    counts = await check_missed_windows(session, now=_local(21, 9), settings=settings)
    assert counts["missed"] == 1, iso(_local(21, 9))

"""Commendation candidates against a hand-built dataset (figures worked out by hand below)."""

import uuid
from datetime import UTC, date, datetime

from sqlalchemy import select

from backend.models.incident import Incident, IncidentCategory
from backend.models.monitoring import Commendation
from backend.models.patrol import Patrol
from tests.factories import auth
from tests.monitoring.factories import make_team, make_world, session_body

URL = "/api/v1/commendation-candidates"
PERIOD = {"period_from": "2026-10-01", "period_to": "2026-10-28"}  # exactly 4 weeks


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def patrol(team, started: str, status: str, creator: uuid.UUID) -> Patrol:
    return Patrol(
        id=uuid.uuid4(),
        team_id=team.id,
        status=status,
        started_at=at(started),
        received_at=at(started),
        created_by=creator,
        body_hash=b"0" * 16,
    )


def incident(w, team, submitted: str | None, **kw) -> Incident:
    return Incident(
        id=uuid.uuid4(),
        team_id=team.id,
        category="theft",
        severity=3,
        status=kw.pop("status", "submitted"),
        occurred_at=at(submitted or "2026-10-05T10:00:00+07:00"),
        submitted_at=at(submitted) if submitted else None,
        summary="Mất xe máy",
        search_text="mat xe may",
        admin_unit_id=team.admin_unit_id,
        union_unit_id=team.union_unit_id,
        request_hash="0" * 64,
        **kw,
    )


async def test_candidates_rank_teams_by_their_activity(app, client, session):
    w = await make_world(session)
    quiet = await make_team(session, union=w.grassroots1, ward=w.ward_a)  # no activity at all
    if await session.get(IncidentCategory, "theft") is None:  # PG tests truncate seeded rows
        session.add(IncidentCategory(code="theft", name_vi="Trộm cắp", name_en="Theft"))
    creator = w.leader1.id
    patrols = [
        # team1: weeks 1, 2 and 4 (week 1 twice, once just after local midnight of day one)
        (w.team1, "2026-10-01T00:30:00+07:00", "completed"),
        (w.team1, "2026-10-03T21:00:00+07:00", "completed"),
        (w.team1, "2026-10-09T21:00:00+07:00", "in_progress"),
        (w.team1, "2026-10-17T21:00:00+07:00", "abandoned"),  # week 3: does not count
        (w.team1, "2026-10-27T21:00:00+07:00", "completed"),
        (w.team1, "2026-09-30T23:59:00+07:00", "completed"),  # before the period
        (w.team1, "2026-10-29T00:00:00+07:00", "completed"),  # after it
        # team2: week 2 only
        (w.team2, "2026-10-10T21:00:00+07:00", "completed"),
    ]
    session.add_all(patrol(team, started, status, creator) for team, started, status in patrols)
    await session.flush()
    session.add_all(
        [
            incident(w, w.team1, "2026-10-02T08:00:00+07:00"),
            incident(
                w,
                w.team1,
                "2026-10-12T08:00:00+07:00",
                status="closed",
                closed_at=at("2026-10-13T08:00:00+07:00"),
            ),
            incident(w, w.team1, "2026-10-20T08:00:00+07:00", status="acknowledged"),
            incident(w, w.team1, None, status="draft"),  # never submitted
            incident(w, w.team1, "2026-11-02T08:00:00+07:00"),  # after the period
        ]
    )
    await session.flush()
    first = (await session.scalars(select(Incident).where(Incident.team_id == w.team1.id))).first()
    session.add(
        incident(w, w.team1, "2026-10-21T08:00:00+07:00", status="closed", duplicate_of_id=first.id)
    )
    session.add(
        Commendation(
            recipient_kind="team",
            team_id=w.team1.id,
            recipient_search="to",
            level="district",
            form="Giấy khen",
            decision_number="9/QĐ",
            decided_on=date(2026, 5, 1),
            issuing_body="UBND",
            reason="Tốt",
            recorded_by=w.admin.id,
        )
    )
    await session.commit()
    h = auth(app, w.leader1)
    for held_at in ("2026-10-05T19:00:00+07:00", "2026-10-25T19:00:00+07:00"):
        body = session_body(w.team1, held_at=held_at)
        assert (
            await client.put(f"/api/v1/awareness-sessions/{uuid.uuid4()}", json=body, headers=h)
        ).status_code == 201
    outside = session_body(w.team1, held_at="2026-09-30T19:00:00+07:00")
    await client.put(f"/api/v1/awareness-sessions/{uuid.uuid4()}", json=outside, headers=h)

    r = await client.get(URL, params=PERIOD, headers=auth(app, w.city_officer))
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["basis"] == ["awareness", "patrols", "incidents"] and data["missing_sources"] == []
    assert [c["team_id"] for c in data["items"]] == [str(w.team1.id), str(w.team2.id)]
    one, two = data["items"]
    assert one["figures"] == {
        "patrols": 4,
        "weeks_with_patrol": 3,
        "weeks_in_period": 4,
        "patrol_regularity": 0.75,
        "incidents_reported": 3,
        "incidents_closed": 1,
        "awareness_sessions": 2,
        "awareness_audience": 96,
    }
    # 100 × (50 × 3/4 + 25 × 3/6 + 25 × min(2, 1)/1) / 100
    assert one["score"] == 75.0 and one["last_commended_on"] == "2026-05-01"
    assert two["score"] == 12.5 and two["figures"]["weeks_with_patrol"] == 1
    assert str(quiet.id) not in {c["team_id"] for c in data["items"]}

    async def teams_for(user):
        r = await client.get(URL, params=PERIOD, headers=auth(app, user))
        assert r.status_code == 200, r.text
        return [c["team_id"] for c in r.json()["items"]]

    assert await teams_for(w.officer1) == [str(w.team1.id)]
    assert await teams_for(w.officer2) == [str(w.team2.id)]
    assert await teams_for(w.police_a) == [str(w.team1.id)]
    r = await client.get(
        URL, params={**PERIOD, "union_unit_id": str(w.district2.id)}, headers=auth(app, w.admin)
    )
    assert [c["team_id"] for c in r.json()["items"]] == [str(w.team2.id)]


async def test_candidates_permissions_and_bad_input(app, client, session):
    w = await make_world(session)
    await session.commit()
    assert (await client.get(URL, params=PERIOD, headers=auth(app, w.leader1))).status_code == 403
    h = auth(app, w.officer1)
    for params in (
        {"period_from": "2026-10-28", "period_to": "2026-10-01"},
        {"period_from": "2025-01-01", "period_to": "2026-10-01"},
    ):
        r = await client.get(URL, params=params, headers=h)
        assert r.status_code == 422 and r.json()["code"] == "invalid_period"
    r = await client.get(URL, params={"period_from": "2026-10-01"}, headers=h)
    assert r.status_code == 422 and r.json()["code"] == "validation_error"


async def test_missing_sources_are_left_out_and_weights_renormalised(
    app, client, session, monkeypatch
):
    from backend.monitoring import candidates

    assert candidates._model("backend.models.no_such_module", "Patrol", "team_id") is None
    assert candidates._model("backend.models.patrol", "Patrol", "no_such_column") is None
    monkeypatch.setattr(candidates, "_patrol_model", lambda: None)
    monkeypatch.setattr(candidates, "_incident_model", lambda: None)
    w = await make_world(session)
    await session.commit()
    body = session_body(w.team1, held_at="2026-10-05T19:00:00+07:00")
    h = auth(app, w.leader1)
    assert (
        await client.put(f"/api/v1/awareness-sessions/{uuid.uuid4()}", json=body, headers=h)
    ).status_code == 201
    r = await client.get(URL, params=PERIOD, headers=auth(app, w.officer1))
    data = r.json()
    assert data["basis"] == ["awareness"]
    assert data["missing_sources"] == ["patrols", "incidents"]
    assert data["weights"] == {"awareness": 25.0}
    (only,) = data["items"]
    assert only["score"] == 100.0  # one session in a one-month period: full marks
    assert only["figures"]["patrols"] is None and only["figures"]["incidents_reported"] is None

"""Routing on submit: by category and severity, to the right people of the right jurisdiction."""

import uuid

from tests.factories import auth, make_user
from tests.factories_teams import make_liaison
from tests.incidents.world import (
    act,
    escalations,
    outbox,
    report,
    statements_sent,
    stored,
    timeline,
)


async def _first(session, iid):
    found = await escalations(session, iid)
    assert len(found) == 1, found
    return found[0]


def _ids(users):
    return [str(u.id) for u in users]


async def test_trafficking_goes_to_ward_police_at_once(app, client, session, city):
    r = await report(client, app, city.member_a, category="trafficking", severity=2)
    assert r.json()["status"] == "escalated" and r.json()["handler_kind"] == "police"
    esc = await _first(session, r.json()["id"])
    assert (esc.target_kind, esc.admin_unit_id, esc.reason) == ("police", city.ward_a.id, "routing")
    assert esc.recipient_user_ids == _ids([city.police_a1])  # the unit's first liaison
    assert (esc.deadline_at - esc.created_at).total_seconds() == 3600  # severity 2: 1 h
    events = await outbox(session, "incident.escalated")
    assert [e.recipient_user_ids for e in events] == [_ids([city.police_a1])]
    assert events[0].unit_ids == [str(city.ward_a.id)]  # the ward police's webhooks too
    assert "reporter" not in str(events[0].payload)
    lines = await timeline(session, r.json()["id"])
    assert [(e.kind, e.action, e.to_status) for e in lines] == [
        ("transition", "create", "draft"),
        ("transition", "submit", "submitted"),
        ("transition", "escalate", "escalated"),
        ("escalation", None, None),
    ]
    assert lines[2].actor_role == "system" and lines[3].detail["target"] == "Phường Tân Thuận"


async def test_drugs_and_severity_one_go_to_police(app, client, session, city):
    for overrides in (
        {"category": "drugs", "severity": 4},
        {"category": "theft", "severity": 1},
        {"category": "labour", "severity": 1, "enterprise_id": None},
    ):
        if overrides["category"] == "labour":
            overrides = {
                **overrides,
                "enterprise_id": str(city.enterprise.id),
                "workers_involved": 50,
                "labour_started_at": "2026-11-20T07:00:00Z",
            }
        r = await report(client, app, city.member_a, **overrides)
        assert r.status_code == 201, r.text
        esc = await _first(session, r.json()["id"])
        assert esc.target_kind == "police", overrides
        minutes = {1: 15, 4: 1440}[overrides["severity"]]
        assert (esc.deadline_at - esc.created_at).total_seconds() == minutes * 60


async def test_site_liaison_first_for_an_incident_in_the_site(app, client, session, city):
    r = await report(client, app, city.member_a, category="drugs", house_id=str(city.house_a.id))
    esc = await _first(session, r.json()["id"])
    assert esc.site_id == city.site.id and esc.recipient_user_ids == _ids([city.police_site])


async def test_fallback_up_the_admin_tree(app, client, session, city):
    # Ward Q has no liaison: the district's liaison is told.
    r = await report(
        client, app, city.member_a, category="trafficking", house_id=str(city.house_q.id)
    )
    esc = await _first(session, r.json()["id"])
    assert esc.admin_unit_id == city.district1.id
    assert esc.recipient_user_ids == _ids([city.police_d])
    # The district liaison sees the ward-Q incident (it is under their unit).
    got = await client.get(f"/api/v1/incidents/{r.json()['id']}", headers=auth(app, city.police_d))
    assert got.status_code == 200 and got.json()["view"] == "full"


async def test_no_liaison_anywhere_reaches_the_city_federation(app, client, session, city):
    for liaison in (city.police_d, city.police_a1, city.police_a2):
        liaison.is_active = False
    await session.commit()
    r = await report(
        client, app, city.member_a, category="trafficking", house_id=str(city.house_q.id)
    )
    esc = await _first(session, r.json()["id"])
    assert esc.target_kind == "federation"
    assert esc.recipient_user_ids == _ids([city.city_officer])
    assert esc.union_unit_id == city.fed.id
    # The federation officer may acknowledge it (they were told).
    ack = await act(client, app, city.city_officer, r.json()["id"], "acknowledge")
    assert ack.status_code == 200, ack.text


async def test_labour_goes_to_the_covering_union_first(app, client, session, city):
    r = await report(
        client,
        app,
        city.member_a,
        category="labour",
        subtype="wage_arrears",
        enterprise_id=str(city.enterprise.id),
        workers_involved=120,
        labour_started_at="2026-11-20T07:00:00+07:00",
    )
    assert r.json()["status"] == "submitted" and r.json()["handler_kind"] == "union"
    esc = await _first(session, r.json()["id"])
    # The enterprise is in the KCX: its union (X) covers it, not the team's grassroots union.
    assert (esc.target_kind, esc.union_unit_id) == ("union", city.union_x.id)
    assert esc.recipient_user_ids == _ids([city.officer_x])
    assert (await stored(session, r.json()["id"])).route == "union"


async def test_others_go_to_the_team_union_who_may_escalate(app, client, session, city):
    r = await report(
        client,
        app,
        city.member_a,
        category="public_order",
        subtype="fight",
        house_id=str(city.house_a.id),
    )
    iid = r.json()["id"]
    esc = await _first(session, iid)
    # Not the site's union: the union of the reporting team.
    assert (esc.target_kind, esc.union_unit_id) == ("union", city.grassroots_x.id)
    assert esc.recipient_user_ids == _ids([city.officer_gx])
    r = await act(client, app, city.officer_gx, iid, "escalate", comment="Có hung khí")
    assert r.status_code == 200 and r.json()["status"] == "escalated"
    history = await escalations(session, iid)
    assert [e.status for e in history] == ["superseded", "open"]
    assert (history[1].target_kind, history[1].reason) == ("police", "manual")
    assert history[1].created_by == city.officer_gx.id
    assert history[1].recipient_user_ids == _ids([city.police_site])  # house A is in the site


async def test_union_fallback_up_its_tree(app, client, session, city):
    city.officer_gx.is_active = False
    await session.commit()
    r = await report(client, app, city.member_a)
    esc = await _first(session, r.json()["id"])
    assert esc.union_unit_id == city.union_x.id
    assert esc.recipient_user_ids == _ids([city.officer_x])


async def test_a_union_units_officers_are_told_by_name_first_then_the_others(
    app, client, session, city
):
    # The rung and its people come in one statement (backend/escalations/targets.py): the
    # nearest unit's officer first by name, the unit's others next, then the unit above.
    first_by_name = await make_user(session, role="union_officer", units=[city.grassroots_x])
    first_by_name.full_name = "An Nguyễn"  # before "Cán bộ CĐCS" (officer_gx)
    await make_user(session, role="union_officer", units=[city.grassroots_x], active=False)
    await session.commit()
    r = await report(client, app, city.member_a)
    esc = await _first(session, r.json()["id"])
    assert esc.union_unit_id == city.grassroots_x.id and esc.rung_key.endswith(":primary")
    assert esc.recipient_user_ids == _ids([first_by_name])


async def test_escalations_route(app, client, city):
    iid = (await report(client, app, city.member_a, category="drugs")).json()["id"]
    r = await client.get(f"/api/v1/incidents/{iid}/escalations", headers=auth(app, city.police_a1))
    assert r.status_code == 200
    [esc] = r.json()["items"]
    assert esc["status"] == "open" and esc["recipient_user_ids"] == [str(city.police_a1.id)]
    r = await client.get(
        f"/api/v1/incidents/{uuid.uuid4()}/escalations", headers=auth(app, city.police_a1)
    )
    assert r.status_code == 404


async def test_union_walk_passes_a_deleted_unit(app, client, session, city):
    # The grassroots officer is away and the district-level union was deleted: the walk goes
    # on past it by its parent links to the federation's own union officer (a deleted unit is
    # skipped, never the end of the ladder).
    city.officer_gx.is_active = False
    city.union_x.deleted_at = city.union_x.created_at
    fed_officer = await make_user(session, role="union_officer", units=[city.fed])
    await session.commit()
    r = await report(client, app, city.member_a)
    esc = await _first(session, r.json()["id"])
    assert esc.target_kind == "union" and esc.union_unit_id == city.fed.id
    assert esc.recipient_user_ids == _ids([fed_officer])


async def test_police_ladder_units_and_liaisons_come_in_one_statement(app, client, session, city):
    # As the union's: the ward and the units above with their active liaisons, by name, in
    # one statement (not one for the units and one per unit for its liaisons).
    first_by_name = await make_liaison(session, admin_units=[city.ward_a])
    first_by_name.full_name = "An Trần"  # before "Công an A1"
    away = await make_liaison(session, admin_units=[city.ward_a])
    away.full_name, away.is_active = "A Lê", False
    await session.commit()
    with statements_sent(app) as seen:
        r = await report(client, app, city.member_a, category="trafficking", severity=2)
    esc = await _first(session, r.json()["id"])
    assert esc.admin_unit_id == city.ward_a.id and esc.recipient_user_ids == _ids([first_by_name])
    ladder = [s for s in seen if "RECURSIVE" in s]
    assert len(ladder) == 1 and "admin_unit" in ladder[0] and "user_scope" in ladder[0], seen
    liaisons = "FROM user_account JOIN user_scope ON user_scope.user_id = user_account.id"
    assert not [s for s in seen if liaisons in s and "RECURSIVE" not in s], seen

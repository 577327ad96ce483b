"""Ranking, coverage against incidents, uncovered houses and completeness, by hand.

From world.py (October 2026):
- T1: completed patrols P1, P2, P6 = 3; scans 3 + 1 + 1 = 5; reports I1, I2, I7 = 3; flags 1.
  T3: 1 completed (P4), 2 scans, 1 report (I3).  T2: 1 completed (P3), 1 scan, 1 report (I4).
  → T1, T3 (more scans than T2), T2.
- Houses with incidents: H1 (I1 10 Oct, I7 31 Oct 16:30Z), H3 (I2 15 Oct 11:50Z),
  H5 (I3 21 Oct 00:50Z). H1's latest: last scan before it 12 Oct 13:10Z (P2), patrols in
  the 30 days before: P1, P2 = 2. H5: 20 Oct 13:10Z, 1. H3: 5 Oct 13:30Z, 1.
- Completeness (threshold 0.8): D1 = T1 + T2: windows 4 planned, 2 done → 0.5; completed
  patrols 4, on time 3 (P2 late) → 0.75. D2 = T3: 1/1 and 1/1. Laggard: T1 only.
"""

from tests.dashboards.conftest import get
from tests.factories import auth

OCT = {"from": "2026-10-01", "to": "2026-10-31"}


async def test_team_ranking(client, app, world):
    rows = await get(client, app, world.city_officer, "teams", f"union:{world.fed.id}", **OCT)
    assert [(r["rank"], r["code"]) for r in rows] == [(1, "T1"), (2, "T3"), (3, "T2")]
    t1 = rows[0]
    assert (t1["patrols_completed"], t1["scans"], t1["reports"], t1["flagged_scans"]) == (
        3,
        5,
        3,
        1,
    )
    assert (rows[1]["scans"], rows[2]["scans"]) == (2, 1)


async def test_ranking_of_a_district_lists_its_teams_only(client, app, world):
    rows = await get(client, app, world.officer_d2, "teams", f"union:{world.d2.id}", **OCT)
    assert [r["code"] for r in rows] == ["T3"]


async def test_coverage_against_incidents(client, app, world):
    rows = await get(client, app, world.city_officer, "coverage", f"union:{world.fed.id}", **OCT)
    h = world.houses
    assert [r["house_id"] for r in rows] == [str(h["H1"].id), str(h["H5"].id), str(h["H3"].id)]
    h1, h5, h3 = rows
    assert h1["incidents"] == 2
    assert h1["latest_incident_at"].startswith("2026-10-31T16:30")
    assert h1["last_patrolled_before"].startswith("2026-10-12T13:10")
    assert (h1["days_since_patrol"], h1["patrols_30_days_before"]) == (19, 2)
    assert h5["last_patrolled_before"].startswith("2026-10-20T13:10")
    assert h5["patrols_30_days_before"] == 1
    assert h3["last_patrolled_before"].startswith("2026-10-05T13:30")
    assert (h3["days_since_patrol"], h3["patrols_30_days_before"]) == (9, 1)  # 9 d 22 h


async def test_uncovered_houses(client, app, world):
    rows = await get(
        client, app, world.city_officer, "houses/uncovered", f"union:{world.fed.id}", **OCT
    )
    assert [r["code"] for r in rows] == [world.houses["H6"].code]
    # Its last scan ever is 17:30Z on 31 Oct (already 1 Nov in Vietnam).
    assert rows[0]["last_patrolled_at"].startswith("2026-10-31T17:30")


async def test_completeness_per_union_unit(client, app, world):
    body = await get(
        client, app, world.city_officer, "completeness", f"union:{world.fed.id}", **OCT
    )
    units = {u["name"]: u for u in body["units"]}
    d1, d2 = units[world.d1.name], units[world.d2.name]
    assert (d1["teams"], d1["windows_planned"], d1["windows_done"], d1["completeness"]) == (
        2,
        4,
        2,
        0.5,
    )
    assert (d1["patrols_completed"], d1["patrols_on_time"], d1["timeliness"]) == (4, 3, 0.75)
    assert (d1["laggards"], d2["laggards"]) == (1, 0)
    assert (d2["completeness"], d2["timeliness"]) == (1.0, 1.0)
    assert [t["code"] for t in body["laggards"]] == ["T1"]
    assert body["laggards"][0]["timeliness"] == 0.6667


async def test_ranking_export_csv_is_scoped_and_audited(client, app, world, session):
    from sqlalchemy import select

    from backend.models import AuditEvent
    from tests.factories import auth

    response = await client.get(
        "/api/v1/dashboards/teams",
        params={"scope": f"union:{world.d2.id}", "format": "csv", **OCT},
        headers=auth(app, world.officer_d2),
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeffHạng,")
    assert "Tổ tự quản số 3" in text and "Tổ tự quản số 1" not in text
    actions = (await session.scalars(select(AuditEvent.action))).all()
    assert "dashboard_teams.export" in actions


async def test_completeness_export_xlsx(client, app, world):
    import io

    import openpyxl

    from tests.factories import auth

    response = await client.get(
        "/api/v1/dashboards/completeness",
        params={"scope": f"union:{world.fed.id}", "format": "xlsx", **OCT},
        headers=auth(app, world.city_officer),
    )
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Mã tổ" and rows[1][0] == "T1"


async def test_coverage_reads_the_newest_days_first_and_counts_the_whole_period(client, app, world):
    # A page of one or two is found in the period's newest days (H1's latest is 31 Oct, H5's
    # 21 Oct), while each house's count still covers the whole period (H1's I1 is 10 Oct).
    h, scope = world.houses, f"union:{world.fed.id}"
    for limit, expected in ((1, ["H1"]), (2, ["H1", "H5"]), (3, ["H1", "H5", "H3"])):
        rows = await get(client, app, world.city_officer, "coverage", scope, limit=limit, **OCT)
        assert [r["house_id"] for r in rows] == [str(h[k].id) for k in expected]
        assert rows[0]["incidents"] == 2
        assert rows[0]["last_patrolled_before"].startswith("2026-10-12T13:10")


async def test_coverage_widens_past_houses_the_page_leaves_out(client, app, world, session):
    # The days' houses are counted before the houses' own scope is applied: a closed H5 fills
    # the count of the newest days that hold two houses (16-31 Oct), so the page's statement
    # finds only H1 there and must look further back for H3. A page of one asks for two
    # (to know there is more): without the widening it would end at H1, with no next page.
    h = world.houses
    h["H5"].status = "closed"
    session.add(h["H5"])
    await session.commit()
    scope = f"union:{world.fed.id}"
    first = await client.get(
        "/api/v1/dashboards/coverage",
        params={"scope": scope, "limit": 1, **OCT},
        headers=auth(app, world.city_officer),
    )
    assert first.status_code == 200, first.text
    assert [r["house_id"] for r in first.json()["items"]] == [str(h["H1"].id)]
    assert first.json()["next_cursor"]
    rows = await get(client, app, world.city_officer, "coverage", scope, limit=2, **OCT)
    assert [r["house_id"] for r in rows] == [str(h["H1"].id), str(h["H3"].id)]
    assert (rows[1]["days_since_patrol"], rows[1]["patrols_30_days_before"]) == (9, 1)

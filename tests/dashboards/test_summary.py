"""Each dashboard figure against the hand-built city of world.py, October 2026.

Worked out by hand (city federation, whole city):
- incidents in October: I1 theft s3 closed, I2 trafficking s1 escalated (protected), I3 fire
  s2 acknowledged (T3), I4 drugs s2 closed, I7 theft s4 submitted (23:30 local on 31 Oct).
  I5 is a draft, I6 is September → total 5.
- time to acknowledge: I1 10 min, I4 20 min, I3 30 min → median 20 min, p90 30 min.
- time to resolve (closed): I4 2 h, I1 24 h → median 2 h, p90 24 h.
- patrols: P1, P2, P6 (T1), P3 (T2), P4 (T3); the abandoned one and P5 (September) do not
  count → 5, all completed. Windows: 5 planned, 3 done, 1 partial, 1 missed.
- scans: P1 3 (one flagged), P2 1, P3 1, P4 2 (one unknown token), P6 1 (its 00:30 local
  1 Nov scan is November) → 8. Reports by teams: 5.
- houses: 6; October scans reached H1-H5 → covered 5, H6 uncovered.
"""

from tests.dashboards.conftest import get

OCT = {"from": "2026-10-01", "to": "2026-10-31"}


async def test_city_federation_sees_every_figure(client, app, world):
    body = await get(client, app, world.city_officer, "summary", f"union:{world.fed.id}", **OCT)
    inc = body["incidents"]
    assert inc["total"] == 5
    assert inc["protected_reporter"] == 1
    assert {c["category"]: c["count"] for c in inc["by_category"]} == {
        "theft": 2,
        "trafficking": 1,
        "fire_safety": 1,
        "drugs": 1,
    }
    assert inc["by_category"][0]["name"]  # Vietnamese label from the taxonomy
    assert [s["count"] for s in inc["by_severity"]] == [1, 2, 1, 1]
    assert {s["status"]: s["count"] for s in inc["by_status"]} == {
        "closed": 2,
        "escalated": 1,
        "acknowledged": 1,
        "submitted": 1,
    }
    assert inc["time_to_acknowledge"] == {"count": 3, "median_seconds": 1200, "p90_seconds": 1800}
    assert inc["time_to_resolve"] == {"count": 2, "median_seconds": 7200, "p90_seconds": 86400}

    overdue = body["escalations_overdue"]
    assert overdue["count"] == 1
    assert overdue["items"][0]["incident_id"] == str(world.incidents["I2"].id)

    p = body["patrols"]
    assert (p["teams"], p["teams_active"], p["patrols"], p["patrols_completed"]) == (3, 3, 5, 5)
    assert (p["windows_planned"], p["windows_done"]) == (5, 3)
    assert (p["windows_partial"], p["windows_missed"], p["done_rate"]) == (1, 1, 0.6)
    assert (p["scans"], p["flagged_scans"], p["reports"]) == (8, 1, 5)

    assert body["houses"] == {"total": 6, "covered": 5, "uncovered": 1, "coverage_rate": 0.8333}
    assert body["trend"]["series"] == [
        {
            "start": "2026-10-01",
            "incidents": 5,
            "patrols": 5,
            "scans": 8,
            "flagged_scans": 1,
            "windows_planned": 5,
            "windows_done": 3,
        },
    ]


async def test_weekly_trend(client, app, world):
    body = await get(
        client, app, world.city_officer, "summary", f"union:{world.fed.id}", trend="week", **OCT
    )
    series = body["trend"]["series"]
    assert [s["start"] for s in series] == [
        "2026-09-28",
        "2026-10-05",
        "2026-10-12",
        "2026-10-19",
        "2026-10-26",
    ]
    # I4 (8 Oct local) and I1 (10 Oct); I2; I3 (21 Oct local); I7 (31 Oct local).
    assert [s["incidents"] for s in series] == [0, 2, 1, 1, 1]
    # P1, P3; P2; P4; P6.
    assert [s["patrols"] for s in series] == [0, 2, 1, 1, 1]


async def test_district_union_sees_its_subtree_only(client, app, world):
    body = await get(client, app, world.officer_d1, "summary", f"union:{world.d1.id}", **OCT)
    # I1, I2 (covered by D1 too), I4, I7; I3 is D2's.
    assert body["incidents"]["total"] == 4
    assert body["patrols"]["teams"] == 2 and body["patrols"]["patrols"] == 4
    # P1 3 + P2 1 + P6 1 (T1), P3 1 (T2).
    assert body["patrols"]["scans"] == 6
    assert body["houses"] == {"total": 4, "covered": 4, "uncovered": 0, "coverage_rate": 1.0}
    assert body["escalations_overdue"]["count"] == 1


async def test_police_sees_their_ward(client, app, world):
    body = await get(client, app, world.police_w1, "summary", f"admin:{world.w1.id}", **OCT)
    assert body["incidents"]["total"] == 4  # I1, I2, I4, I7 happened in W1
    assert body["patrols"]["teams"] == 2  # T1, T2 are W1's teams
    assert body["houses"]["total"] == 4  # H1-H4


async def test_site_scope(client, app, world):
    body = await get(client, app, world.officer_d1, "summary", f"site:{world.site.id}", **OCT)
    assert body["incidents"]["total"] == 1  # I2
    assert body["houses"] == {"total": 1, "covered": 1, "uncovered": 0, "coverage_rate": 1.0}
    assert body["patrols"]["teams"] == 1  # T1 covers H3


async def test_partial_month_uses_day_rollup(client, app, world):
    body = await get(
        client,
        app,
        world.city_officer,
        "summary",
        f"union:{world.fed.id}",
        **{"from": "2026-10-06", "to": "2026-10-31"},
    )
    # Scans from 6 Oct on: P2 H1, P3 H4, P4 H5, P6 H2 → H3 (5 Oct only) uncovered.
    assert body["houses"]["covered"] == 4
    assert body["incidents"]["total"] == 5

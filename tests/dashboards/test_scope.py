"""Scope and redaction on every dashboard figure, table, export and map layer."""

import uuid

import pytest

from tests.factories import auth

OCT = {"from": "2026-10-01", "to": "2026-10-31"}
ENDPOINTS = ["summary", "teams", "coverage", "houses/uncovered", "completeness"]
WHOLE_CITY = "106.0,10.0,107.5,11.5"


async def _get(client, app, user, endpoint, **params):
    return await client.get(
        f"/api/v1/dashboards/{endpoint}", params=params, headers=auth(app, user)
    )


@pytest.mark.parametrize("endpoint", ENDPOINTS)
async def test_out_of_scope_is_404_everywhere(client, app, world, endpoint):
    cases = [
        (world.officer_d2, f"union:{world.d1.id}"),  # a sibling district's union
        (world.officer_d1, f"union:{world.fed.id}"),  # above one's own unit
        (world.officer_d2, f"site:{world.site.id}"),  # a site covered by D1
        (world.police_w1, f"admin:{world.w2.id}"),  # another ward
        (world.police_w1, f"union:{world.fed.id}"),  # police never get union scopes
        (world.officer_d1, f"admin:{world.w1.id}"),  # unions never get admin scopes
        (world.city_officer, f"union:{uuid.uuid4()}"),  # does not exist
    ]
    for user, scope in cases:
        for fmt in ("json", "csv"):
            response = await _get(client, app, user, endpoint, scope=scope, format=fmt, **OCT)
            assert response.status_code == 404, (endpoint, scope, response.text)
            assert response.headers["content-type"] == "application/problem+json"
            assert response.json()["code"] == "not_found"


@pytest.mark.parametrize("endpoint", ENDPOINTS)
async def test_team_roles_may_not_read_dashboards(client, app, world, endpoint):
    response = await _get(client, app, world.leader_t1, endpoint, scope=f"admin:{world.w1.id}")
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"scope": "nonsense"}, "scope_invalid"),
        ({"scope": "team:00000000-0000-0000-0000-000000000001"}, "scope_invalid"),
        ({"from": "2026-10-31", "to": "2026-10-01"}, "period_invalid"),
        ({"from": "2020-01-01", "to": "2026-10-01"}, "period_too_long"),
        ({"from": "31/10/2026"}, "validation_error"),
        ({"trend": "day"}, "validation_error"),
    ],
)
async def test_bad_input_is_a_stable_422(client, app, world, params, code):
    params = {"scope": f"union:{world.fed.id}", **params}
    response = await _get(client, app, world.city_officer, "summary", **params)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == code


async def test_scope_never_widens_what_a_role_sees(client, app, world):
    """A police liaison of W1 asking for a site in W1 still counts only W1's incidents."""
    response = await _get(
        client, app, world.police_w1, "summary", scope=f"site:{world.site.id}", **OCT
    )
    assert response.status_code == 200
    assert response.json()["incidents"]["total"] == 1  # I2 (in S1, in W1)
    # The same liaison cannot see D2's team T3 at all: the ranking of W1 has T1, T2 only.
    rows = (
        await _get(client, app, world.police_w1, "teams", scope=f"admin:{world.w1.id}", **OCT)
    ).json()["items"]
    assert sorted(r["code"] for r in rows) == ["T1", "T2"]


async def test_map_points_withhold_protected_reporters_from_unions(client, app, world):
    params = {"bbox": WHOLE_CITY, "zoom": 15, **OCT}
    union = (await _get(client, app, world.officer_d1, "map/incidents", **params)).json()
    ids = {f["properties"]["incident_id"] for f in union["features"]}
    inc = world.incidents
    # I1 and I7 (at H1) are points; I4 has no place; I2 (protected reporter) is withheld.
    assert ids == {str(inc["I1"].id), str(inc["I7"].id)}
    assert union["properties"]["withheld"] == 1
    police = (await _get(client, app, world.police_w1, "map/incidents", **params)).json()
    ids = {f["properties"]["incident_id"] for f in police["features"]}
    assert ids == {str(inc["I1"].id), str(inc["I2"].id), str(inc["I7"].id)}
    point = next(
        f for f in police["features"] if f["properties"]["incident_id"] == str(inc["I2"].id)
    )
    assert point["geometry"]["coordinates"] == [106.7201, 10.7601]
    assert police["properties"]["withheld"] == 0


async def test_map_zoomed_out_counts_per_ward(client, app, world):
    body = (
        await _get(
            client, app, world.city_officer, "map/incidents", bbox=WHOLE_CITY, zoom=10, **OCT
        )
    ).json()
    counts = {f["properties"]["admin_unit_id"]: f["properties"]["count"] for f in body["features"]}
    assert counts == {str(world.w1.id): 4, str(world.w2.id): 1}
    assert body["properties"]["aggregation"] == "admin_unit"
    w1 = next(f for f in body["features"] if f["properties"]["admin_unit_id"] == str(world.w1.id))
    # The centroid of H1-H4: lon (106.700 + 106.701 + 106.720 + 106.702) / 4.
    assert w1["geometry"]["coordinates"] == [106.70575, 10.75325]
    d2 = (
        await _get(client, app, world.officer_d2, "map/incidents", bbox=WHOLE_CITY, zoom=10, **OCT)
    ).json()
    assert {f["properties"]["admin_unit_id"] for f in d2["features"]} == {str(world.w2.id)}


@pytest.mark.parametrize(
    ("first", "last", "w1", "w2"),
    [
        # Days of September (day rollup) and the whole of October (month margins): I6 is W2's.
        ("2026-09-15", "2026-10-31", {"1": 1, "2": 1, "3": 1, "4": 1}, {"2": 1, "4": 1}),
        # Both ends inside October: I1 (10th) and I2 (15th) only; W2's I3 is on the 21st.
        ("2026-10-09", "2026-10-20", {"1": 1, "3": 1}, None),
        # An edge, a whole month, an edge.
        ("2026-09-20", "2026-11-05", {"1": 1, "2": 1, "3": 1, "4": 1}, {"2": 1, "4": 1}),
    ],
)
async def test_ward_counts_from_months_and_edge_days(client, app, world, first, last, w1, w2):
    body = (
        await _get(
            client,
            app,
            world.city_officer,
            "map/incidents",
            bbox=WHOLE_CITY,
            zoom=10,
            **{"from": first, "to": last},
        )
    ).json()
    found = {f["properties"]["admin_unit_id"]: f["properties"] for f in body["features"]}
    assert found[str(world.w1.id)]["by_severity"] == w1
    assert found[str(world.w1.id)]["count"] == sum(w1.values())
    if w2 is None:
        assert str(world.w2.id) not in found
    else:
        assert found[str(world.w2.id)]["by_severity"] == w2


async def test_house_layer_colours_and_scope(client, app, world):
    body = (await _get(client, app, world.officer_d2, "map/houses", bbox=WHOLE_CITY)).json()
    codes = {f["properties"]["code"] for f in body["features"]}
    assert codes == {world.houses["H5"].code, world.houses["H6"].code}
    for feature in body["features"]:
        # Scanned in October 2026; the test runs later: red (more than 14 days) or a band.
        assert feature["properties"]["colour"] in {"green", "yellow", "orange", "red"}
        assert feature["properties"]["days_since_patrol"] is not None
    bad = await _get(client, app, world.officer_d2, "map/houses", bbox="1,2,3")
    assert bad.status_code == 422 and bad.json()["code"] == "bbox_invalid"
    leader = await _get(client, app, world.leader_t1, "map/houses", bbox=WHOLE_CITY)
    assert leader.status_code == 403

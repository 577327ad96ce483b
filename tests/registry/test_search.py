"""Search without diacritics, filters, bounding boxes, keyset pages and GeoJSON."""

import pytest

from tests.factories import auth
from tests.factories_registry import make_house, offset
from tests.registry.world import A


async def _names(client, app, user, path="houses", **params):
    r = await client.get(f"/api/v1/{path}", params=params, headers=auth(app, user))
    assert r.status_code == 200, r.text
    return {item["name"] for item in r.json()["items"]}


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("nha tro hoa binh", {"Nhà trọ Hòa Bình"}),
        ("NHA TRO HOA BINH", {"Nhà trọ Hòa Bình"}),
        ("hoa binh nha tro", {"Nhà trọ Hòa Bình"}),  # word order does not matter
        ("Hoà Bình", {"Nhà trọ Hòa Bình"}),  # the other tone-mark placement
        ("duc thanh", {"Nhà trọ Đức Thành"}),  # đ found by d
        ("doc lap", {"Nhà trọ Hòa Bình"}),  # the address counts too
        ("binh", {"Nhà trọ Hòa Bình", "Nhà trọ Bình An"}),
        ("100%", set()),  # LIKE wildcards are literal
        ("_", set()),
        ("o'hara \\ '; drop table site; --", set()),  # quotes and backslashes are literal
    ],
)
async def test_house_search_ignores_diacritics(app, client, world, q, expected):
    assert await _names(client, app, world.admin, q=q) == expected


async def test_d_matches_dj_both_ways(app, client, session, world):
    await make_house(session, admin_unit=world.ward_a, name="Nha tro Duc Loi", lon=A[0], lat=A[1])
    await session.commit()
    assert await _names(client, app, world.admin, q="Đức Lợi") == {"Nha tro Duc Loi"}
    assert await _names(client, app, world.admin, q="đức") == {
        "Nha tro Duc Loi",
        "Nhà trọ Đức Thành",
    }


async def test_search_sites_and_enterprises(app, client, world):
    assert await _names(client, app, world.admin, "sites", q="song than") == {"KCN Sóng Thần"}
    assert await _names(client, app, world.admin, "sites", q=world.site_b.code) == {"KCN Bình An"}
    assert await _names(client, app, world.admin, "enterprises", q="nidec viet nam") == {
        "Công ty TNHH Nidec Việt Nam"
    }
    assert await _names(client, app, world.admin, "enterprises", q="dong nai") == {
        "Công ty Pouyuen Đồng Nai"
    }
    assert await _names(client, app, world.admin, "enterprises", q=world.e_a.tax_code[:6]) >= {
        "Công ty TNHH Nidec Việt Nam"
    }
    # Search never widens scope.
    assert await _names(client, app, world.officer_x, "sites", q="binh an") == set()


async def test_filters(app, client, world):
    admin = world.admin
    assert await _names(client, app, admin, admin_unit_id=str(world.ward_a.id)) == {
        "Nhà trọ Hòa Bình",
        "Nhà trọ Đức Thành",
    }
    assert await _names(client, app, admin, union_unit_id=str(world.union_y.id)) == {
        "Nhà trọ Bình An"
    }
    assert await _names(client, app, admin, site_id=str(world.site_a.id)) == {
        "Nhà trọ Hòa Bình",
        "Nhà trọ Đức Thành",
    }
    assert await _names(client, app, admin, team_id=str(world.team_b.id)) == {"Nhà trọ Bình An"}
    assert await _names(client, app, admin, status="closed") == set()
    assert await _names(client, app, admin, "sites", team_id=str(world.team_a.id)) == {
        "KCN Sóng Thần"
    }
    assert await _names(client, app, admin, "sites", kind="industrial_zone") == {
        "KCN Sóng Thần",
        "KCN Bình An",
    }
    assert await _names(client, app, admin, "enterprises", admin_unit_id=str(world.ward_b.id)) == {
        "Công ty Pouyuen Đồng Nai"
    }
    # A unit or team outside the caller's scope is answered as if it did not exist.
    r = await client.get(
        "/api/v1/houses",
        params={"team_id": str(world.team_b.id)},
        headers=auth(app, world.leader_a),
    )
    assert r.status_code == 404
    for path in ("houses", "houses/geojson", "sites", "sites/geojson", "enterprises"):
        r = await client.get(
            f"/api/v1/{path}",
            params={"union_unit_id": str(world.union_y.id)},
            headers=auth(app, world.officer_x),
        )
        assert r.status_code == 404, path
        assert r.headers["content-type"].startswith("application/problem+json")


async def test_bbox(app, client, world):
    w, s = offset(*A, east_m=-200, north_m=-200)
    e, n = offset(*A, east_m=200, north_m=200)
    bbox = f"{w},{s},{e},{n}"
    assert await _names(client, app, world.admin, bbox=bbox) == {"Nhà trọ Hòa Bình"}
    # Sites whose extent overlaps the box (site A's square covers it).
    assert await _names(client, app, world.admin, "sites", bbox=bbox) == {"KCN Sóng Thần"}
    r = await client.get("/api/v1/houses", params={"bbox": "1,2,3"}, headers=auth(app, world.admin))
    assert (r.status_code, r.json()["code"]) == (422, "invalid_bbox")


async def test_keyset_pages(app, client, session, world):
    for i in range(5):
        await make_house(session, admin_unit=world.ward_a, name=f"Nhà trọ Phú Lợi {i}")
    await session.commit()
    h = auth(app, world.admin)
    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 2, "q": "phu loi"} | ({"cursor": cursor} if cursor else {})
        body = (await client.get("/api/v1/houses", params=params, headers=h)).json()
        seen += [x["name"] for x in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert pages == 3
    assert seen == [f"Nhà trọ Phú Lợi {i}" for i in range(5)]
    r = await client.get("/api/v1/houses", params={"cursor": "not-a-cursor"}, headers=h)
    assert (r.status_code, r.json()["code"]) == (422, "invalid_cursor")
    r = await client.get("/api/v1/houses", params={"limit": 100_000}, headers=h)
    assert r.status_code == 200  # capped, not refused


async def test_houses_geojson(app, client, world):
    r = await client.get("/api/v1/houses/geojson", headers=auth(app, world.leader_a))
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/geo+json")
    fc = r.json()
    assert fc["type"] == "FeatureCollection"
    by_name = {f["properties"]["name"]: f for f in fc["features"]}
    assert set(by_name) == {"Nhà trọ Hòa Bình", "Nhà trọ Đức Thành"}
    feature = by_name["Nhà trọ Hòa Bình"]
    assert feature["type"] == "Feature" and feature["geometry"]["type"] == "Point"
    assert feature["geometry"]["coordinates"] == [world.h_a1.lon, world.h_a1.lat]  # lon first
    props = feature["properties"]
    assert props["site_name"] == "KCN Sóng Thần"
    assert props["team_names"] == ["Tổ A"]
    assert props["address"].startswith("12 đường Độc Lập")
    assert props["checkpoint_id"] == str(world.h_a1.checkpoint_id)
    assert "checkpoint_token" not in props
    assert fc["bbox"][0] <= world.h_a1.lon <= fc["bbox"][2]


async def test_sites_geojson(app, client, world):
    r = await client.get(
        "/api/v1/sites/geojson", params={"q": "song than"}, headers=auth(app, world.admin)
    )
    assert r.headers["content-type"].startswith("application/geo+json")
    fc = r.json()
    (feature,) = fc["features"]
    assert feature["id"] == str(world.site_a.id)
    assert feature["geometry"]["type"] == "Polygon"
    lon, lat = feature["geometry"]["coordinates"][0][0]
    assert 102 < lon < 110 and 8 < lat < 24  # GeoJSON order: [lon, lat]
    assert feature["properties"]["kind"] == "industrial_zone"
    # limit + cursor page through maps too
    r = await client.get(
        "/api/v1/sites/geojson", params={"limit": 1}, headers=auth(app, world.admin)
    )
    assert len(r.json()["features"]) == 1 and r.json()["next_cursor"]

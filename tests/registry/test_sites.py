"""Sites through the API: polygon validation, house re-assignment when a boundary moves,
ETag/If-Match, soft delete."""

from sqlalchemy import select

from backend.models import AuditEvent, BoardingHouse, RegistryChange
from tests.factories import auth, make_user
from tests.factories_registry import (
    make_enterprise,
    make_house,
    make_site,
    make_ward,
    offset,
    square,
)

A = (106.75, 10.90)


def _body(**extra):
    return {
        "code": "KCN-VSIP",
        "name": "KCN Việt Nam – Singapore",
        "kind": "industrial_zone",
        "boundary": square(*A),
        **extra,
    }


async def test_create_site_with_valid_polygon(app, client, session):
    admin = await make_user(session)
    ward = await make_ward(session)
    await session.commit()
    body = _body(
        admin_unit_ids=[str(ward.id)],
        board_phone="0912 345 678",
        board_email="bql@vsip.vn",
        board_name="Ban quản lý",
    )
    r = await client.post("/api/v1/sites", json=body, headers=auth(app, admin))
    assert r.status_code == 201, r.text
    site = r.json()
    assert r.headers["etag"] == '"1"'
    assert site["boundary"]["type"] == "Polygon"
    assert site["bbox"][0] < A[0] < site["bbox"][2] and site["bbox"][1] < A[1] < site["bbox"][3]
    assert site["admin_unit_ids"] == [str(ward.id)]
    assert site["board_phone"] == "+84912345678"
    events = await session.scalars(select(AuditEvent).where(AuditEvent.action == "site.create"))
    assert [e.object_id for e in events.all()] == [site["id"]]


async def test_self_intersecting_polygon_is_422_naming_the_problem(app, client, session):
    admin = await make_user(session)
    await session.commit()
    bow_tie = {
        "type": "Polygon",
        "coordinates": [
            [[106.7, 10.8], [106.8, 10.9], [106.8, 10.8], [106.7, 10.9], [106.7, 10.8]]
        ],
    }
    r = await client.post("/api/v1/sites", json=_body(boundary=bow_tie), headers=auth(app, admin))
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    problem = r.json()
    assert problem["code"] == "invalid_polygon"
    assert problem["errors"][0]["field"] == "boundary"
    assert problem["errors"][0]["reason"] == "self_intersection"
    assert "Self-intersection[106.75 10.85]" in problem["detail"]


async def test_out_of_country_and_malformed_boundaries(app, client, session):
    admin = await make_user(session)
    await session.commit()
    h = auth(app, admin)
    r = await client.post("/api/v1/sites", json=_body(boundary=square(100.5, 13.75)), headers=h)
    assert (r.status_code, r.json()["code"]) == (422, "outside_vietnam")
    r = await client.post(
        "/api/v1/sites", json=_body(boundary={"type": "LineString", "coordinates": []}), headers=h
    )
    assert (r.status_code, r.json()["code"]) == (422, "invalid_geometry")
    # Several problems at once: each named with its field.
    r = await client.post(
        "/api/v1/sites", json=_body(board_phone="123", board_email="khong-phai-email"), headers=h
    )
    assert r.status_code == 422 and r.json()["code"] == "validation_error"
    assert {(e["field"], e["code"]) for e in r.json()["errors"]} == {
        ("board_phone", "invalid_phone"),
        ("board_email", "invalid_email"),
    }
    r = await client.post("/api/v1/sites", json=_body(kind="airport"), headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body.kind"


async def test_duplicate_code_is_409(app, client, session):
    admin = await make_user(session)
    await make_site(session, code="KCN-VSIP")
    await session.commit()
    r = await client.post("/api/v1/sites", json=_body(), headers=auth(app, admin))
    assert (r.status_code, r.json()["code"]) == (409, "code_taken")


async def test_houses_follow_a_moved_boundary(app, client, session):
    admin = await make_user(session)
    ward = await make_ward(session)
    site = await make_site(session, lon=A[0], lat=A[1], half_m=500)
    inside = await make_house(session, admin_unit=ward, lon=A[0], lat=A[1])
    near = await make_house(session, admin_unit=ward, lon=offset(*A, east_m=1500)[0], lat=A[1])
    west = offset(*A, east_m=-5000)
    later_inside = await make_house(session, admin_unit=ward, lon=west[0], lat=west[1])
    await session.commit()
    assert (inside.site_id, inside.site_distance_m) == (site.id, 0.0)
    assert near.site_id == site.id and abs(near.site_distance_m - 1000) < 2
    assert later_inside.site_id is None
    version_before = inside.version

    r = await client.patch(
        f"/api/v1/sites/{site.id}",
        json={"boundary": square(*west, 500)},
        headers=auth(app, admin) | {"If-Match": '"1"'},
    )
    assert r.status_code == 200, r.text
    assert r.headers["etag"] == '"2"'

    houses = {
        h.id: h
        for h in await session.scalars(
            select(BoardingHouse).execution_options(populate_existing=True)
        )
    }
    assert houses[inside.id].site_id is None  # now 4.5 km away: beyond 2 km
    assert houses[near.id].site_id is None
    assert houses[later_inside.id].site_id == site.id
    assert houses[later_inside.id].site_distance_m == 0
    assert houses[inside.id].version == version_before + 1
    moved = await session.scalars(
        select(AuditEvent.object_id).where(AuditEvent.action == "boarding_house.site_reassigned")
    )
    assert set(moved.all()) == {str(inside.id), str(near.id), str(later_inside.id)}
    # Phones' caches learn about each of them (before and after the move).
    logged = await session.scalars(
        select(RegistryChange.object_id).where(RegistryChange.object_type == "boarding_house")
    )
    logged = list(logged.all())
    assert logged.count(inside.id) >= 3  # created, before the move, after it


async def test_deleting_a_site_reassigns_its_houses_to_the_next_one(app, client, session):
    admin = await make_user(session)
    ward = await make_ward(session)
    big = await make_site(session, lon=A[0], lat=A[1], half_m=3000, kind="economic_zone")
    small = await make_site(session, lon=A[0], lat=A[1], half_m=300, kind="industrial_cluster")
    house = await make_house(session, admin_unit=ward, lon=A[0], lat=A[1])
    await session.commit()
    assert house.site_id == small.id  # the more specific of two containing sites
    h = auth(app, admin)

    r = await client.delete(f"/api/v1/sites/{small.id}", params={"reason": "sáp nhập"}, headers=h)
    assert (r.status_code, r.json()["code"]) == (428, "precondition_required")
    r = await client.delete(
        f"/api/v1/sites/{small.id}", params={"reason": "sáp nhập"}, headers=h | {"If-Match": '"7"'}
    )
    assert r.status_code == 412
    assert r.json()["current_version"] == 1 and r.json()["current"]["code"] == small.code
    r = await client.delete(
        f"/api/v1/sites/{small.id}",
        params={"reason": "sáp nhập vào KKT"},
        headers=h | {"If-Match": '"1"'},
    )
    assert r.status_code == 204, r.text

    assert (await client.get(f"/api/v1/sites/{small.id}", headers=h)).status_code == 404
    listed = (await client.get("/api/v1/sites", headers=h)).json()["items"]
    assert [s["id"] for s in listed] == [str(big.id)]
    await session.refresh(house)
    assert house.site_id == big.id
    event = (
        await session.scalars(select(AuditEvent).where(AuditEvent.action == "site.delete"))
    ).one()
    assert event.detail["reason"] == "sáp nhập vào KKT"
    assert event.detail["houses_reassigned"] == [str(house.id)]


async def test_a_site_with_enterprises_cannot_be_deleted(app, client, session):
    admin = await make_user(session)
    site = await make_site(session)
    await make_enterprise(session, site=site)
    await session.commit()
    r = await client.delete(
        f"/api/v1/sites/{site.id}",
        params={"reason": "giải thể"},
        headers=auth(app, admin) | {"If-Match": '"1"'},
    )
    assert (r.status_code, r.json()["code"]) == (409, "has_enterprises")


async def test_stale_update_is_412_with_the_current_version(app, client, session):
    admin = await make_user(session)
    site = await make_site(session, name="KCN Cũ")
    await session.commit()
    h = auth(app, admin)
    r = await client.patch(
        f"/api/v1/sites/{site.id}", json={"name": "KCN Mới"}, headers=h | {"If-Match": '"1"'}
    )
    assert r.status_code == 200
    r = await client.patch(
        f"/api/v1/sites/{site.id}", json={"name": "KCN Khác"}, headers=h | {"If-Match": '"1"'}
    )
    assert r.status_code == 412
    problem = r.json()
    assert problem["code"] == "precondition_failed"
    assert problem["current_version"] == 2 and problem["current_etag"] == '"2"'
    assert problem["current"]["name"] == "KCN Mới"
    r = await client.patch(f"/api/v1/sites/{site.id}", json={"name": "KCN Khác"}, headers=h)
    assert r.status_code == 428


async def test_required_fields_cannot_be_cleared(app, client, session):
    admin = await make_user(session)
    site = await make_site(session)
    await session.commit()
    r = await client.patch(
        f"/api/v1/sites/{site.id}",
        json={"boundary": None, "name": None},
        headers=auth(app, admin) | {"If-Match": '"1"'},
    )
    assert r.status_code == 422
    assert {(e["field"], e["code"]) for e in r.json()["errors"]} == {
        ("name", "required"),
        ("boundary", "required"),
    }

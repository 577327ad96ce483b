"""Boarding houses through the API: validation, site assignment, ETags, soft delete."""

from sqlalchemy import select

from backend.models import AuditEvent, BoardingHouse, RegistryChange
from tests.factories import auth, make_user
from tests.factories_registry import (
    make_enterprise,
    make_house,
    make_site,
    make_ward,
    offset,
)

A = (106.75, 10.90)


async def _setup(session):
    admin = await make_user(session)
    ward = await make_ward(session)
    site = await make_site(session, lon=A[0], lat=A[1], half_m=500)
    await session.commit()
    return admin, ward, site


def _body(ward, lon=A[0], lat=A[1], **extra):
    return {
        "code": "NT-001",
        "name": "Nhà trọ Hòa Bình",
        "address": "12 đường Độc Lập",
        "admin_unit_id": str(ward.id),
        "lat": lat,
        "lon": lon,
        **extra,
    }


async def test_create_assigns_containing_nearest_or_no_site(app, client, session):
    admin, ward, site = await _setup(session)
    h = auth(app, admin)
    r = await client.post("/api/v1/houses", json=_body(ward), headers=h)
    assert r.status_code == 201, r.text
    house = r.json()
    assert (house["site_id"], house["site_distance_m"]) == (str(site.id), 0.0)
    assert r.headers["etag"] == '"1"'
    assert "checkpoint_token" not in house and house["checkpoint_id"]

    lon, lat = offset(*A, north_m=2300)  # 1.8 km beyond the north edge: within 2 km
    r = await client.post("/api/v1/houses", json=_body(ward, lon, lat, code="NT-2"), headers=h)
    assert r.json()["site_id"] == str(site.id)
    assert abs(r.json()["site_distance_m"] - 1800) < 3

    lon, lat = offset(*A, north_m=2700)  # 2.2 km: too far
    r = await client.post("/api/v1/houses", json=_body(ward, lon, lat, code="NT-3"), headers=h)
    assert (r.json()["site_id"], r.json()["site_distance_m"]) == (None, None)


async def test_moving_a_house_recomputes_its_site(app, client, session):
    admin, ward, site = await _setup(session)
    house = await make_house(session, admin_unit=ward, lon=A[0], lat=A[1])
    await session.commit()
    far = offset(*A, east_m=20_000)
    r = await client.patch(
        f"/api/v1/houses/{house.id}",
        json={"lat": far[1], "lon": far[0]},
        headers=auth(app, admin) | {"If-Match": '"1"'},
    )
    assert r.status_code == 200, r.text
    assert r.json()["site_id"] is None and r.headers["etag"] == '"2"'
    r = await client.patch(
        f"/api/v1/houses/{house.id}",
        json={"lon": A[0], "lat": A[1]},
        headers=auth(app, admin) | {"If-Match": '"2"'},
    )
    assert r.json()["site_id"] == str(site.id)


async def test_bad_input_names_every_field(app, client, session):
    admin, ward, _ = await _setup(session)
    h = auth(app, admin)
    body = _body(ward, lon=100.5, lat=13.75, landlord_phone="12345", code=" ")
    r = await client.post("/api/v1/houses", json=body, headers=h)
    assert r.status_code == 422
    assert r.json()["code"] == "validation_error"
    assert {(e["field"], e["code"]) for e in r.json()["errors"]} == {
        ("code", "required"),
        ("landlord_phone", "invalid_phone"),
        ("lat", "outside_vietnam"),
        ("lon", "outside_vietnam"),
    }
    # lat and lon swapped: a hint says so
    r = await client.post("/api/v1/houses", json=_body(ward, lon=A[1], lat=A[0]), headers=h)
    assert r.status_code == 422 and "đảo" in r.json()["errors"][0]["message"]
    import uuid

    r = await client.post(
        "/api/v1/houses", json=_body(ward, admin_unit_id=str(uuid.uuid4())), headers=h
    )
    assert (r.status_code, r.json()["code"]) == (422, "unknown_unit")
    r = await client.post("/api/v1/houses", json=_body(ward, rooms=-1), headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body.rooms"
    r = await client.post("/api/v1/houses", json=_body(ward, status="open"), headers=h)
    assert r.status_code == 422
    r = await client.post("/api/v1/houses", json=_body(ward, extra_field=1), headers=h)
    assert r.status_code == 422


async def test_phone_normalised_and_code_unique(app, client, session):
    admin, ward, _ = await _setup(session)
    h = auth(app, admin)
    r = await client.post(
        "/api/v1/houses", json=_body(ward, landlord_phone="0912 345 678"), headers=h
    )
    assert r.json()["landlord_phone"] == "+84912345678"
    r = await client.post("/api/v1/houses", json=_body(ward), headers=h)
    assert (r.status_code, r.json()["code"]) == (409, "code_taken")


async def test_employers(app, client, session):
    admin, ward, site = await _setup(session)
    e1 = await make_enterprise(session, site=site)
    e2 = await make_enterprise(session, site=site)
    await session.commit()
    h = auth(app, admin)
    r = await client.post(
        "/api/v1/houses", json=_body(ward, employer_ids=[str(e1.id), str(e2.id)]), headers=h
    )
    assert sorted(r.json()["employer_ids"]) == sorted([str(e1.id), str(e2.id)])
    house_id = r.json()["id"]
    r = await client.delete(
        f"/api/v1/enterprises/{e2.id}",
        params={"reason": "giải thể"},
        headers=h | {"If-Match": '"1"'},
    )
    assert r.status_code == 204
    r = await client.get(f"/api/v1/houses/{house_id}", headers=h)
    assert r.json()["employer_ids"] == [str(e1.id)]


async def test_stale_write_412_and_soft_delete(app, client, session):
    admin, ward, _ = await _setup(session)
    house = await make_house(session, admin_unit=ward, name="Nhà trọ Cô Ba")
    await session.commit()
    h = auth(app, admin)
    path = f"/api/v1/houses/{house.id}"
    r = await client.patch(path, json={"tenant_count": 30}, headers=h | {"If-Match": '"1"'})
    assert r.status_code == 200 and r.json()["tenant_count"] == 30
    r = await client.patch(path, json={"tenant_count": 31}, headers=h | {"If-Match": '"1"'})
    assert r.status_code == 412
    assert r.json()["current_version"] == 2
    assert r.json()["current"]["tenant_count"] == 30

    r = await client.delete(path, params={"reason": "x"}, headers=h | {"If-Match": '"2"'})
    assert r.status_code == 422  # a reason of a few words, at least
    r = await client.delete(
        path, params={"reason": "chủ nhà ngừng cho thuê"}, headers=h | {"If-Match": '"2"'}
    )
    assert r.status_code == 204
    assert (await client.get(path, headers=h)).status_code == 404
    listed = (await client.get("/api/v1/houses", headers=h)).json()["items"]
    assert str(house.id) not in {x["id"] for x in listed}
    r = await client.patch(path, json={"tenant_count": 1}, headers=h | {"If-Match": '"3"'})
    assert r.status_code == 404

    row = await session.get(BoardingHouse, house.id, populate_existing=True)
    assert row.deleted_at is not None and row.delete_reason == "chủ nhà ngừng cho thuê"
    actions = (
        await session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.object_id == str(house.id))
            .order_by(AuditEvent.id)
        )
    ).all()
    assert actions == ["boarding_house.create", "boarding_house.update", "boarding_house.delete"]
    changes = (
        await session.scalars(select(RegistryChange).where(RegistryChange.object_id == house.id))
    ).all()
    assert len(changes) >= 4  # create, update, before and after the delete


async def test_token_never_in_json(app, client, session):
    admin, ward, _ = await _setup(session)
    house = await make_house(session, admin_unit=ward)
    await session.commit()
    h = auth(app, admin)
    for path in (
        f"/api/v1/houses/{house.id}",
        "/api/v1/houses",
        "/api/v1/houses/geojson",
    ):
        r = await client.get(path, headers=h)
        assert r.status_code == 200
        assert house.checkpoint_token not in r.text
        assert str(house.checkpoint_id) in r.text
    audit = (await session.scalars(select(AuditEvent.after))).all()
    assert all(house.checkpoint_token not in str(a) for a in audit)

"""Enterprises through the API: tax codes, sites, ETags, soft delete."""

from sqlalchemy import select

from backend.models import AuditEvent
from tests.factories import auth


async def test_create_update_delete(app, client, session, world):
    h = auth(app, world.officer_x)
    body = {
        "name": "Công ty CP May Đức Giang",
        "site_id": str(world.site_a.id),
        "tax_code": "0100101308 001",
        "sector": "Dệt may",
        "headcount": 1200,
    }
    r = await client.post("/api/v1/enterprises", json=body, headers=h)
    assert r.status_code == 201, r.text
    enterprise = r.json()
    assert enterprise["tax_code"] == "0100101308-001"
    assert r.headers["etag"] == '"1"'
    path = f"/api/v1/enterprises/{enterprise['id']}"

    r = await client.patch(path, json={"headcount": 1500}, headers=h | {"If-Match": '"1"'})
    assert r.status_code == 200 and r.json()["headcount"] == 1500
    r = await client.patch(path, json={"headcount": 1}, headers=h | {"If-Match": '"1"'})
    assert r.status_code == 412 and r.json()["current"]["headcount"] == 1500
    # Moving it to a site the officer cannot see: that site is unknown to them.
    r = await client.patch(
        path, json={"site_id": str(world.site_b.id)}, headers=h | {"If-Match": '"2"'}
    )
    assert (r.status_code, r.json()["code"]) == (422, "unknown_site")

    r = await client.delete(path, params={"reason": "giải thể"}, headers=h | {"If-Match": '"2"'})
    assert r.status_code == 204
    assert (await client.get(path, headers=h)).status_code == 404
    events = (
        await session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.object_id == enterprise["id"])
            .order_by(AuditEvent.id)
        )
    ).all()
    assert events == ["enterprise.create", "enterprise.update", "enterprise.delete"]


async def test_tax_code_rules(app, client, world):
    h = auth(app, world.admin)
    base = {"name": "Công ty A", "site_id": str(world.site_a.id)}
    for bad in ("123", "01001013081", "0100101308-01", "MST0100101308"):
        r = await client.post("/api/v1/enterprises", json=base | {"tax_code": bad}, headers=h)
        assert (r.status_code, r.json()["code"]) == (422, "invalid_tax_code"), bad
        assert r.json()["errors"][0]["field"] == "tax_code"
    r = await client.post(
        "/api/v1/enterprises", json=base | {"tax_code": world.e_a.tax_code}, headers=h
    )
    assert (r.status_code, r.json()["code"]) == (409, "tax_code_taken")


async def test_officer_must_file_it_in_a_site(app, client, world):
    r = await client.post(
        "/api/v1/enterprises", json={"name": "Công ty B"}, headers=auth(app, world.officer_x)
    )
    assert r.status_code == 422 and r.json()["errors"][0] == {
        **r.json()["errors"][0],
        "field": "site_id",
        "code": "required",
    }
    # The city may register one before its site exists.
    r = await client.post(
        "/api/v1/enterprises", json={"name": "Công ty B"}, headers=auth(app, world.city_officer)
    )
    assert r.status_code == 201

"""Police jurisdictions: admins assign them; escalation routing asks who answers where."""

from sqlalchemy import select

from backend.models import AdminUnit, AuditEvent
from backend.teams.jurisdictions import liaisons_for, liaisons_up_the_tree
from tests.factories import auth, make_unit, make_user
from tests.factories_teams import make_liaison, make_site

URL = "/api/v1/police-jurisdictions"


async def test_admin_assigns_and_removes_a_site(app, client, session, world):
    headers = auth(app, world.admin)
    body = {"user_id": str(world.police_a.id), "site_id": str(world.site_a.id)}
    r = await client.post(URL, headers=headers, json=body)
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["site_id"] == str(world.site_a.id) and created["admin_unit_id"] is None
    r = await client.post(URL, headers=headers, json=body)
    assert r.status_code == 409 and r.json()["code"] == "jurisdiction_exists"
    r = await client.get(URL, headers=headers, params={"user_id": str(world.police_a.id)})
    assert {j["site_id"] or j["admin_unit_id"] for j in r.json()["items"]} == {
        str(world.site_a.id),
        str(world.ward_a.id),
    }
    r = await client.delete(f"{URL}/{created['id']}", headers=headers)
    assert r.status_code == 204
    assert (await client.get(f"{URL}/{created['id']}", headers=headers)).status_code == 404
    actions = (
        await session.scalars(
            select(AuditEvent.action).where(AuditEvent.object_id == created["id"])
        )
    ).all()
    assert sorted(actions) == ["police_jurisdiction.create", "police_jurisdiction.delete"]


async def test_who_reads_and_who_writes(app, client, session, world):
    other_police = await make_liaison(session, admin_units=[world.ward_b])
    await session.commit()
    mine = (await client.get(URL, headers=auth(app, world.police_a))).json()["items"]
    assert [j["user_id"] for j in mine] == [str(world.police_a.id)]
    theirs = (await client.get(URL, headers=auth(app, other_police))).json()["items"]
    assert [j["admin_unit_id"] for j in theirs] == [str(world.ward_b.id)]
    # Another liaison's jurisdiction is not found, on read and on write.
    r = await client.get(f"{URL}/{mine[0]['id']}", headers=auth(app, other_police))
    assert r.status_code == 404
    r = await client.delete(f"{URL}/{mine[0]['id']}", headers=auth(app, other_police))
    assert r.status_code == 403  # only admins write
    all_rows = (await client.get(URL, headers=auth(app, world.officer_x))).json()["items"]
    assert len(all_rows) == 2
    for who in ("leader_a", "member_a"):
        assert (await client.get(URL, headers=auth(app, getattr(world, who)))).status_code == 403
    body = {"user_id": str(world.police_a.id), "admin_unit_id": str(world.ward_b.id)}
    for who in ("officer_x", "city_officer", "police_a"):
        r = await client.post(URL, headers=auth(app, getattr(world, who)), json=body)
        assert r.status_code == 403, who


async def test_bad_input(app, client, world):
    headers = auth(app, world.admin)
    cases = [
        ({"user_id": str(world.leader_a.id), "admin_unit_id": str(world.ward_b.id)}, "user_id"),
        (
            {
                "user_id": str(world.police_a.id),
                "admin_unit_id": str(world.ward_b.id),
                "site_id": str(world.site_a.id),
            },
            "site_id",
        ),
        ({"user_id": str(world.police_a.id)}, "admin_unit_id"),
        ({"user_id": str(world.police_a.id), "site_id": str(world.ward_b.id)}, "site_id"),
    ]
    for body, field in cases:
        r = await client.post(URL, headers=headers, json=body)
        assert r.status_code == 422, body
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["errors"][0]["field"] == field


async def test_routing_walks_up_the_admin_tree(session, world):
    district = await make_unit(session, AdminUnit, "Quận 7 (cũ)", parent=world.city)
    ward_c = await make_unit(session, AdminUnit, "Phường Tân Phong", parent=district)
    city_police = await make_liaison(session, admin_units=[world.city])
    district_police = await make_liaison(session, admin_units=[district])
    site_police = await make_liaison(session, sites=[world.site_a])
    retired = await make_user(session, role="police_liaison", units=[ward_c], active=False)
    bare_site = await make_site(session, admin_units=[world.ward_a, ward_c])
    await session.commit()

    assert await liaisons_for(session, admin_unit_id=ward_c.id) == []  # the retired one is out
    assert retired.id  # (kept for clarity: inactive accounts are never routed to)
    assert [u.id for u in await liaisons_for(session, admin_unit_id=world.ward_a.id)] == [
        world.police_a.id
    ]
    up = await liaisons_up_the_tree(session, admin_unit_id=ward_c.id)
    assert [u.id for u in up] == [district_police.id]
    up = await liaisons_up_the_tree(session, admin_unit_id=world.ward_b.id)
    assert [u.id for u in up] == [city_police.id]
    up = await liaisons_up_the_tree(session, site_id=world.site_a.id)
    assert [u.id for u in up] == [site_police.id]
    # A site without its own liaison: the deepest of its wards' chains that has anyone.
    up = await liaisons_up_the_tree(session, site_id=bare_site.id)
    assert [u.id for u in up] == [world.police_a.id]


async def test_routing_endpoint(app, client, world):
    r = await client.get(
        f"{URL}/liaisons",
        headers=auth(app, world.officer_x),
        params={"admin_unit_id": str(world.ward_a.id)},
    )
    assert r.status_code == 200
    assert [u["id"] for u in r.json()["items"]] == [str(world.police_a.id)]
    r = await client.get(f"{URL}/liaisons", headers=auth(app, world.officer_x))
    assert r.status_code == 422 and r.json()["code"] == "admin_unit_or_site"


async def test_a_site_jurisdiction_is_scoped_like_its_site(app, client, session, world):
    # site_a belongs to union X: officer Y gets 404 on the site, so on its jurisdiction too.
    site_police = await make_liaison(session, sites=[world.site_a])
    await session.commit()
    [row] = (
        await client.get(
            URL, headers=auth(app, world.admin), params={"user_id": str(site_police.id)}
        )
    ).json()["items"]
    y, x = auth(app, world.officer_y), auth(app, world.officer_x)
    assert (await client.get(f"/api/v1/sites/{world.site_a.id}", headers=y)).status_code == 404
    assert (await client.get(f"{URL}/{row['id']}", headers=y)).status_code == 404
    listed = (await client.get(URL, headers=y)).json()["items"]
    assert row["id"] not in {j["id"] for j in listed}
    r = await client.get(f"{URL}/liaisons", headers=y, params={"site_id": str(world.site_a.id)})
    assert r.status_code == 404
    # The officer whose subtree holds the site still finds whom to call; ward rows stay visible.
    assert (await client.get(f"{URL}/{row['id']}", headers=x)).status_code == 200
    assert any(j["admin_unit_id"] == str(world.ward_a.id) for j in listed)

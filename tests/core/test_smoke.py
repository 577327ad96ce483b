from backend.models import AdminUnit
from tests.factories import auth, make_unit, make_user


async def test_admin_lists_units(app, client, session):
    admin = await make_user(session)
    city = await make_unit(session, AdminUnit, "Thành phố Hồ Chí Minh")
    await make_unit(session, AdminUnit, "Phường Dĩ An", parent=city)
    await session.commit()
    r = await client.get("/api/v1/admin-units", headers=auth(app, admin))
    assert r.status_code == 200, r.text
    assert [u["name"] for u in r.json()["items"]] == ["Thành phố Hồ Chí Minh", "Phường Dĩ An"]

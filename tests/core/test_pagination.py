"""The page size cap comes from the settings of the app that serves the request."""

import httpx

from backend.main import create_app
from tests.factories import auth, make_user


async def test_page_size_cap_is_the_apps_own(settings, session):
    admin = await make_user(session)
    for _ in range(4):
        await make_user(session, role="team_member")
    await session.commit()
    app = create_app(settings.model_copy(update={"page_limit_max": 3}))
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            h = auth(app, admin)
            capped = await client.get("/api/v1/users", headers=h)  # default 50, capped at 3
            assert capped.status_code == 200, capped.text
            assert len(capped.json()["items"]) == 3 and capped.json()["next_cursor"]
            asked = await client.get("/api/v1/users", params={"limit": 2}, headers=h)
            assert len(asked.json()["items"]) == 2
            bad = await client.get("/api/v1/users", params={"limit": 0}, headers=h)
            assert bad.status_code == 422 and bad.json()["code"] == "validation_error"
    finally:
        await app.state.engine.dispose()

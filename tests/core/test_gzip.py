"""Answers are gzipped when the client asks (phones on slow networks), streams never are."""

from tests.factories import auth, make_user
from tests.monitoring.factories import make_house, make_world

GZIP = {"Accept-Encoding": "gzip"}


async def test_json_is_gzipped_when_asked(app, client, session):
    user = await make_user(session)
    await session.commit()
    headers = auth(app, user)
    plain = await client.get(
        "/api/v1/incident-categories", headers={**headers, "Accept-Encoding": "identity"}
    )
    assert plain.status_code == 200
    assert len(plain.content) > 1024  # over the default minimum size
    assert "content-encoding" not in plain.headers

    zipped = await client.get("/api/v1/incident-categories", headers={**headers, **GZIP})
    assert zipped.headers["content-encoding"] == "gzip"
    assert "accept-encoding" in zipped.headers["vary"].lower()
    assert int(zipped.headers["content-length"]) < len(plain.content) / 3
    assert zipped.json() == plain.json()  # httpx inflates it


async def test_small_answers_and_csv_streams_are_not_gzipped(app, client, session):
    w = await make_world(session)
    await make_house(session, ward=w.ward_a, team=w.team1)
    await session.commit()
    headers = {**auth(app, w.officer1), **GZIP}
    small = await client.get("/api/v1/me", headers=headers)
    assert small.status_code == 200
    assert "content-encoding" not in small.headers

    export = await client.get("/api/v1/exports/houses", headers=headers)
    assert export.status_code == 200, export.text
    assert export.headers["content-type"].startswith("text/csv")
    assert "content-encoding" not in export.headers  # streamed as written


async def test_gzip_can_be_turned_off(settings):
    import httpx

    from backend.main import create_app

    app = create_app(settings.model_copy(update={"gzip_minimum_size": 0}))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as client:
        r = await client.get("/openapi.json", headers=GZIP)
    assert r.status_code == 200
    assert "content-encoding" not in r.headers

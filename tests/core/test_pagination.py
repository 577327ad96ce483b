"""The page size cap comes from the settings of the app that serves the request."""

import uuid
from datetime import UTC, datetime, timedelta, timezone

import httpx
import pytest

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


def test_page_of_walks_a_short_list_by_key_and_refuses_a_foreign_cursor():
    from backend.core.errors import Invalid
    from backend.core.pagination import encode_cursor, page_of

    rows = [{"order": n % 3, "code": f"c{n}"} for n in range(7)]

    def key(row):
        return (row["order"], row["code"])

    seen, cursor = [], None
    while True:
        page = page_of(rows, cursor=cursor, limit=3, key=key)
        seen += [r["code"] for r in page.items]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == [r["code"] for r in sorted(rows, key=key)]
    # A row removed between two pages does not move the next page back.
    first = page_of(rows, cursor=None, limit=2, key=key)
    shorter = [r for r in rows if r is not first.items[-1]]
    after = page_of(shorter, cursor=first.next_cursor, limit=50, key=key)
    assert [r["code"] for r in after.items] == seen[2:]
    with pytest.raises(Invalid):
        page_of(rows, cursor=encode_cursor(["x", 1]), limit=2, key=key)


async def test_periodic_reports_list_has_a_cursor(client, app, session):
    admin = await make_user(session)
    await session.commit()
    r = await client.get("/api/v1/periodic-reports", params={"limit": 1}, headers=auth(app, admin))
    assert r.status_code == 200, r.text
    assert r.json() == {"items": [], "next_cursor": None}
    bad = await client.get(
        "/api/v1/periodic-reports", params={"cursor": "bm9wZQ"}, headers=auth(app, admin)
    )
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_cursor"


async def test_short_lists_page_by_cursor_too(client, app, session):
    admin = await make_user(session)
    await session.commit()
    h = auth(app, admin)
    whole = (
        await client.get("/api/v1/incident-categories", params={"limit": 200}, headers=h)
    ).json()
    assert whole["next_cursor"] is None and len(whole["items"]) > 5
    codes, cursor = [], None
    while True:
        params = {"limit": 4, **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/api/v1/incident-categories", params=params, headers=h)).json()
        codes += [c["code"] for c in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert codes == [c["code"] for c in whole["items"]]


@pytest.mark.parametrize(
    "moment",
    ["2026-11-20T12:00:00", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"],
    ids=["no offset", "before year 1 in UTC", "after year 9999 in UTC"],
)
def test_a_cursor_moment_never_issued_is_refused(moment):
    from backend.core.errors import Invalid
    from backend.core.pagination import decode_keys, encode_cursor

    forged = encode_cursor([moment, "00000000-0000-0000-0000-000000000001"])
    with pytest.raises(Invalid) as refused:
        decode_keys(forged, datetime.fromisoformat, uuid.UUID)
    assert refused.value.code == "invalid_cursor"


def test_a_cursor_moment_comes_back_in_utc():
    from backend.core.pagination import decode_keys, encode_cursor

    issued = datetime(2026, 11, 20, 5, 0, tzinfo=UTC)
    cursor = encode_cursor([issued.astimezone(timezone(timedelta(hours=7))).isoformat()])
    (moment,) = decode_keys(cursor, datetime.fromisoformat)
    assert moment == issued and moment.tzinfo is UTC

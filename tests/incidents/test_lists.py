"""Lists and feeds: my team's, the union subtree, the police queue, filters, search, `since`."""

import pytest

from backend.core.pagination import encode_cursor
from tests.factories import auth
from tests.incidents.world import act, report


async def _ids(client, app, user, url="/api/v1/incidents", **params):
    r = await client.get(url, params=params, headers=auth(app, user))
    assert r.status_code == 200, r.text
    return [i["id"] for i in r.json()["items"]]


async def test_each_sees_their_own_list(app, client, city):
    a = (await report(client, app, city.member_a)).json()["id"]
    b = (await report(client, app, city.leader_b)).json()["id"]
    draft = (await report(client, app, city.member_a, submit=False)).json()["id"]
    assert set(await _ids(client, app, city.member_a2)) == {a, draft}  # my team's
    assert set(await _ids(client, app, city.leader_b)) == {b}
    assert set(await _ids(client, app, city.officer_gx)) == {a}  # subtree, no drafts
    assert set(await _ids(client, app, city.officer_y)) == {b}
    assert set(await _ids(client, app, city.city_officer)) == {a, b}
    assert set(await _ids(client, app, city.police_a1)) == {a}  # jurisdiction
    assert set(await _ids(client, app, city.police_d)) == {a}  # district above ward A
    assert set(await _ids(client, app, city.police_b)) == {b}
    # A union officer can narrow to a part of their subtree.
    assert await _ids(client, app, city.city_officer, union_unit_id=str(city.union_y.id)) == [b]


async def test_filters_and_search(app, client, city):
    theft = (await report(client, app, city.member_a, place_text="Hẻm 12 Nguyễn Văn Linh")).json()[
        "id"
    ]
    fire = (
        await report(
            client,
            app,
            city.member_a,
            category="fire_safety",
            subtype="electrical",
            severity=2,
            summary="Dây điện chập cháy ở dãy trọ",
            house_id=str(city.house_a.id),
            occurred_at="2026-11-01T08:00:00+07:00",
        )
    ).json()["id"]
    u = city.officer_gx
    assert await _ids(client, app, u, category="fire_safety") == [fire]
    assert await _ids(client, app, u, severity=2) == [fire]
    assert set(await _ids(client, app, u, severity=[2, 3])) == {theft, fire}
    assert await _ids(client, app, u, site_id=str(city.site.id)) == [fire]
    assert await _ids(client, app, u, house_id=str(city.house_a.id)) == [fire]
    assert await _ids(client, app, u, occurred_to="2026-11-10T00:00:00+07:00") == [fire]
    assert await _ids(client, app, u, occurred_from="2026-11-10T00:00:00+07:00") == [theft]
    await act(client, app, u, theft, "triage")
    assert await _ids(client, app, u, status="triaged") == [theft]
    # Diacritics and case ignored; đ matches d; the house name is searchable too.
    assert await _ids(client, app, u, q="DAY DIEN chap") == [fire]
    assert await _ids(client, app, u, q="nguyen van linh") == [theft]
    assert await _ids(client, app, u, q="nha tro hoa binh") == [fire]
    assert await _ids(client, app, u, q="100%_") == []
    r = await client.get("/api/v1/incidents", params={"severity": "x"}, headers=auth(app, u))
    assert r.status_code == 422


async def test_pagination(app, client, city):
    made = [(await report(client, app, city.member_a)).json()["id"] for _ in range(5)]
    seen, cursor = [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        r = await client.get("/api/v1/incidents", params=params, headers=auth(app, city.leader_a))
        seen += [i["id"] for i in r.json()["items"]]
        cursor = r.json()["next_cursor"]
        if not cursor:
            break
    assert seen == list(reversed(made))
    r = await client.get(
        "/api/v1/incidents", params={"cursor": "garbage!"}, headers=auth(app, city.leader_a)
    )
    assert r.status_code == 422 and r.json()["code"] == "invalid_cursor"


async def test_police_queue_unacknowledged_first_by_deadline(app, client, city):
    p = city.police_a1
    sev3 = (await report(client, app, city.member_a, category="drugs", severity=3)).json()["id"]
    sev1 = (await report(client, app, city.member_a, severity=1)).json()["id"]
    sev2 = (await report(client, app, city.member_a, category="trafficking", severity=2)).json()
    acked = (await report(client, app, city.member_a, category="drugs", severity=1)).json()["id"]
    union_case = (await report(client, app, city.member_a)).json()["id"]
    await act(client, app, p, acked, "acknowledge")
    queue = await _ids(client, app, p, url="/api/v1/incidents/queue")
    assert queue == [sev1, sev2["id"], sev3, acked]  # 15 min, 1 h, 4 h, then acknowledged
    assert union_case not in queue
    pages, cursor = [], None
    while True:
        params = {"limit": 1, **({"cursor": cursor} if cursor else {})}
        r = await client.get("/api/v1/incidents/queue", params=params, headers=auth(app, p))
        pages += [i["id"] for i in r.json()["items"]]
        cursor = r.json()["next_cursor"]
        if not cursor:
            break
    assert pages == queue
    union_queue = await _ids(client, app, city.officer_gx, url="/api/v1/incidents/queue")
    assert union_queue == [union_case]
    r = await client.get("/api/v1/incidents/queue", headers=auth(app, city.member_a))
    assert r.status_code == 403


@pytest.fixture
def settings(settings):
    return settings.model_copy(update={"incident_feed_settle_seconds": 0})


async def test_changes_since_cursor(app, client, city):
    h = auth(app, city.member_a2)
    first = (await report(client, app, city.member_a)).json()["id"]
    r = await client.get("/api/v1/incidents/changes", headers=h)
    assert [i["id"] for i in r.json()["items"]] == [first]
    cursor = r.json()["next_cursor"]
    r = await client.get("/api/v1/incidents/changes", params={"since": cursor}, headers=h)
    assert r.json()["items"] == [] and r.json()["next_cursor"] == cursor
    second = (await report(client, app, city.member_a)).json()["id"]
    await act(client, app, city.officer_gx, first, "triage")
    r = await client.get("/api/v1/incidents/changes", params={"since": cursor}, headers=h)
    assert [i["id"] for i in r.json()["items"]] == [second, first]
    assert r.json()["items"][1]["status"] == "triaged"
    # The team of another ward hears nothing of it.
    r = await client.get("/api/v1/incidents/changes", headers=auth(app, city.leader_b))
    assert r.json()["items"] == []
    r = await client.get("/api/v1/incidents/changes", params={"since": "@@"}, headers=h)
    assert r.status_code == 422


@pytest.mark.parametrize(
    ("path", "who", "keys"),
    [
        ("/api/v1/incidents", "officer_x", 2),
        ("/api/v1/incidents/queue", "police_a1", 3),
        ("/api/v1/patrols", "leader_a", 2),
        ("/api/v1/awareness-sessions", "officer_x", 2),
    ],
)
async def test_a_naive_cursor_is_a_422_not_a_500(client, app, city, path, who, keys):
    values = ["2026-11-20T12:00:00", "00000000-0000-0000-0000-000000000001"]
    forged = encode_cursor([0, *values] if keys == 3 else values)
    r = await client.get(path, params={"cursor": forged}, headers=auth(app, getattr(city, who)))
    assert r.status_code == 422 and r.json()["code"] == "invalid_cursor", r.text


@pytest.mark.parametrize(
    ("path", "who", "param"),
    [
        ("/api/v1/incidents", "officer_x", "occurred_from"),
        ("/api/v1/patrols", "leader_a", "started_to"),
    ],
)
@pytest.mark.parametrize("moment", ["2026-11-20T12:00:00", "0001-01-01T00:00:00+14:00"])
async def test_a_time_filter_without_offset_or_calendar_is_a_422(
    client, app, city, path, who, param, moment
):
    r = await client.get(path, params={param: moment}, headers=auth(app, getattr(city, who)))
    assert r.status_code == 422 and r.json()["code"] == "validation_error", r.text
    ok = await client.get(
        path, params={param: "2026-11-20T19:00:00+07:00"}, headers=auth(app, getattr(city, who))
    )
    assert ok.status_code == 200, ok.text


async def test_numbers_past_any_column_are_a_422(client, app, city):
    """A severity, a row id or a cursor's number longer than 64 bits was a 500 where the
    driver bound it (found by schemathesis as a team leader)."""
    huge = 10**30
    h = auth(app, city.officer_x)
    for severity in (huge, 0, 5):
        r = await client.get("/api/v1/incidents", params={"severity": severity}, headers=h)
        assert r.status_code == 422 and r.json()["code"] == "validation_error", r.text
    iid = (await report(client, app, city.member_a)).json()["id"]
    r = await client.post(
        f"/api/v1/incidents/{iid}/comments",
        json={"text": "Đã xem", "reply_to_id": huge},
        headers=auth(app, city.member_a),
    )
    assert r.status_code == 422 and r.json()["code"] == "validation_error", r.text
    forged = encode_cursor([huge])
    r = await client.get(f"/api/v1/incidents/{iid}/timeline", params={"cursor": forged}, headers=h)
    assert r.status_code == 422 and r.json()["code"] == "invalid_cursor", r.text

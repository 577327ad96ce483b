"""Scope: outside it, every incident route answers 404 (read and write), never 403."""

import uuid

import pytest

from tests.factories import auth
from tests.incidents import media_samples as samples
from tests.incidents.world import body, report


def _routes(iid: str, aid: str):
    base = f"/api/v1/incidents/{iid}"
    return [
        ("GET", base, None, None),
        ("PUT", base, body(), None),
        ("POST", f"{base}/transitions", {"action": "triage"}, None),
        ("GET", f"{base}/timeline", None, None),
        ("POST", f"{base}/comments", {"text": "xin chào"}, None),
        ("POST", f"{base}/questions", {"text": "Ai báo tin?"}, None),
        ("POST", f"{base}/reveal-reporter", {"reason": "Muốn biết ai đã báo tin"}, None),
        ("GET", f"{base}/escalations", None, None),
        ("GET", f"{base}/attachments", None, None),
        ("PUT", f"{base}/attachments/{uuid.uuid4()}", None, samples.amr()),
        ("GET", f"{base}/attachments/{aid}/content", None, None),
    ]


async def _call(client, app, user, method, url, json, data):
    files = {"file": ("a.amr", data, "audio/amr")} if data else None
    return await client.request(method, url, json=json, files=files, headers=auth(app, user))


@pytest.mark.parametrize(
    "outsider", ["leader_b", "officer_y", "police_b", "member_a2_of_other_draft"]
)
async def test_every_route_is_404_outside_scope(app, client, city, outsider):
    if outsider == "member_a2_of_other_draft":
        # team B's draft: team A's member cannot see it, nor anyone outside team B
        r = await report(client, app, city.leader_b, submit=False)
        user = city.member_a2
    else:
        r = await report(client, app, city.member_a, protect_reporter=True, category="drugs")
        user = getattr(city, outsider)
    assert r.status_code == 201, r.text
    iid = r.json()["id"]
    aid = uuid.uuid4()
    await client.put(
        f"/api/v1/incidents/{iid}/attachments/{aid}",
        files={"file": ("a.amr", samples.amr(), "audio/amr")},
        headers=auth(
            app, city.leader_b if outsider == "member_a2_of_other_draft" else city.member_a
        ),
    )
    for method, url, json, data in _routes(iid, str(aid)):
        resp = await _call(client, app, user, method, url, json, data)
        assert resp.status_code == 404, (outsider, method, url, resp.status_code, resp.text)
        assert resp.json()["code"] == "not_found"


async def test_unknown_incident_is_404_for_everyone(app, client, city):
    for method, url, json, data in _routes(str(uuid.uuid4()), str(uuid.uuid4())):
        if method == "PUT" and json is not None:
            continue  # PUT of an unknown id creates it
        resp = await _call(client, app, city.admin, method, url, json, data)
        assert resp.status_code == 404, (method, url, resp.text)


async def test_in_scope_chain_sees_it(app, client, city):
    iid = (await report(client, app, city.member_a, house_id=str(city.house_a.id))).json()["id"]
    insiders = [
        city.member_a2,
        city.leader_a,
        city.officer_gx,
        city.officer_x,
        city.city_officer,
        city.admin,
        city.police_a1,
        city.police_d,
        city.police_site,
    ]
    for user in insiders:
        r = await client.get(f"/api/v1/incidents/{iid}", headers=auth(app, user))
        assert r.status_code == 200, user.role
    for user in (city.leader_b, city.officer_y, city.police_b):
        r = await client.get(f"/api/v1/incidents/{iid}", headers=auth(app, user))
        assert r.status_code == 404, user.role

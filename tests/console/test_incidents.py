"""The incident page and its actions: scope (404 page), police acknowledging, the sealed
reporter until break-glass, comments and questions, photos."""

import uuid

import pytest
from sqlalchemy import select

from backend.models import AuditEvent
from backend.models.incident import Escalation
from tests.console.conftest import csrf, sign_in
from tests.incidents.world import report, stored, timeline

PERSONS = [{"full_name": "Nguyễn Thị Lan", "role": "victim", "age": 19}]


async def trafficking(client, app, city) -> str:
    """A protected trafficking tip in ward A: it goes to ward A's police at once."""
    r = await report(
        client,
        app,
        city.member_a,
        category="trafficking",
        subtype="job_offer",
        severity=2,
        protect_reporter=True,
        persons_involved=PERSONS,
        house_id=str(city.house_a.id),
        summary="Môi giới việc làm đáng ngờ ở nhà trọ Hòa Bình",
    )
    assert r.status_code == 201, r.text
    return r.json()["id"]


async def theft(client, app, city) -> str:
    r = await report(client, app, city.member_a, house_id=str(city.house_a.id))
    assert r.status_code == 201, r.text
    return r.json()["id"]


@pytest.mark.parametrize(
    "outsider", ["officer_y", "police_b", "leader_b"], ids=["union", "police", "team"]
)
async def test_every_object_page_is_the_404_page_out_of_scope(client, app, city, outsider):
    iid = await trafficking(client, app, city)
    await sign_in(client, getattr(city, outsider))
    token = await csrf(client)
    for method, path, data in (
        ("get", f"/incidents/{iid}", None),
        ("get", f"/incidents/{iid}/photos/{uuid.uuid4()}", None),
        ("post", f"/incidents/{iid}/act", {"action": "acknowledge", "csrf_token": token}),
        ("post", f"/incidents/{iid}/comment", {"text": "xin chào", "csrf_token": token}),
        ("post", f"/incidents/{iid}/reveal", {"reason": "cần liên hệ", "csrf_token": token}),
    ):
        response = await getattr(client, method)(path, **({"data": data} if data else {}))
        assert response.status_code == 404, (path, response.status_code)
        assert "404" in response.text and "text/html" in response.headers["content-type"]
        assert "Hòa Bình" not in response.text
    unknown = await client.get(f"/incidents/{uuid.uuid4()}")
    assert unknown.status_code == 404 and "404" in unknown.text


async def test_police_queue_and_one_tap_acknowledge(client, app, city, session):
    iid = await trafficking(client, app, city)
    await sign_in(client, city.police_a1)
    home = await client.get("/")
    assert "Hàng chờ xử lý" in home.text and f'data-incident="{iid}"' in home.text
    assert "data-countdown" in home.text
    response = await client.post(
        f"/incidents/{iid}/act",
        data={"action": "acknowledge", "next": "/", "csrf_token": await csrf(client)},
    )
    assert response.status_code == 303 and response.headers["location"] == "/"
    assert (await stored(session, iid)).status == "acknowledged"
    entries = await timeline(session, iid)
    assert entries[-1].action == "acknowledge" and entries[-1].actor_id == city.police_a1.id


async def test_police_moves_and_conversation(client, app, city, session):
    iid = await trafficking(client, app, city)
    await sign_in(client, city.police_a1)
    token = await csrf(client)
    for data in (
        {"action": "acknowledge"},
        {"action": "start"},
        {"action": "resolve", "outcome": "handled", "outcome_note": "Đã làm việc"},
    ):
        r = await client.post(f"/incidents/{iid}/act", data={**data, "csrf_token": token})
        assert r.status_code == 303, r.text
    assert (await stored(session, iid)).status == "resolved"
    illegal = await client.post(
        f"/incidents/{iid}/act", data={"action": "acknowledge", "csrf_token": token}
    )
    assert illegal.status_code == 409 and "invalid_transition" in illegal.text
    r = await client.post(
        f"/incidents/{iid}/comment",
        data={"text": "Cho biết thêm giờ xảy ra?", "kind": "question", "csrf_token": token},
    )
    assert r.status_code == 303
    kinds = [e.kind for e in await timeline(session, iid)]
    assert "question" in kinds
    page = await client.get(f"/incidents/{iid}")
    assert "Cho biết thêm giờ xảy ra?" in page.text


async def test_protected_reporter_sealed_until_break_glass(client, app, city, session):
    iid = await trafficking(client, app, city)
    reporter = city.member_a.full_name
    for user in (city.officer_x, city.city_officer, city.admin):
        client.cookies.clear()
        await sign_in(client, user)
        page = await client.get(f"/incidents/{iid}")
        assert page.status_code == 200
        assert city.member_a.phone not in page.text and "Nguyễn Thị Lan" not in page.text
        assert "niêm phong" in page.text
    client.cookies.clear()
    await sign_in(client, city.police_a1)
    page = await client.get(f"/incidents/{iid}")
    assert city.member_a.phone not in page.text
    assert "Nguyễn Thị Lan" in page.text  # police see persons involved (an audited read)
    token = await csrf(client, f"/incidents/{iid}")
    refused = await client.post(f"/incidents/{iid}/reveal", data={"csrf_token": token})
    assert refused.status_code == 422  # the reason is mandatory
    revealed = await client.post(
        f"/incidents/{iid}/reveal",
        data={"reason": "Cần gặp người báo tin để bảo vệ", "csrf_token": token},
    )
    assert revealed.status_code == 200 and city.member_a.phone in revealed.text
    assert reporter in revealed.text
    audit = await session.scalar(
        select(AuditEvent).where(AuditEvent.action == "incident.break_glass")
    )
    assert audit is not None and audit.actor_id == city.police_a1.id
    again = await client.get(f"/incidents/{iid}")  # shown once: never kept in a page
    assert city.member_a.phone not in again.text and "Cần gặp người báo tin" in again.text


async def test_union_triage_and_escalate(client, app, city, session):
    iid = await theft(client, app, city)
    await sign_in(client, city.officer_gx)
    page = await client.get(f"/incidents/{iid}")
    assert 'value="triage"' in page.text and 'value="escalate"' in page.text
    token = await csrf(client)
    r = await client.post(f"/incidents/{iid}/act", data={"action": "triage", "csrf_token": token})
    assert r.status_code == 303
    r = await client.post(f"/incidents/{iid}/act", data={"action": "escalate", "csrf_token": token})
    assert r.status_code == 303
    assert (await stored(session, iid)).status == "escalated"


async def test_hand_on_to_a_colleague_from_the_list(client, app, city, session):
    iid = await trafficking(client, app, city)
    await sign_in(client, city.police_site)
    page = await client.get(f"/incidents/{iid}")
    assert f'<option value="{city.police_a1.id}">' in page.text  # a colleague of the ward
    assert f'<option value="{city.district1.id}">' in page.text  # up the tree
    response = await client.post(
        f"/incidents/{iid}/act",
        data={
            "action": "hand_on",
            "target_user_id": str(city.police_a1.id),
            "target_admin_unit_id": "",
            "csrf_token": await csrf(client),
        },
    )
    assert response.status_code == 303, response.text
    assert (await stored(session, iid)).status == "escalated"
    escalations = await session.scalars(
        select(Escalation).where(Escalation.incident_id == uuid.UUID(iid))
    )
    assert any(str(city.police_a1.id) in e.recipient_user_ids for e in escalations)

"""Commendations: who may record them, who sees them, corrections, duplicates, bad input."""

import uuid

from sqlalchemy import select

from backend.models import TeamMember
from tests.factories import auth
from tests.monitoring.factories import make_world

URL = "/api/v1/commendations"


def team_award(team, **overrides) -> dict:
    body = {
        "recipient_kind": "team",
        "team_id": str(team.id) if team else None,
        "level": "provincial",
        "form": "Bằng khen",
        "decision_number": "1234/QĐ-UBND",
        "decided_on": "2026-09-02",
        "issuing_body": "Ủy ban nhân dân Thành phố Hồ Chí Minh",
        "reason": "Có thành tích xuất sắc trong phong trào Toàn dân bảo vệ an ninh Tổ quốc",
    }
    body.update(overrides)
    return body


async def test_record_team_member_and_other_person(app, client, session):
    w = await make_world(session)
    member = (
        await session.scalars(select(TeamMember).where(TeamMember.user_id == w.leader1.id))
    ).one()
    await session.commit()
    h = auth(app, w.officer1)

    r = await client.post(URL, json=team_award(w.team1), headers=h)
    assert r.status_code == 201, r.text
    assert r.json()["team_id"] == str(w.team1.id) and r.headers["etag"] == '"1"'

    body = team_award(w.team1, recipient_kind="person", team_member_id=str(member.id))
    del body["team_id"]
    r = await client.post(URL, json=body, headers=h)
    assert r.status_code == 201, r.text
    assert r.json()["person_name"] == "Trần Văn Đức"
    assert r.json()["team_id"] == str(w.team1.id)  # recorded under the member's team

    landlord = team_award(
        w.team1,
        recipient_kind="person",
        team_id=None,
        union_unit_id=str(w.grassroots1.id),
        person_name="Bà Nguyễn Thị Đào",
        person_title="Chủ nhà trọ",
        level="commune",
        form="Giấy khen",
    )
    r = await client.post(URL, json=landlord, headers=h)
    assert r.status_code == 201, r.text

    r = await client.get(URL, params={"q": "nguyen thi dao"}, headers=h)
    assert [c["person_title"] for c in r.json()["items"]] == ["Chủ nhà trọ"]
    r = await client.get(URL, params={"recipient_kind": "team"}, headers=h)
    assert len(r.json()["items"]) == 1
    r = await client.get(URL, params={"q": "1234/QĐ"}, headers=h)
    assert len(r.json()["items"]) == 3


async def test_scope_on_read_and_write(app, client, session):
    w = await make_world(session)
    await session.commit()
    r = await client.post(URL, json=team_award(w.team1), headers=auth(app, w.city_officer))
    assert r.status_code == 201
    cid, etag = r.json()["id"], r.headers["etag"]

    for user in (w.admin, w.city_officer, w.officer1, w.leader1, w.member1, w.police_a):
        r = await client.get(f"{URL}/{cid}", headers=auth(app, user))
        assert r.status_code == 200, user.role
        assert len((await client.get(URL, headers=auth(app, user))).json()["items"]) == 1
    for user in (w.officer2, w.leader2, w.police_b):
        r = await client.get(f"{URL}/{cid}", headers=auth(app, user))
        assert r.status_code == 404, user.role
        assert (await client.get(URL, headers=auth(app, user))).json()["items"] == []

    h2 = {**auth(app, w.officer2), "If-Match": etag}
    assert (await client.patch(f"{URL}/{cid}", json={"form": "X"}, headers=h2)).status_code == 404
    r = await client.delete(f"{URL}/{cid}", params={"reason": "sai"}, headers=h2)
    assert r.status_code == 404
    # recording one for a team outside the subtree
    r = await client.post(URL, json=team_award(w.team1), headers=auth(app, w.officer2))
    assert r.status_code == 404
    # teams and police do not record commendations
    for user in (w.leader1, w.police_a):
        r = await client.post(URL, json=team_award(w.team1), headers=auth(app, user))
        assert r.status_code == 403, user.role


async def test_duplicates_corrections_and_withdrawal(app, client, session):
    w = await make_world(session)
    await session.commit()
    h = auth(app, w.officer1)
    r = await client.post(URL, json=team_award(w.team1), headers=h)
    cid = r.json()["id"]
    r = await client.post(URL, json=team_award(w.team1), headers=h)
    assert r.status_code == 409 and r.json()["code"] == "duplicate"

    r = await client.patch(
        f"{URL}/{cid}", json={"decision_number": "1235/QĐ-UBND"}, headers={**h, "If-Match": '"1"'}
    )
    assert r.status_code == 200 and r.json()["version"] == 2
    r = await client.patch(
        f"{URL}/{cid}", json={"level": "galactic"}, headers={**h, "If-Match": '"2"'}
    )
    assert r.status_code == 422
    r = await client.delete(f"{URL}/{cid}", params={"reason": "ghi nhầm"}, headers=h)
    assert r.status_code == 428
    r = await client.delete(
        f"{URL}/{cid}", params={"reason": "ghi nhầm"}, headers={**h, "If-Match": '"2"'}
    )
    assert r.status_code == 204
    assert (await client.get(f"{URL}/{cid}", headers=h)).status_code == 404
    # withdrawn, so the same decision can be recorded again
    r = await client.post(URL, json=team_award(w.team1, decision_number="1235/QĐ-UBND"), headers=h)
    assert r.status_code == 201


async def test_bad_input(app, client, session):
    w = await make_world(session)
    await session.commit()
    h = auth(app, w.officer1)
    cases = [
        team_award(w.team1, level="galactic"),
        team_award(w.team1, decided_on="02/09/2026"),
        team_award(w.team1, decision_number=""),
        team_award(w.team1, person_name="Ai đó"),  # a team award names no person
        team_award(w.team1, recipient_kind="person"),  # a person needs a name or member id
        team_award(None, team_id=None),
        team_award(
            w.team1, recipient_kind="person", person_name="A", union_unit_id=str(w.grassroots1.id)
        ),  # two holders
    ]
    for body in cases:
        r = await client.post(URL, json=body, headers=h)
        assert r.status_code == 422, (body, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["code"] == "validation_error"
    body = team_award(w.team1, recipient_kind="person", team_member_id=str(uuid.uuid4()))
    del body["team_id"]
    assert (await client.post(URL, json=body, headers=h)).status_code == 404
    r = await client.get(URL, params={"decided_from": "yesterday"}, headers=h)
    assert r.status_code == 422


async def test_union_subtree_filter_and_newest_first_pages(app, client, session):
    w = await make_world(session)
    await session.commit()
    admin = auth(app, w.admin)
    for team, day in ((w.team1, "2026-09-01"), (w.team1, "2026-09-03"), (w.team2, "2026-09-02")):
        award = team_award(team, decided_on=day, decision_number=f"{day}/QĐ")
        r = await client.post(URL, json=award, headers=admin)
        assert r.status_code == 201, r.text
    landlord = team_award(
        None,
        recipient_kind="person",
        union_unit_id=str(w.grassroots1.id),
        person_name="Bà Lê Thị Hoa",
        decided_on="2026-09-04",
        decision_number="2026-09-04/QĐ",
    )
    r = await client.post(URL, json=landlord, headers=admin)
    assert r.status_code == 201, r.text

    # district 1's subtree: its team's two and the one held by its grassroots union
    r = await client.get(URL, params={"union_unit_id": str(w.district1.id)}, headers=admin)
    days = [c["decided_on"] for c in r.json()["items"]]
    assert days == ["2026-09-04", "2026-09-03", "2026-09-01"]
    r = await client.get(URL, params={"union_unit_id": str(uuid.uuid4())}, headers=admin)
    assert r.json()["items"] == []

    seen, cursor = [], None
    while True:
        params = {"limit": 1} | ({"cursor": cursor} if cursor else {})
        page = (await client.get(URL, params=params, headers=admin)).json()
        seen += [c["decided_on"] for c in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == ["2026-09-04", "2026-09-03", "2026-09-02", "2026-09-01"]

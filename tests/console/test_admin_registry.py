"""Administration of the registry in the console: sites (uploaded or drawn boundary),
enterprises, houses, teams and members, QR sheets; police jurisdictions; webhooks and failed
deliveries. Each action goes through the services: checked, audited, errors on the form."""

import json
import re
import uuid

from sqlalchemy import select

from backend.models import (
    AuditEvent,
    BoardingHouse,
    Enterprise,
    Site,
    Team,
    TeamHouse,
    TeamMember,
    UserScope,
)
from backend.models.notification import NotificationDelivery, OutboxEvent, WebhookSubscription
from tests.console.conftest import csrf, sign_in

VERSION = re.compile(r'name="version" value="(\d+)"')
LON, LAT = 106.70, 10.85  # an empty patch of Thủ Đức: no site of the test city is there


def square(lon: float = LON, lat: float = LAT, d: float = 0.005) -> dict:
    ring = [[lon - d, lat - d], [lon + d, lat - d], [lon + d, lat + d], [lon - d, lat + d]]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


async def _post(client, path: str, data: dict, *, files=None):
    token = await csrf(client, "/admin/users")
    return await client.post(path, data={**data, "csrf_token": token}, files=files)


async def _version(client, path: str) -> str:
    """The version an edit form was read at (its hidden field)."""
    return VERSION.search((await client.get(path)).text).group(1)


async def _audited(session, action: str, object_id) -> bool:
    stmt = select(AuditEvent.id).where(
        AuditEvent.action == action, AuditEvent.object_id == str(object_id)
    )
    return await session.scalar(stmt) is not None


async def test_a_site_from_an_uploaded_geojson_file(client, city, session):
    await sign_in(client, city.admin)
    page = await client.get("/admin/sites")
    assert page.status_code == 200 and 'id="draw-map"' in page.text and city.site.name in page.text
    collection = {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "geometry": square(), "properties": {}}],
    }
    made = await _post(
        client,
        "/admin/sites",
        {
            "code": "KCN-LX",
            "name": "KCN Linh Xuân",
            "kind": "industrial_zone",
            "admin_unit_ids": str(city.ward_b.id),
        },
        files={
            "boundary_file": (
                "kcn.geojson",
                json.dumps(collection).encode(),
                "application/geo+json",
            )
        },
    )
    assert made.status_code == 303, made.text
    site = await session.scalar(select(Site).where(Site.code == "KCN-LX"))
    assert site.boundary["type"] == "Polygon" and await _audited(session, "site.create", site.id)
    shown = await client.get(made.headers["location"])
    assert "Đã thêm khu công nghiệp" in shown.text and "Phường Linh Xuân" in shown.text
    feature = (await client.get(f"/admin/sites/{site.id}/boundary.geojson")).json()
    assert feature["features"][0]["geometry"]["type"] == "Polygon"


async def test_a_drawn_boundary_and_bad_boundaries_on_the_form(client, city, session):
    await sign_in(client, city.admin)
    base = {"code": "KCN-V", "name": "KCN Vẽ", "kind": "industrial_cluster"}
    drawn = await _post(client, "/admin/sites", base | {"boundary": json.dumps(square())})
    assert drawn.status_code == 303
    # Outside Vietnam, self-crossing, not JSON, none at all: the form says so, nothing saved.
    bowtie = {
        "type": "Polygon",
        "coordinates": [
            [[106.7, 10.8], [106.71, 10.81], [106.71, 10.8], [106.7, 10.81], [106.7, 10.8]]
        ],
    }
    for boundary, words in (
        (json.dumps(square(lon=2.35, lat=48.85)), "ngoài lãnh thổ Việt Nam"),
        (json.dumps(bowtie), "Ranh giới"),
        ("{not json", "Ranh giới"),
        ("", "Thiếu thông tin bắt buộc"),
    ):
        page = await _post(client, "/admin/sites", base | {"code": "KCN-X", "boundary": boundary})
        assert page.status_code in (409, 422) and 'id="form-errors"' in page.text, boundary
        assert words in page.text, (boundary, page.text[:3000])
    assert await session.scalar(select(Site).where(Site.code == "KCN-X")) is None
    taken = await _post(client, "/admin/sites", base | {"boundary": json.dumps(square())})
    assert taken.status_code == 409 and "Mã đã được sử dụng" in taken.text
    site = await session.scalar(select(Site).where(Site.code == "KCN-V"))
    path = f"/admin/sites/{site.id}"
    form = {"name": "KCN Vẽ Lại", "kind": "industrial_zone"}
    renamed = await _post(client, path, form | {"version": await _version(client, path)})
    assert renamed.status_code == 303
    await session.refresh(site)
    assert site.name == "KCN Vẽ Lại" and site.boundary["type"] == "Polygon"  # kept


async def test_enterprises(client, city, session):
    await sign_in(client, city.admin)
    made = await _post(
        client,
        "/admin/enterprises",
        {
            "name": "Công ty Freetrend",
            "site_id": str(city.site.id),
            "tax_code": "0301234567",
            "headcount": "1200",
        },
    )
    assert made.status_code == 303
    row = await session.scalar(select(Enterprise).where(Enterprise.tax_code == "0301234567"))
    assert row.site_id == city.site.id and await _audited(session, "enterprise.create", row.id)
    bad = await _post(client, "/admin/enterprises", {"name": "Công ty B", "tax_code": "12ab"})
    assert bad.status_code == 422 and "Mã số thuế" in bad.text
    page = await client.get("/admin/enterprises")
    assert "Công ty Freetrend" in page.text and city.site.name in page.text


async def test_create_a_house_on_a_team_and_print_the_teams_qr_sheet(client, city, session):
    await sign_in(client, city.admin)
    made = await _post(
        client,
        "/admin/houses",
        {
            "code": "NT-MOI",
            "name": "Nhà trọ Bình An",
            "address": "12 Đường số 5",
            "admin_unit_id": str(city.ward_a.id),
            "lat": "10,76",
            "lon": "106.72",
            "landlord_name": "Bà Tư",
            "landlord_phone": "0909 111 222",
            "team_id": str(city.team_a.id),
        },
    )
    assert made.status_code == 303, made.text
    house = await session.scalar(select(BoardingHouse).where(BoardingHouse.code == "NT-MOI"))
    assert house.site_id == city.site.id  # the site follows from the location
    assert await _audited(session, "boarding_house.create", house.id)
    page = await client.get(made.headers["location"])
    assert city.team_a.name in page.text and house.checkpoint_token not in page.text
    read = await session.scalar(
        select(AuditEvent).where(
            AuditEvent.object_id == str(house.id), AuditEvent.action.like("personal%")
        )
    )
    assert read is not None  # the landlord's phone was shown: logged
    sheet = await client.get(f"/admin/teams/{city.team_a.id}/qr")
    # The team's three houses, one sticker each (the token is only inside the QR's drawing).
    assert sheet.status_code == 200 and sheet.text.count('class="card"') == 3
    assert ">NT-MOI<" in sheet.text and "<svg" in sheet.text
    assert "Nhà trọ Bình An" in sheet.text and "Nhà trọ Hòa Bình" in sheet.text
    assert "Nhà trọ Linh Trung" not in sheet.text  # team B's house
    assert "script-src" not in sheet.headers["content-security-policy"]
    assert sheet.headers["cache-control"] == "no-store"
    printed = await session.scalar(
        select(AuditEvent).where(AuditEvent.action == "boarding_house.checkpoint_printout")
    )
    assert str(house.id) in printed.detail["house_ids"]
    one = await client.get(f"/admin/houses/{house.id}/qr")
    assert one.text.count('class="card"') == 1 and ">NT-MOI<" in one.text
    index = await client.get("/admin/qr")
    assert f"/admin/teams/{city.team_a.id}/qr" in index.text
    bad = await _post(
        client,
        "/admin/houses",
        {
            "code": "NT-X",
            "name": "X",
            "address": "Y",
            "admin_unit_id": str(city.ward_a.id),
            "lat": "106.72",
            "lon": "10.76",
        },
    )
    assert bad.status_code == 422 and "ngoài lãnh thổ Việt Nam" in bad.text
    assert 'value="NT-X"' in bad.text  # the form keeps what was typed


async def test_teams_members_leader_and_houses(client, city, session):
    await sign_in(client, city.admin)
    made = await _post(
        client,
        "/admin/teams",
        {
            "name": "Tổ tự quản số 9",
            "union_unit_id": str(city.grassroots_y.id),
            "admin_unit_id": str(city.ward_b.id),
        },
    )
    assert made.status_code == 303
    team = await session.scalar(select(Team).where(Team.name == "Tổ tự quản số 9"))
    assert await _audited(session, "team.create", team.id)
    path = f"/admin/teams/{team.id}"
    first = await _post(
        client, f"{path}/members", {"user_id": str(city.leader_b.id), "role": "leader"}
    )
    assert first.status_code == 303
    second = await _post(
        client, f"{path}/members", {"full_name": "Nguyễn Văn Tư", "phone": "0912 000 999"}
    )
    assert second.status_code == 303
    tu = await session.scalar(
        select(TeamMember).where(
            TeamMember.team_id == team.id, TeamMember.full_name == "Nguyễn Văn Tư"
        )
    )
    # The new leader takes over; the former one stays as a member.
    lead = await _post(client, f"{path}/members/{tu.id}/leader", {})
    assert lead.status_code == 303
    roles = dict(
        (
            await session.execute(
                select(TeamMember.full_name, TeamMember.role).where(TeamMember.team_id == team.id)
            )
        ).all()
    )
    assert roles["Nguyễn Văn Tư"] == "leader" and list(roles.values()).count("leader") == 1
    again = await _post(
        client, f"{path}/members", {"full_name": "Nguyễn Văn Tư", "phone": "0912000999"}
    )
    assert again.status_code == 409 and "Người này đã có trong tổ" in again.text
    gone = await _post(client, f"{path}/members/{tu.id}/end", {})
    assert gone.status_code == 303
    await session.refresh(tu)
    assert tu.until is not None and await _audited(session, "team_member.update", tu.id)
    assert "Nguyễn Văn Tư" not in (await client.get(path)).text
    added = await _post(client, f"{path}/houses", {"house_code": city.house_b.code})
    assert added.status_code == 303
    assert city.house_b.name in (await client.get(path)).text
    unknown = await _post(client, f"{path}/houses", {"house_code": "KHONG-CO"})
    assert unknown.status_code == 422 and "Nhà trọ không tồn tại" in unknown.text
    removed = await _post(client, f"{path}/houses/{city.house_b.id}/end", {})
    assert removed.status_code == 303
    live = await session.scalar(
        select(TeamHouse).where(TeamHouse.team_id == team.id, TeamHouse.until.is_(None))
    )
    assert live is None
    other = await _post(client, f"/admin/teams/{city.team_a.id}/members/{tu.id}/leader", {})
    assert other.status_code == 422  # a member of another team is not this team's
    assert (await client.get(f"/admin/teams/{uuid.uuid4()}")).status_code == 404
    missing = await _post(
        client, "/admin/teams", {"name": "Tổ thiếu", "union_unit_id": "", "admin_unit_id": ""}
    )
    assert missing.status_code == 422 and "Thiếu thông tin bắt buộc" in missing.text


async def test_police_jurisdictions(client, city, session):
    await sign_in(client, city.admin)
    page = await client.get("/admin/jurisdictions")
    assert page.status_code == 200 and city.police_a1.full_name in page.text
    made = await _post(
        client,
        "/admin/jurisdictions",
        {"user_id": str(city.police_a1.id), "site_id": str(city.site.id)},
    )
    assert made.status_code == 303
    scope = await session.scalar(
        select(UserScope).where(
            UserScope.user_id == city.police_a1.id, UserScope.site_id == city.site.id
        )
    )
    assert scope is not None and await _audited(session, "police_jurisdiction.create", scope.id)
    twice = await _post(
        client,
        "/admin/jurisdictions",
        {"user_id": str(city.police_a1.id), "site_id": str(city.site.id)},
    )
    assert twice.status_code == 409 and 'id="form-errors"' in twice.text
    both = await _post(
        client,
        "/admin/jurisdictions",
        {
            "user_id": str(city.police_a1.id),
            "site_id": str(city.site.id),
            "admin_unit_id": str(city.ward_b.id),
        },
    )
    assert both.status_code == 422
    not_police = await _post(
        client,
        "/admin/jurisdictions",
        {"user_id": str(city.officer_gx.id), "admin_unit_id": str(city.ward_b.id)},
    )
    assert not_police.status_code == 422
    removed = await _post(client, f"/admin/jurisdictions/{scope.id}/delete", {})
    assert removed.status_code == 303
    assert await session.scalar(select(UserScope).where(UserScope.id == scope.id)) is None
    assert await _audited(session, "police_jurisdiction.delete", scope.id)


async def test_webhooks_secret_shown_once_and_disable(client, city, session):
    await sign_in(client, city.admin)
    made = await _post(
        client,
        "/admin/webhooks",
        {
            "url": "https://93.184.215.14/hook",
            "unit": f"union:{city.union_x.id}",
            "event_types": "incident.*, patrol.missed",
            "include_subtree": "true",
        },
    )
    assert made.status_code == 201 and 'id="webhook-secret"' in made.text
    sub = await session.scalar(
        select(WebhookSubscription).where(WebhookSubscription.url == "https://93.184.215.14/hook")
    )
    assert (
        sub.event_types == ["incident.*", "patrol.missed"] and sub.union_unit_id == city.union_x.id
    )
    listed = await client.get("/admin/webhooks")
    assert "93.184.215.14" in listed.text and 'id="webhook-secret"' not in listed.text
    for bad in (
        {"url": "ftp://x.example/hook", "unit": f"union:{city.union_x.id}"},
        {"url": "http://127.0.0.1/hook", "unit": f"admin:{city.ward_a.id}"},
        {"url": "https://93.184.215.14/b", "unit": ""},
        {
            "url": "https://93.184.215.14/c",
            "unit": f"union:{city.union_x.id}",
            "event_types": "Bad Type!",
        },
    ):
        page = await _post(client, "/admin/webhooks", bad)
        assert page.status_code == 422 and 'id="form-errors"' in page.text, bad
    off = await _post(client, f"/admin/webhooks/{sub.id}/disable", {})
    assert off.status_code == 303
    await session.refresh(sub)
    assert sub.is_active is False and await _audited(session, "webhook.delete", sub.id)
    assert "93.184.215.14/hook" not in (await client.get("/admin/webhooks")).text


async def test_failed_deliveries_and_retry(client, city, session):
    event = OutboxEvent(event_type="incident.escalated", payload={}, status="failed")
    session.add(event)
    await session.flush()
    delivery = NotificationDelivery(
        event_id=event.id,
        channel="webhook",
        target=str(uuid.uuid4()),
        status="failed",
        attempts=8,
        last_error="HTTP 503 from receiver",
    )
    session.add(delivery)
    await session.commit()
    await sign_in(client, city.admin)
    page = await client.get("/admin/deliveries")
    assert "HTTP 503 from receiver" in page.text and "incident.escalated" in page.text
    retried = await _post(client, f"/admin/deliveries/{delivery.id}/retry", {})
    assert retried.status_code == 303
    await session.refresh(delivery)
    assert delivery.status == "pending" and delivery.attempts == 0
    assert await _audited(session, "notification.retry", delivery.id)
    twice = await _post(client, f"/admin/deliveries/{delivery.id}/retry", {})
    assert twice.status_code == 409 and 'id="form-errors"' in twice.text


async def test_rotate_a_houses_checkpoint_and_edit_a_team(client, city, session):
    await sign_in(client, city.admin)
    old = city.house_a.checkpoint_token
    rotated = await _post(client, f"/admin/houses/{city.house_a.id}/rotate", {})
    assert rotated.status_code == 303 and rotated.headers["location"].endswith("checkpoint_rotated")
    await session.refresh(city.house_a)
    assert city.house_a.checkpoint_token != old
    assert await _audited(session, "boarding_house.checkpoint_rotate", city.house_a.id)
    path = f"/admin/teams/{city.team_a.id}"
    form = {"name": "Tổ tự quản đổi tên", "status": "inactive"}
    saved = await _post(client, path, form | {"version": await _version(client, path)})
    assert saved.status_code == 303
    await session.refresh(city.team_a)
    assert (city.team_a.name, city.team_a.status) == ("Tổ tự quản đổi tên", "inactive")
    version = await _version(client, path)
    bad = await _post(client, path, {"name": "Tổ X", "status": "ngu-dong", "version": version})
    assert bad.status_code == 422 and 'id="form-errors"' in bad.text
    await session.refresh(city.team_a)
    assert city.team_a.status == "inactive"


async def test_edit_a_house(client, city, session):
    await sign_in(client, city.admin)
    path = f"/admin/houses/{city.house_q.id}"
    form = {"name": "Nhà trọ Đức Thành 2", "address": "9 Hẻm 3", "lat": "10,76", "lon": "106,72"}
    form["version"] = await _version(client, path)
    saved = await _post(client, path, form | {"status": "closed", "rooms": "14"})
    assert saved.status_code == 303
    await session.refresh(city.house_q)
    assert (city.house_q.name, city.house_q.status, city.house_q.rooms) == (
        "Nhà trọ Đức Thành 2",
        "closed",
        14,
    )
    assert city.house_q.site_id == city.site.id  # moved into the site: decided again
    assert await _audited(session, "boarding_house.update", city.house_q.id)
    form["version"] = await _version(client, path)
    bad = await _post(client, path, form | {"status": "closed", "rooms": "mười"})
    assert bad.status_code == 422 and "Phải là số nguyên không âm" in bad.text

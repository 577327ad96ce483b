"""CSV/XLSX files of the console's own tables (report board and list, overdue escalations, the
police queue, the team page): the rows the page shows, audited, scoped exactly as the page."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from backend.models import AuditEvent, utcnow
from tests.console.conftest import sign_in
from tests.console.test_incidents import theft, trafficking
from tests.console.test_reports import _create
from tests.incidents.world import open_escalation

CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def check(response, fmt: str) -> str:
    """The file's type and disposition; its text when CSV (UTF-8 with BOM)."""
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(CSV if fmt == "csv" else XLSX)
    assert "attachment" in response.headers["content-disposition"]
    if fmt == "xlsx":
        assert response.content[:2] == b"PK"
        return ""
    return response.content.decode("utf-8-sig")


async def audited(session, action: str, user) -> AuditEvent:
    event = await session.scalar(
        select(AuditEvent)
        .where(AuditEvent.action == action, AuditEvent.actor_id == user.id)
        .order_by(AuditEvent.occurred_at.desc())
    )
    assert event is not None, action
    return event


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
async def test_report_list_and_status_board_files(client, city, session, fmt):
    row = await _create(client, city, session)
    listed = check(await client.get("/reports", params={"format": fmt}), fmt)
    if fmt == "csv":
        assert "Số báo cáo" in listed and "12/BC-CĐ" in listed and str(row.id) in listed
    await audited(session, "periodic_report_list.export", city.officer_x)
    client.cookies.clear()
    await sign_in(client, city.officer_y)
    other = check(await client.get("/reports", params={"format": "csv"}), "csv")
    assert str(row.id) not in other and "12/BC-CĐ" not in other
    client.cookies.clear()
    await sign_in(client, city.city_officer)
    params = {"kind": "month", "period": "2026-10", "format": fmt}
    board = check(await client.get("/reports/status", params=params), fmt)
    if fmt == "csv":
        line = next(x for x in board.splitlines() if city.union_x.name in x)
        assert "Bản nháp" in line and "Đơn vị" in board
    event = await audited(session, "report_status.export", city.city_officer)
    assert event.detail["period"] == "2026-10" and event.detail["format"] == fmt
    client.cookies.clear()
    await sign_in(client, city.police_a1)
    for path in ("/reports", "/reports/status"):
        assert (await client.get(path, params={"format": "csv"})).status_code == 403


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
async def test_overdue_escalations_file(client, app, city, session, fmt):
    iid = await trafficking(client, app, city)
    esc = await open_escalation(session, iid)
    esc.deadline_at = utcnow() - timedelta(hours=2)
    await session.commit()
    await sign_in(client, city.officer_x)
    assert "/dashboard/overdue?" in (await client.get("/dashboard")).text
    text = check(await client.get("/dashboard/overdue", params={"format": fmt}), fmt)
    if fmt == "csv":
        assert iid in text and "Hạn tiếp nhận" in text
    await audited(session, "dashboard_overdue.export", city.officer_x)
    other = await client.get("/dashboard/overdue", params={"unit": str(city.union_y.id)})
    assert other.status_code == 404 and "404" in other.text
    client.cookies.clear()
    await sign_in(client, city.officer_y)
    assert iid not in check(await client.get("/dashboard/overdue"), "csv")


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
async def test_police_queue_file_is_the_liaisons_own_queue(client, app, city, session, fmt):
    iid = await trafficking(client, app, city)
    await sign_in(client, city.police_a1)
    text = check(await client.get("/queue", params={"format": fmt}), fmt)
    if fmt == "csv":
        assert iid in text and "Mức độ" in text and "Môi giới việc làm" in text
    await audited(session, "police_queue.export", city.police_a1)
    client.cookies.clear()
    await sign_in(client, city.police_b)
    assert iid not in check(await client.get("/queue", params={"format": "csv"}), "csv")


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
async def test_team_page_files(client, app, city, session, fmt):
    iid = await theft(client, app, city)
    await sign_in(client, city.leader_a)
    assert "/team/houses?format=csv" in (await client.get("/")).text
    houses = check(await client.get("/team/houses", params={"format": fmt}), fmt)
    incidents = check(await client.get("/team/incidents", params={"format": fmt}), fmt)
    check(await client.get("/team/patrols", params={"format": fmt}), fmt)
    if fmt == "csv":
        assert "Nhà trọ Hòa Bình" in houses and "Tên nhà trọ" in houses
        assert iid in incidents
    for table in ("houses", "incidents", "patrols"):
        await audited(session, f"team_{table}.export", city.leader_a)
    client.cookies.clear()
    await sign_in(client, city.leader_b)
    other = check(await client.get("/team/incidents", params={"format": "csv"}), "csv")
    assert iid not in other
    assert "Nhà trọ Hòa Bình" not in check(await client.get("/team/houses"), "csv")
    client.cookies.clear()
    await sign_in(client, city.officer_x)
    page = await client.get("/team/houses")
    assert page.status_code == 404 and "404" in page.text


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
async def test_admin_list_files(client, city, session, fmt):
    await sign_in(client, city.admin)
    users = check(
        await client.get("/admin/users", params={"role": "police_liaison", "format": fmt}), fmt
    )
    houses = check(await client.get("/admin/houses", params={"q": "hoa binh", "format": fmt}), fmt)
    teams = check(await client.get("/admin/teams", params={"format": fmt}), fmt)
    params = {"action": "auth.", "format": fmt}
    audit = check(await client.get("/admin/audit", params=params), fmt)
    if fmt == "csv":
        assert city.police_a1.phone in users and "Cán bộ công an" in users
        assert city.officer_x.phone not in users
        assert "Nhà trọ Hòa Bình" in houses and "Nhà trọ Linh Trung" not in houses
        assert city.team_a.name in teams and city.team_b.name in teams
        assert "auth.login" in audit and "Hành động" in audit
        # the page's filter holds in the file: the users' export just made is not an "auth." row
        assert "admin_users.export" not in audit
    for thing in ("users", "houses", "teams", "audit"):
        await audited(session, f"admin_{thing}.export", city.admin)
    event = await audited(session, "admin_audit.export", city.admin)
    assert event.detail["filters"]["action"] == "auth."
    client.cookies.clear()
    await sign_in(client, city.officer_x)
    for path in ("/admin/users", "/admin/houses", "/admin/teams", "/admin/audit"):
        refused = await client.get(path, params={"format": "csv"})
        assert refused.status_code == 403, path

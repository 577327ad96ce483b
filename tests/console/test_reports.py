"""The periodic report in the console: create, edit, preview, submit, print, XLSX, the
federation's board; another union's report is the 404 page."""

import re
import uuid

from sqlalchemy import select

from backend.models import AuditEvent
from backend.models.rollup import PeriodicReport
from tests.console.conftest import csrf, sign_in


async def _create(client, city, session) -> PeriodicReport:
    await sign_in(client, city.officer_x)
    token = await csrf(client, "/reports")
    response = await client.post(
        "/reports",
        data={
            "union_unit_id": str(city.union_x.id),
            "period_kind": "month",
            "period": "2026-10",
            "number": "12/BC-CĐ",
            "csrf_token": token,
        },
    )
    assert response.status_code == 303, response.text
    rid = re.search(r"/reports/([0-9a-f-]+)", response.headers["location"]).group(1)
    return await session.get(PeriodicReport, uuid.UUID(rid))


async def test_create_edit_submit_print_and_xlsx(client, city, session):
    row = await _create(client, city, session)
    page = await client.get(f"/reports/{row.id}")
    assert page.status_code == 200 and "Số Tổ tự quản" in page.text
    token = await csrf(client, f"/reports/{row.id}")
    saved = await client.post(
        f"/reports/{row.id}",
        data={
            "number": "12/BC-CĐ",
            "proposals": "Đề nghị tăng cường tuần tra",
            "csrf_token": token,
        },
    )
    assert saved.status_code == 303
    assert "Đề nghị tăng cường tuần tra" in (await client.get(f"/reports/{row.id}")).text
    assert (await client.post(f"/reports/{row.id}/submit", data={"csrf_token": token})).is_redirect
    await session.refresh(row)
    assert row.status == "submitted" and row.submitted_by == city.officer_x.id
    again = await client.post(f"/reports/{row.id}/submit", data={"csrf_token": token})
    assert again.status_code == 409
    printed = await client.get(f"/reports/{row.id}/print")
    assert (
        printed.status_code == 200
        and "script-src" not in printed.headers["content-security-policy"]
    )
    assert "<script" not in printed.text
    workbook = await client.get(f"/reports/{row.id}/report.xlsx")
    assert workbook.content[:2] == b"PK"
    exports = (
        await session.scalars(
            select(AuditEvent.detail).where(AuditEvent.action == "periodic_report.export")
        )
    ).all()
    assert sorted(d["format"] for d in exports) == ["html", "xlsx"]


async def test_federation_board_and_other_unions(client, city, session):
    row = await _create(client, city, session)
    client.cookies.clear()
    await sign_in(client, city.officer_y)
    for path in (
        f"/reports/{row.id}",
        f"/reports/{row.id}/print",
        f"/reports/{row.id}/report.xlsx",
    ):
        assert (await client.get(path)).status_code == 404, path
    token = await csrf(client, "/reports")
    assert (
        await client.post(f"/reports/{row.id}/submit", data={"csrf_token": token})
    ).status_code == 404
    client.cookies.clear()
    await sign_in(client, city.city_officer)
    board = await client.get("/reports/status", params={"kind": "month", "period": "2026-10"})
    assert board.status_code == 200 and f"/reports/{row.id}" in board.text
    client.cookies.clear()
    await sign_in(client, city.police_a1)
    assert (await client.get("/reports")).status_code == 403

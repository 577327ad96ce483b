"""The periodic report: generated content (hand-checked), redaction, scope, the A4 page, the
workbook, submission, the city's status board and the reminder."""

import io
import uuid
from datetime import date

import openpyxl
from sqlalchemy import select

from backend.dashboards.report_service import send_reminders
from backend.models.monitoring import AwarenessSession, Commendation
from backend.models.notification import OutboxEvent
from tests.dashboards.world import z
from tests.factories import auth

URL = "/api/v1/periodic-reports"


async def _activity(session, w):
    for team, workers, title in ((w.t1, 30, "Cảnh giác lừa đảo việc làm"), (w.t3, 50, "PCCC")):
        session.add(
            AwarenessSession(
                id=uuid.uuid4(),
                team_id=team.id,
                held_at=z("2026-10-18 12:00"),
                title=title,
                place="Sân nhà trọ H1",
                text_search="x",
                topics=["job_offer", "law"],
                workers_count=workers,
                landlords_count=5,
                recorded_by=w.leader_t1.id,
                body_hash="0" * 64,
            )
        )
    session.add(
        Commendation(
            recipient_kind="team",
            team_id=w.t1.id,
            recipient_search="to tu quan so 1",
            level="district",
            form="Giấy khen",
            decision_number="45/QĐ-UBND",
            decided_on=date(2026, 10, 20),
            issuing_body="UBND Quận 7",
            reason="Phát hiện kịp thời vụ lừa đảo tuyển dụng",
            recorded_by=w.city_officer.id,
        )
    )
    await session.commit()


def _create_body(w, **extra):
    return {
        "union_unit_id": str(w.d1.id),
        "period_kind": "month",
        "period": "2026-10",
        "number": "12/BC-CĐKCX",
        "issued_on": "2026-11-03",
        "place": "TP. Hồ Chí Minh",
        "recipients": ["LĐLĐ Thành phố (để báo cáo)", "Công an phường Tân Thuận"],
        "proposals": "Đề nghị bổ sung đèn chiếu sáng hẻm 12.",
        **extra,
    }


async def test_report_content_and_lifecycle(client, app, world, session):
    w = world
    await _activity(session, w)
    officer = auth(app, w.officer_d1)
    created = await client.post(URL, json=_create_body(w), headers=officer)
    assert created.status_code == 201, created.text
    report = created.json()
    c = report["content"]
    # D1's October: I1, I2, I4, I7 (I3 is D2's); T1 and T2; H1-H4 all patrolled.
    assert c["summary"]["incidents"]["total"] == 4
    assert c["summary"]["patrols"]["patrols"] == 4
    assert c["summary"]["houses"]["covered"] == 4
    assert c["period"]["title"] == "tháng 10/2026"
    # Notable: severity 1-2 or trafficking, by severity: I2 (s1, withheld text), I4 (s2).
    notable = c["notable_incidents"]
    assert [(n["category"], n["severity"]) for n in notable] == [("trafficking", 1), ("drugs", 2)]
    assert notable[0]["summary"] == "(nội dung được bảo vệ)"
    assert notable[1]["summary"] == "Mất xe máy trong nhà trọ"
    assert set(notable[0]) == {
        "date",
        "category",
        "category_name",
        "severity",
        "ward",
        "status",
        "outcome",
        "summary",
    }  # no reporter, no persons, no house, no coordinates
    assert (c["awareness"]["sessions"], c["awareness"]["workers"]) == (1, 30)  # T3's is D2's
    assert [x["decision_number"] for x in c["commendations"]] == ["45/QĐ-UBND"]
    assert [t["code"] for t in c["teams_top"]] == ["T1", "T2"]

    again = await client.post(URL, json=_create_body(w), headers=officer)
    assert again.status_code == 409 and again.json()["code"] == "report_exists"

    rid = report["id"]
    no_etag = await client.patch(f"{URL}/{rid}", json={"proposals": "x"}, headers=officer)
    assert no_etag.status_code == 428, no_etag.text
    patched = await client.patch(
        f"{URL}/{rid}",
        json={"proposals": "Đề nghị tăng cường tuần tra KCX."},
        headers={**officer, "If-Match": created.headers["ETag"]},
    )
    assert patched.status_code == 200 and patched.json()["version"] == 2

    page = await client.get(f"{URL}/{rid}/report.html", headers=officer)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    for needle in (
        "BÁO CÁO",
        "Số: 12/BC-CĐKCX",
        "tháng 10/2026",
        "ngày 03 tháng 11 năm 2026",
        "Nơi nhận",
        "Công an phường Tân Thuận",
        "tăng cường tuần tra KCX",
        "(nội dung được bảo vệ)",
        "Cảnh giác lừa đảo việc làm",
        "45/QĐ-UBND",
        "size: A4",
    ):
        assert needle in html, needle
    assert "nước ngoài" not in html  # I2's text never reaches the union's report

    book = await client.get(f"{URL}/{rid}/report.xlsx", headers=officer)
    sheets = openpyxl.load_workbook(io.BytesIO(book.content))
    assert sheets.sheetnames[:3] == ["Tổng hợp", "Theo loại", "Vụ việc nổi bật"]
    summary = {r[0]: r[1] for r in sheets["Tổng hợp"].iter_rows(values_only=True) if r[0]}
    assert summary["Tổng số vụ việc, tin báo"] == 4

    submitted = await client.post(
        f"{URL}/{rid}/submit", headers={**officer, "If-Match": patched.headers["ETag"]}
    )
    assert submitted.status_code == 200
    assert submitted.json()["status"] == "submitted"
    assert submitted.json()["submitted_by"] == str(w.officer_d1.id)
    late_edit = await client.patch(
        f"{URL}/{rid}",
        json={"proposals": "x"},
        headers={**officer, "If-Match": submitted.headers["ETag"]},
    )
    assert late_edit.status_code == 409 and late_edit.json()["code"] == "report_submitted"
    events = (await session.scalars(select(OutboxEvent.event_type))).all()
    assert "periodic_report.submitted" in events

    board = await client.get(
        f"{URL}/status",
        params={"period_kind": "month", "period": "2026-10"},
        headers=auth(app, w.city_officer),
    )
    units = {u["name"]: u for u in board.json()["units"]}
    assert board.json()["due_on"] == "2026-11-05"
    assert units[w.d1.name]["status"] == "submitted"
    assert units[w.d2.name]["status"] == "missing"
    city_read = await client.get(f"{URL}/{rid}", headers=auth(app, w.city_officer))
    assert city_read.status_code == 200


async def test_report_scope(client, app, world):
    w = world
    created = await client.post(URL, json=_create_body(w), headers=auth(app, w.officer_d1))
    rid = created.json()["id"]
    other = auth(app, w.officer_d2)
    for path in ("", "/report.html", "/report.xlsx"):
        assert (await client.get(f"{URL}/{rid}{path}", headers=other)).status_code == 404
    patch = await client.patch(f"{URL}/{rid}", json={}, headers={**other, "If-Match": '"1"'})
    assert patch.status_code == 404
    write = await client.post(URL, json=_create_body(w, period="2026-09"), headers=other)
    assert write.status_code == 404  # D2's officer cannot write D1's report
    police = auth(app, w.police_w1)  # no report is in a police liaison's scope
    assert (await client.get(f"{URL}/{rid}", headers=police)).status_code == 404
    assert (await client.get(URL, headers=police)).status_code == 403
    listed = await client.get(URL, headers=other)
    assert listed.json() == {"items": [], "next_cursor": None}
    bad = await client.post(
        URL, json=_create_body(w, period="2026-13"), headers=auth(app, w.officer_d1)
    )
    assert bad.status_code == 422 and bad.json()["code"] == "report_period_invalid"
    quarter = await client.post(
        URL,
        json=_create_body(w, period_kind="quarter", period="2026-Q4"),
        headers=auth(app, w.officer_d1),
    )
    assert quarter.json()["period_start"] == "2026-10-01"
    assert quarter.json()["period_end"] == "2026-12-31"


async def test_reminder_before_due_date_once(session, world):
    w = world
    # October's report is due on 5 November; reminders go out from 2 November.
    assert await send_reminders(session, now=z("2026-11-01 03:00")) == 0
    assert await send_reminders(session, now=z("2026-11-03 03:00")) == 2  # D1 and D2
    await session.commit()
    assert await send_reminders(session, now=z("2026-11-04 03:00")) == 0  # once per period
    events = (
        await session.scalars(
            select(OutboxEvent).where(OutboxEvent.event_type == "periodic_report.due")
        )
    ).all()
    to_d2 = next(e for e in events if e.unit_ids == [str(w.d2.id)])
    assert to_d2.recipient_user_ids == [str(w.officer_d2.id)]
    assert to_d2.payload["due_on"] == "2026-11-05"


async def test_report_list_pages_newest_period_first_by_cursor(client, app, world):
    officer = auth(app, world.officer_d1)
    for period in ("2026-08", "2026-09", "2026-10"):
        r = await client.post(URL, json=_create_body(world, period=period), headers=officer)
        assert r.status_code == 201, r.text
    seen, cursor = [], None
    for _ in range(4):
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await client.get(URL, params=params, headers=officer)).json()
        seen += [r["period_start"] for r in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ["2026-10-01", "2026-09-01", "2026-08-01"]

"""The field app's 'done when': a whole night offline, a reload with no network, then every
record reaches the server exactly once, even when the first upload's answer is lost."""

from pathlib import Path

import pytest
from PIL import Image

from tests.field.phone import (
    photo,
    query,
    shot,
    waiting,
)

# A browser test runs on one engine (tests/conftest.py): this one on SQLite, the embedded default.
pytestmark = pytest.mark.engine("sqlite")

UNKNOWN = "ma-cua-nha-khong-thuoc-to"  # a sticker of a house outside the team's list


def test_offline_patrol_incident_and_awareness_arrive_once(open_phone, settings, tmp_path):
    phone = open_phone(houses=20)
    world, context, log, page = phone.world, phone.context, phone.log, phone.page
    assert page.text_content("[data-testid=registry-info]").strip().startswith("20 nhà trọ")
    shot(page, "1-home")

    context.set_offline(True)
    page.click("text=Bắt đầu tuần tra")
    page.click("#start")
    page.wait_for_selector("#token")
    page.wait_for_selector("#gps[data-fix='1']")
    for i, token in enumerate([*world.tokens, UNKNOWN]):
        page.fill("#token", token)
        if i == 3:
            page.fill("#note", "Có 2 người lạ mới đến")
        page.click("#typed button[type=submit]")
        page.wait_for_function(
            f"document.querySelector('[data-testid=scan-count]').textContent === '{i + 1}'"
        )
    shot(page, "2-patrol")
    page.click("#end")
    page.wait_for_selector("[data-testid=registry-info]")

    page.goto("/field/#/incident")
    page.select_option("#category", "theft")
    page.check("input[name=severity][value='2']", force=True)
    page.fill("#summary", "Mất trộm xe máy trong sân nhà trọ")
    page.select_option("#house", label=f"{world.house_names[3]} — Đường số 1, Dĩ An")
    page.click("#add-person")
    page.fill("[name=p_name]", "Nguyễn Văn A")
    page.check("[name=protect_reporter]")
    page.set_input_files("#photos", str(photo(tmp_path)))
    page.wait_for_selector("#thumbs img")
    shot(page, "3-incident")
    page.click("button[value=send]")
    page.wait_for_selector("[data-testid=registry-info]")

    page.goto("/field/#/awareness")
    page.fill("#place", "Sân nhà trọ Hòa Bình")
    page.check("[name=topics][value=job_offer]")
    page.fill("#workers", "35")
    page.click("#awareness button[type=submit]")
    page.wait_for_selector("[data-testid=registry-info]")

    # 1 patrol + 21 scans + its end + 1 incident + 1 photo + 1 awareness session.
    expected = 1 + 21 + 1 + 1 + 1 + 1
    assert waiting(page) == expected

    page.reload()  # no network: the service worker brings the app back
    page.wait_for_selector("body[data-ready='1']")
    page.wait_for_selector("[data-testid=registry-info]")
    assert waiting(page) == expected
    shot(page, "4-offline-waiting")

    calls = []

    def lose_first_answer(route):
        response = route.fetch()  # the server stores the batch...
        key = route.request.headers.get("idempotency-key")
        calls.append((key, response.headers.get("idempotent-replayed")))
        if len(calls) == 1:
            route.abort()  # ...and the phone never hears back
        else:
            route.fulfill(response=response)

    page.route("**/api/v1/sync/upload", lose_first_answer)
    runs = int(page.evaluate("document.body.dataset.synced || '0'"))
    context.set_offline(False)  # the `online` event starts an upload by itself
    page.wait_for_function(
        "n => Number(document.body.dataset.synced) > n && document.body.dataset.syncing === '0'",
        arg=runs,
    )
    assert len(calls) == 1 and waiting(page) == expected
    page.click("#sync-now")
    page.wait_for_function("document.querySelector('[data-testid=waiting]').textContent === '0'")

    assert len(calls) == 2
    assert calls[0][0] and calls[1][0] == calls[0][0]  # the same key: the stored answer again
    assert calls[1][1] == "true"

    patrols = query(settings, "SELECT id, ended_at, status FROM patrol")
    assert len(patrols) == 1 and patrols[0].ended_at is not None
    scans = query(settings, "SELECT id, flags, lat, accuracy_m, note FROM checkpoint_scan")
    assert len(scans) == 21 and len({s.id for s in scans}) == 21
    assert sum(1 for s in scans if s.flags & 32) == 1  # unknown_token: kept and flagged
    assert all(s.lat is not None and s.accuracy_m == 12 for s in scans)
    assert [s.note for s in scans if s.note] == ["Có 2 người lạ mới đến"]
    incidents = query(settings, "SELECT id, category, severity, protect_reporter FROM incident")
    stored = [(i.category, i.severity, bool(i.protect_reporter)) for i in incidents]
    assert stored == [("theft", 2, True)]
    attachments = query(settings, "SELECT content_type, storage_key FROM incident_attachment")
    assert [a.content_type for a in attachments] == ["image/jpeg"]
    with Image.open(Path(settings.attachment_dir) / attachments[0].storage_key) as stored:
        assert max(stored.size) == 1600  # shrunk on the phone from 3000 px
    sessions = query(settings, "SELECT workers_count FROM awareness_session")
    assert [s.workers_count for s in sessions] == [35]
    assert log.foreign() == []

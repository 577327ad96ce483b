"""The incident form beyond the basics: a labour event asks for the enterprise and the number of
workers; a draft goes to the server as a draft and is submitted there once."""

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.field.phone import (
    WAIT_EMPTY,
    lose_first_answer,
    photo,
    query,
    synced_runs,
    wait_synced,
    waiting,
)

# A browser test runs on one engine (tests/conftest.py): this one on SQLite, the embedded default.
pytestmark = pytest.mark.engine("sqlite")

RECORDS = """import('/field/static/js/outbox.js')
  .then(m => m.records())
  .then(rs => rs.map(r => [r.key, r.status, r.problem]))"""


def test_a_labour_event_asks_for_the_enterprise_and_the_workers(open_phone, settings):
    phone = open_phone(houses=1, enterprise=True)
    world, page = phone.world, phone.page
    page.goto("/field/#/incident")
    assert page.locator("#labour").is_hidden()
    page.select_option("#category", "labour")
    page.select_option("#subtype", "wage_arrears")
    assert page.locator("#labour").is_visible()
    page.fill("#summary", "Công ty nợ lương hai tháng")
    page.click("button[value=send]")  # the browser refuses: enterprise and workers are required
    assert page.locator("#incident").is_visible()
    page.select_option("#enterprise", label="Công ty May Việt")
    page.fill("#workers", "120")
    page.click("button[value=send]")
    page.wait_for_selector("[data-testid=registry-info]")
    page.wait_for_function(WAIT_EMPTY)
    rows = query(
        settings,
        "SELECT category, subtype, enterprise_id, workers_involved, labour_started_at"
        " FROM incident",
    )
    assert len(rows) == 1
    row = rows[0]
    assert (row.category, row.subtype, row.workers_involved) == ("labour", "wage_arrears", 120)
    assert str(row.enterprise_id).replace("-", "") == world.enterprise_id.replace("-", "")
    assert row.labour_started_at is not None


def test_a_draft_is_kept_on_the_server_and_submitted_once(open_phone, settings, tmp_path):
    phone = open_phone(houses=2)
    context, page = phone.context, phone.page
    context.set_offline(True)
    page.goto("/field/#/incident")
    page.select_option("#category", "fire_safety")
    page.fill("#summary", "Dây điện hở ở hành lang")
    page.set_input_files("#photos", str(photo(tmp_path)))
    page.wait_for_selector("#thumbs img")
    page.click("button[value=draft]")
    page.wait_for_selector("text=Bản nháp")
    assert waiting(page) == 2  # the draft and its photo, for the server

    page.reload()  # offline: the draft is still open to change while it waits
    page.click("text=Dây điện hở ở hành lang")
    assert page.input_value("#category") == "fire_safety"
    page.fill("#summary", "Dây điện hở ở hành lang tầng 2")
    page.click("button[value=draft]")
    page.wait_for_selector("text=Bản nháp")
    assert waiting(page) == 2  # the same draft, its new text

    context.set_offline(False)
    page.click("#sync-now")
    page.wait_for_function(WAIT_EMPTY)
    rows = query(settings, "SELECT id, summary, status FROM incident")
    assert [(r.summary, r.status) for r in rows] == [("Dây điện hở ở hành lang tầng 2", "draft")]
    incident_id = str(rows[0].id).replace("-", "")
    assert len(query(settings, "SELECT id FROM incident_attachment")) == 1

    page.goto("/field/#/outbox")
    page.click("text=Dây điện hở ở hành lang tầng 2")
    page.wait_for_selector("[data-testid=server-draft]")  # the server has it: read-only now
    assert page.locator("#summary").is_disabled()
    calls = lose_first_answer(page, "**/api/v1/incidents/*/transitions")
    runs = synced_runs(page)
    page.click("button[value=send]")
    wait_synced(page, runs)
    assert waiting(page) == 1  # the answer was lost: the submission waits
    page.click("#sync-now")
    try:
        page.wait_for_function(WAIT_EMPTY)
    except PlaywrightTimeout:  # say what still waits, and why
        raise AssertionError((calls, page.evaluate(RECORDS))) from None
    assert len(calls) == 2 and calls[1] == (calls[0][0], "true")

    rows = query(settings, "SELECT id, status FROM incident")
    assert [(str(r.id).replace("-", ""), r.status) for r in rows] == [(incident_id, "submitted")]
    moves = query(settings, "SELECT to_status FROM incident_timeline_entry WHERE action = 'submit'")
    assert [m.to_status for m in moves] == ["submitted"]
    page.goto("/field/#/outbox")
    assert not page.locator("text=Bản nháp").count()

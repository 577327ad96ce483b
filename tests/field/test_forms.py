"""The incident form beyond the basics: a labour event asks for the enterprise and the number of
workers; a draft stays on the phone until it is sent."""

from tests.field.phone import phone_context, query, seed, sign_in

WAIT_EMPTY = "document.querySelector('[data-testid=waiting]').textContent === '0'"


def test_a_labour_event_asks_for_the_enterprise_and_the_workers(browser, live_server, settings):
    world = seed(settings, houses=1, enterprise=True)
    context, _ = phone_context(browser, live_server)
    page = context.new_page()
    sign_in(page, world.phone)
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
    context.close()


def test_a_draft_stays_on_the_phone_until_it_is_sent(browser, live_server, settings):
    world = seed(settings, houses=2)
    context, _ = phone_context(browser, live_server)
    page = context.new_page()
    sign_in(page, world.phone)
    page.goto("/field/#/incident")
    page.select_option("#category", "fire_safety")
    page.fill("#summary", "Dây điện hở ở hành lang")
    page.click("button[value=draft]")
    page.wait_for_selector("text=Bản nháp")
    assert page.text_content("[data-testid=waiting]") == "0"  # a draft is not sent
    page.reload()
    page.click("text=Dây điện hở ở hành lang")
    assert page.input_value("#summary") == "Dây điện hở ở hành lang"
    assert page.input_value("#category") == "fire_safety"
    page.fill("#summary", "Dây điện hở ở hành lang tầng 2")
    page.click("button[value=send]")
    page.wait_for_selector("[data-testid=registry-info]")
    page.wait_for_function(WAIT_EMPTY)
    rows = query(settings, "SELECT category, summary, status FROM incident")
    assert [(r.category, r.summary, r.status) for r in rows] == [
        ("fire_safety", "Dây điện hở ở hành lang tầng 2", "submitted")
    ]
    page.goto("/field/#/outbox")
    assert not page.locator("text=Bản nháp").count()
    context.close()

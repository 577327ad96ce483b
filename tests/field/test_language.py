"""Vietnamese first, English on a switch: every string lives in js/i18n.js, in both languages,
and the switch relabels the whole app (taxonomy names and the server's messages included)."""

import re
from pathlib import Path

import pytest

from backend.field import router as field
from tests.field.phone import phone_context, seed, shot, sign_in

# A browser test runs on one engine (tests/conftest.py): this one on SQLite, the embedded default.
pytestmark = pytest.mark.engine("sqlite")

KEYS = "import('/field/static/js/i18n.js').then(m => [m.STRING_KEYS, m.ENGLISH_KEYS])"


def test_the_switch_shows_english_and_vietnamese_stays_the_default(browser, live_server, settings):
    world = seed(settings, houses=2)
    context, log = phone_context(browser, live_server)
    page = context.new_page()
    languages = []
    page.on(
        "request",
        lambda r: "/api/v1/" in r.url and languages.append(r.headers.get("accept-language")),
    )
    sign_in(page, world.phone)
    assert page.text_content("#net") == "Trực tuyến"
    assert page.locator("text=Bắt đầu tuần tra").is_visible()
    assert set(languages) == {"vi"}

    page.click("#lang")
    page.wait_for_selector("text=Start patrol")
    assert page.text_content("#net") == "Online"
    home = page.text_content("#view")
    for label in ("Report incident", "Awareness session", "Outbox", "Notifications", "Sign out"):
        assert label in home
    assert "boarding houses" in page.text_content("[data-testid=registry-info]")
    assert page.get_attribute("html", "lang") == "en"
    shot(page, "7-english")
    box = page.locator("#lang").bounding_box()
    assert box["height"] >= 48 and box["width"] >= 48

    page.goto("/field/#/incident")
    page.wait_for_selector("#incident")
    assert page.text_content("label[for=category]") == "Category"
    assert page.text_content("button[value=send]") == "Send"
    categories = page.locator("#category option").all_text_contents()
    assert "Theft" in categories and "Trộm cắp" not in categories  # name_en from the taxonomy

    page.reload()  # the choice is kept on the phone
    page.wait_for_selector("#incident")
    assert page.text_content("label[for=category]") == "Category"
    languages.clear()
    page.goto("/field/#/feed")
    page.click("#refresh")
    page.wait_for_function("document.querySelector('[data-testid=feed]') !== null")
    page.wait_for_timeout(300)
    assert "en" in languages  # the server answers in English too

    page.click("#lang")
    page.wait_for_selector("text=Thông báo")
    assert page.get_attribute("html", "lang") == "vi"
    assert log.foreign() == []
    context.close()


def test_every_string_has_both_languages(browser, live_server, settings):
    context, _ = phone_context(browser, live_server)
    page = context.new_page()
    page.goto("/field/")
    vi, en = page.evaluate(KEYS)
    assert sorted(vi) == sorted(en)
    used = set()
    for path in (Path(field.STATIC) / "js").glob("*.js"):
        if path.name == "i18n.js":  # its own comment shows t("key")
            continue
        used |= set(re.findall(r'\bt\("([\w.:]+)"', path.read_text()))
    assert used and used <= set(vi), used - set(vi)
    context.close()

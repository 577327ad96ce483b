"""A new release of the field app: the service worker installs it beside the running one, the
page offers "Có phiên bản mới — tải lại", and the tap reloads into it with the outbox intact."""

import pytest

from backend.field import router as field
from tests.field.phone import WAIT_EMPTY, query, shot, waiting

# A browser test runs on one engine (tests/conftest.py): this one on SQLite, the embedded default.
pytestmark = pytest.mark.engine("sqlite")

CACHES = "caches.keys().then(k => k.filter(n => n.startsWith('ttq-field-')).sort())"


def test_a_new_version_is_offered_and_the_outbox_survives_the_reload(
    open_phone, settings, monkeypatch
):
    phone = open_phone(houses=1)
    context, log, page = phone.context, phone.log, phone.page
    old, urls = field.shell()
    assert page.evaluate(CACHES) == [f"ttq-field-{old}"]
    assert page.locator("#update").is_hidden()

    context.set_offline(True)
    page.goto("/field/#/awareness")
    page.fill("#place", "Sân nhà trọ Hòa Bình")
    page.check("[name=topics][value=drugs]")
    page.click("#awareness button[type=submit]")
    page.wait_for_selector("[data-testid=registry-info]")
    assert waiting(page) == 1

    new = "0123456789abcdef"
    assert new != old
    monkeypatch.setattr(field, "shell", lambda: (new, urls))  # the server now has a release
    page.route("**/api/v1/sync/upload", lambda route: route.abort())  # keep the record waiting
    context.set_offline(False)  # the sync that follows also asks for a new service worker
    banner = page.locator("#update-now")
    banner.wait_for(state="visible", timeout=20000)
    assert banner.text_content().strip() == "Có phiên bản mới — tải lại"
    box = banner.bounding_box()
    assert box["height"] >= 48 and box["width"] >= 300  # a thumb's target at 360 px
    shot(page, "6-new-version")
    assert waiting(page) == 1
    # Installed beside the running version, not swapped under the page.
    assert page.evaluate(CACHES) == sorted([f"ttq-field-{old}", f"ttq-field-{new}"])

    with page.expect_navigation():
        banner.click()
    page.wait_for_selector("body[data-ready='1']")
    page.wait_for_function(f"{CACHES}.then(k => k.join() === 'ttq-field-{new}')")
    assert page.locator("#update").is_hidden()
    assert waiting(page) == 1  # the outbox is in IndexedDB: the reload lost nothing

    page.unroute("**/api/v1/sync/upload")
    page.click("#sync-now")
    page.wait_for_function(WAIT_EMPTY)
    assert len(query(settings, "SELECT id FROM awareness_session")) == 1
    assert log.foreign() == []

"""The union desk in Debian's Chromium: the dashboard map's three layers toggled from the
layer control, a sub-unit drill-down, and a labour-events file downloaded from the page.

Like test_browser.py, each test checks that the browser asked nothing of another host and that
the page raised no script or CSP error.
"""

from pathlib import Path

import pytest

from backend.core.config import Settings
from tests.browser import local_ago, run_async
from tests.conftest import TEST_SECRET
from tests.console.test_browser import _with_session, report, sign_in, watch
from tests.incidents.world import make_city

# A browser test runs on one engine (tests/conftest.py): the console on PostgreSQL, as deployed.
pytestmark = pytest.mark.engine("postgresql")

# The ten days up to yesterday (a live server reads the real date): the labour event below
# started three days ago.
STARTED = local_ago(days=3).replace(hour=7, minute=0, second=0)
PERIOD = (
    f"period=custom&from={local_ago(days=10).date().isoformat()}"
    f"&to={local_ago(days=1).date().isoformat()}"
)


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        environment="test",
        database_url=database_url,
        secret_key=TEST_SECRET,
        log_json=False,
        log_level="WARNING",
    )


@pytest.fixture
def city(settings):
    return run_async(lambda: _with_session(settings, make_city))


def test_map_layers_toggle(browser_context, city):
    context, log = browser_context
    page = context.new_page()
    errors = watch(page)
    sign_in(page, city.officer_x)
    page.goto(f"/dashboard?{PERIOD}")
    page.wait_for_selector("#layers-map[data-ready=true]")
    # Team A covers two houses in two wards; the KCX union's site has its polygon.
    assert page.locator("path.ward-area").count() == 2
    assert page.locator("path.site-area").count() == 1
    assert page.locator("path.house-dot").count() == 2
    control = page.locator(".leaflet-control-layers")
    control.get_by_label("Nhà trọ: số ngày từ lần tuần tra cuối").uncheck()
    assert page.locator("path.house-dot").count() == 0
    control.get_by_label("Phường/xã: số vụ việc").uncheck()
    assert page.locator("path.ward-area").count() == 0
    assert page.locator("path.site-area").count() == 1
    control.get_by_label("Nhà trọ: số ngày từ lần tuần tra cuối").check()
    page.wait_for_function("document.querySelectorAll('path.house-dot').length === 2")
    # Drill into the grassroots union with the sub-unit picker: the map follows.
    page.get_by_label("Đơn vị", exact=True).select_option(str(city.grassroots_x.id))
    page.get_by_role("button", name="Xem").click()
    page.wait_for_selector("#layers-map[data-ready=true]")
    assert city.grassroots_x.name in page.locator("h1").inner_text()
    assert page.locator("path.house-dot").count() == 2
    assert log.foreign() == [] and errors == []


def test_labour_events_download(browser_context, city, live_server):
    context, log = browser_context
    page = context.new_page()
    errors = watch(page)
    iid = report(
        live_server,
        city.member_a,
        category="labour",
        subtype="work_stoppage",
        severity=2,
        enterprise_id=str(city.enterprise.id),
        workers_involved=640,
        occurred_at=STARTED.isoformat(),
        labour_started_at=STARTED.isoformat(),
        summary="Ngừng việc tập thể ở Nidec",
    )
    sign_in(page, city.officer_x)
    page.goto(f"/labour?{PERIOD}")
    row = page.locator(f'tr[data-incident="{iid}"]')
    assert "Công ty Nidec" in row.inner_text() and "640" in row.inner_text()
    with page.expect_download() as info:
        page.get_by_role("link", name="Tải CSV").click()
    content = Path(info.value.path()).read_text(encoding="utf-8-sig")
    assert iid in content and "Công ty Nidec" in content and "640" in content
    assert info.value.suggested_filename.startswith("su-kien-lao-dong-")
    assert log.foreign() == [] and errors == []

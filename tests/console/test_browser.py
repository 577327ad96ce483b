"""The console in Debian's Chromium: sign-in/out, each role's home, the police liaison's live
queue over SSE, union triage and export, the sealed reporter, the 404 page.

Every test also checks that the browser asked nothing of another host and that the page
raised no script or CSP error.
"""

import uuid
from pathlib import Path

import httpx
import pytest

from backend.core.config import Settings
from backend.core.db import make_engine, make_session_factory
from backend.models.incident import Incident
from backend.notifications.dispatcher import Dispatcher
from backend.notifications.wiring import build_channels, make_http
from tests.browser import run_async
from tests.conftest import TEST_SECRET
from tests.factories import PASSWORD, auth
from tests.incidents.world import body, make_city

# A browser test runs on one engine (tests/conftest.py): the console on PostgreSQL, as deployed.
pytestmark = pytest.mark.engine("postgresql")

ROLE_HOMES = {
    "admin": "/admin/audit",
    "city_officer": "Tổng quan",
    "officer_x": "Tổng quan: Công đoàn KCX",
    "police_a1": "Hàng chờ xử lý",
    "leader_a": "Tổ của bạn",
}


@pytest.fixture
def settings(database_url: str) -> Settings:
    """The live server delivers notifications itself, as `ttq serve` does on SQLite."""
    return Settings(
        environment="test",
        database_url=database_url,
        secret_key=TEST_SECRET,
        log_json=False,
        log_level="WARNING",
        notify_dispatch_in_process=True,
        notify_poll_seconds=0.2,
        notify_stream_poll_seconds=0.5,
    )


async def _with_session(settings, work):
    engine = make_engine(settings.database_url)
    try:
        async with make_session_factory(engine)() as session:
            result = await work(session)
            await session.commit()
            return result
    finally:
        await engine.dispose()


@pytest.fixture
def city(settings):
    return run_async(lambda: _with_session(settings, make_city))


async def _deliver_once(settings: Settings) -> None:
    """What a `ttq worker` does once: on PostgreSQL the API process does not deliver."""
    engine = make_engine(settings.database_url)
    try:
        sessions = make_session_factory(engine)
        async with make_http(settings) as http:
            channels = build_channels(settings, sessions, http)
            await Dispatcher(sessions, channels, settings).deliver_once()
    finally:
        await engine.dispose()


def _incident(settings, iid: str) -> Incident:
    return run_async(lambda: _with_session(settings, lambda s: s.get(Incident, uuid.UUID(iid))))


def report(live_server, user, **fields) -> str:
    """A report from a member's phone, over the API of the live server."""
    iid = str(uuid.uuid4())
    r = httpx.put(
        f"{live_server.url}/api/v1/incidents/{iid}",
        json=body(**fields),
        headers=auth(live_server.app, user),
        timeout=60,  # the shared CI machine can be slow; the assertion is on the answer
    )
    assert r.status_code == 201, r.text
    return iid


def trafficking(live_server, city) -> str:
    return report(
        live_server,
        city.member_a,
        category="trafficking",
        subtype="job_offer",
        severity=2,
        protect_reporter=True,
        persons_involved=[{"full_name": "Nguyễn Thị Lan", "role": "victim"}],
        house_id=str(city.house_a.id),
        summary="Môi giới việc làm đáng ngờ ở nhà trọ Hòa Bình",
    )


def watch(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return errors


def sign_in(page, user, next_path: str = "/") -> None:
    page.goto(f"/login?next={next_path}")
    page.get_by_label("Số điện thoại").fill(user.phone)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_load_state()


def test_sign_in_and_out(browser_context, city):
    context, log = browser_context
    page = context.new_page()
    errors = watch(page)
    page.goto("/")
    assert page.get_by_role("heading", name="Đăng nhập").is_visible()
    sign_in(page, city.officer_x)
    assert page.get_by_role("heading", name="Tổng quan: Công đoàn KCX").is_visible()
    cookie = next(c for c in context.cookies() if c["name"] == "ttq_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_url("**/login")
    page.goto("/incidents")
    assert "/login?next=" in page.url
    assert log.foreign() == [] and errors == []


def test_csrf_refusal_in_the_browser(browser_context, city):
    context, log = browser_context
    page = context.new_page()
    sign_in(page, city.officer_x)
    # A forged form (the token tampered with) is refused and the session stays.
    page.eval_on_selector("form[action='/logout'] input[name=csrf_token]", "e => e.value = 'x'")
    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_load_state()
    assert "Phiên biểu mẫu đã hết hạn" in page.content()
    page.goto("/")
    assert page.get_by_role("heading", name="Tổng quan: Công đoàn KCX").is_visible()
    assert log.foreign() == []


@pytest.mark.parametrize("who", sorted(ROLE_HOMES))
def test_each_role_home(browser_context, city, who):
    context, log = browser_context
    page = context.new_page()
    errors = watch(page)
    sign_in(page, getattr(city, who))
    assert ROLE_HOMES[who] in page.content()
    page.wait_for_load_state("networkidle")
    assert log.foreign() == [] and errors == []


def test_police_acknowledges_an_escalation_that_arrived_live(browser_context, city, live_server):
    context, log = browser_context
    page = context.new_page()
    errors = watch(page)
    context.set_default_timeout(15000)
    sign_in(page, city.police_site)  # the site's liaison is told first (the ladder's rung 0)
    page.wait_for_selector("#live-state.on")  # the SSE stream is open
    assert page.locator("[data-incident]").count() == 0
    iid = trafficking(live_server, city)
    if not live_server.settings.is_sqlite:
        run_async(lambda: _deliver_once(live_server.settings))
    card = page.locator(f'[data-incident="{iid}"]')
    card.wait_for()  # appeared without a reload
    assert "fresh" in card.get_attribute("class")
    assert card.locator("time[data-countdown]").inner_text().count(":") >= 1
    card.get_by_role("button", name="Xác nhận").click()
    page.wait_for_load_state()
    assert _incident(live_server.settings, iid).status == "acknowledged"
    assert log.foreign() == [] and errors == []


def test_union_triages_and_exports(browser_context, city, live_server):
    context, log = browser_context
    page = context.new_page()
    errors = watch(page)
    iid = report(live_server, city.member_a, house_id=str(city.house_a.id))
    sign_in(page, city.officer_gx)
    page.goto("/incidents")
    page.get_by_label("Tìm kiếm (không cần dấu)").fill("mat xe may")
    page.get_by_role("button", name="Lọc").click()
    page.locator(f'a[href="/incidents/{iid}"]').click()
    page.locator("form.act-triage").get_by_role("button", name="Tiếp nhận").click()
    page.wait_for_load_state()
    assert page.locator("#incident-status").inner_text() == "Đã tiếp nhận"
    assert _incident(live_server.settings, iid).status == "triaged"
    page.goto("/incidents?q=mat+xe")
    with page.expect_download() as info:
        page.get_by_role("link", name="Tải CSV").click()
    content = Path(info.value.path()).read_text(encoding="utf-8-sig")
    assert iid in content and "Mất xe máy" in content
    assert log.foreign() == [] and errors == []


def test_protected_reporter_sealed_until_break_glass(browser_context, city, live_server):
    context, log = browser_context
    iid = trafficking(live_server, city)
    phone = city.member_a.phone
    for user in (city.officer_x, city.admin):
        page = context.new_page()
        sign_in(page, user, f"/incidents/{iid}")
        assert "danh tính đã niêm phong" in page.content() and phone not in page.content()
        page.get_by_role("button", name="Đăng xuất").click()
        page.wait_for_url("**/login")
    page = context.new_page()
    errors = watch(page)
    sign_in(page, city.police_a1, f"/incidents/{iid}")
    assert phone not in page.content()
    page.get_by_label("Lý do mở niêm phong (bắt buộc)").fill("Cần bảo vệ người báo tin")
    page.get_by_role("button", name="Mở niêm phong (phá kính)").click()
    page.wait_for_load_state()
    assert phone in page.locator("#reporter").inner_text()
    page.goto(f"/incidents/{iid}")  # the timeline keeps the reason, the page not the identity
    assert phone not in page.content() and "Cần bảo vệ người báo tin" in page.content()
    assert log.foreign() == [] and errors == []


def test_out_of_scope_incident_is_the_404_page(browser_context, city, live_server):
    context, log = browser_context
    iid = trafficking(live_server, city)
    page = context.new_page()
    sign_in(page, city.police_b, f"/incidents/{iid}")
    assert page.get_by_role("heading", name="404 — Không tìm thấy").is_visible()
    assert "Hòa Bình" not in page.content()
    assert log.foreign() == []


def test_import_wizard_on_a_file_with_errors(browser_context, city):
    from tests.imports.helpers import HOUSE_HEADERS, csv_bytes, house_row

    context, log = browser_context
    page = context.new_page()
    errors = watch(page)
    sign_in(page, city.admin)
    page.get_by_role("link", name="Nhập dữ liệu hàng loạt").click()
    page.get_by_label("Loại dữ liệu").select_option("houses")
    rows = [house_row("B-1", city.ward_a), house_row("B-2", city.ward_a, phone="123")]
    page.get_by_label("Tệp CSV hoặc XLSX").set_input_files(
        files=[
            {
                "name": "nha-tro.csv",
                "mimeType": "text/csv",
                "buffer": csv_bytes(HOUSE_HEADERS, rows),
            }
        ]
    )
    page.get_by_role("button", name="Kiểm tra (chưa ghi)").click()
    page.wait_for_load_state()
    table = page.locator("#import-errors")
    assert "invalid_phone" in table.inner_text() and "SĐT chủ nhà trọ" in table.inner_text()
    assert page.locator("#errors-total").inner_text() == "1"
    assert page.get_by_role("button", name="Nhập vào hệ thống").count() == 0
    good = [house_row(f"B-{i}", city.ward_a) for i in range(3)]
    page.get_by_label("Tệp CSV hoặc XLSX").set_input_files(
        files=[{"name": "ok.csv", "mimeType": "text/csv", "buffer": csv_bytes(HOUSE_HEADERS, good)}]
    )
    page.get_by_role("button", name="Kiểm tra (chưa ghi)").click()
    page.get_by_role("button", name="Nhập vào hệ thống").click()
    # The run goes on in the background; the page polls its progress until the report.
    page.get_by_role("heading", name="Đã nhập xong").wait_for(timeout=20_000)
    assert log.foreign() == [] and errors == []

"""The administrator's console in Debian's Chromium: create an account (a weak password first,
refused on the form), draw a site on the map, create a house on a team and print the team's QR
sheet, and run an import while its progress is polled. Nothing is asked of another host and no
page raises a script or CSP error."""

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from backend.models import BoardingHouse, Site, User
from tests.browser import run_async
from tests.console.test_browser import _with_session, settings, sign_in, watch  # noqa: F401
from tests.imports.helpers import HOUSE_HEADERS, csv_bytes, house_row
from tests.incidents.world import make_city

# A browser test runs on one engine (tests/conftest.py): the console on PostgreSQL, as deployed.
pytestmark = pytest.mark.engine("postgresql")


@pytest.fixture
def city(settings):  # noqa: F811
    return run_async(lambda: _with_session(settings, make_city))


def _one(settings, model, **where):  # noqa: F811
    async def work(session):
        stmt = select(model).filter_by(**where)
        return await session.scalar(stmt)

    return run_async(lambda: _with_session(settings, work))


def test_admin_creates_a_user(browser_context, city, settings):  # noqa: F811
    context, log = browser_context
    page = context.new_page()
    errors = watch(page)
    sign_in(page, city.admin)
    page.get_by_role("link", name="Người dùng").first.click()
    page.get_by_role("link", name="Thêm người dùng").click()
    page.get_by_label("Họ và tên").fill("Đỗ Thị Mai")
    page.get_by_label("Số điện thoại").fill("0977 123 456")
    page.get_by_label("Vai trò").select_option("union_officer")
    page.get_by_label("Đơn vị phụ trách").select_option(str(city.grassroots_x.id))
    page.get_by_label("Mật khẩu").fill("12345678")
    page.get_by_role("button", name="Thêm người dùng").click()
    alert = page.get_by_role("alert")
    assert "Mật khẩu quá yếu" in alert.inner_text()
    assert page.get_by_label("Họ và tên").input_value() == "Đỗ Thị Mai"  # kept
    page.get_by_label("Mật khẩu").fill("Hoa-sen-trong-dam-7")
    page.get_by_role("button", name="Thêm người dùng").click()
    page.wait_for_url("**/admin/users/*")
    assert "Đã tạo tài khoản" in page.get_by_role("status").first.inner_text()
    user = _one(settings, User, full_name="Đỗ Thị Mai")
    assert user.role == "union_officer" and user.is_active
    page.get_by_role("button", name="Khoá tài khoản").click()
    page.wait_for_url("**done=user_deactivated")
    assert page.locator("#user-status").inner_text() == "Đã khoá"
    # The refused form came back as a 422 document, which Chromium logs; nothing else may.
    assert log.foreign() == [] and [e for e in errors if "status of 422" not in e] == []


def test_admin_draws_a_site_creates_a_house_and_prints_the_teams_qr_sheet(
    browser_context,
    city,
    settings,  # noqa: F811
):
    context, log = browser_context
    page = context.new_page()
    errors = watch(page)
    sign_in(page, city.admin, "/admin/sites")
    page.wait_for_selector("#draw-map[data-ready='1']")
    page.locator("#draw-map").scroll_into_view_if_needed()
    box = page.locator("#draw-map").bounding_box()
    for fx, fy in ((0.35, 0.35), (0.65, 0.35), (0.65, 0.65), (0.35, 0.65)):
        page.mouse.click(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)
    assert '"Polygon"' in page.get_by_label("Ranh giới dạng GeoJSON").input_value()
    page.get_by_label("Mã", exact=True).fill("KCN-VE")
    page.get_by_label("Tên", exact=True).fill("KCN vẽ tay")
    page.get_by_role("button", name="Thêm khu công nghiệp").click()
    page.wait_for_url("**/admin/sites/*")
    site = _one(settings, Site, code="KCN-VE")
    ring = site.boundary["coordinates"][0]
    assert len(ring) == 5 and all(102 < lon < 110 and 8 < lat < 24 for lon, lat in ring)

    page.goto("/admin/houses")
    page.get_by_label("Mã", exact=True).fill("NT-B1")
    page.get_by_label("Tên", exact=True).fill("Nhà trọ Bến Nghé")
    page.get_by_label("Địa chỉ").fill("5 Hẻm 12")
    # The ward picker narrows as one types too (a country's wards do not fit in one select).
    ward = page.get_by_label("Phường/xã")
    page.get_by_label("Tìm đơn vị (tên hoặc mã)").fill("tan thuan")
    expect(ward.locator("option")).to_have_count(2)  # "(none)" and the one match
    ward.select_option(str(city.ward_a.id))
    page.get_by_label("Vĩ độ").fill("10,7605")
    page.get_by_label("Kinh độ").fill("106,7205")
    # The team picker narrows as one types (htmx swaps in the matching options).
    picker = page.get_by_label("Giao cho tổ tự quản")
    page.get_by_label("Tìm tổ (tên hoặc mã)").fill(city.team_a.code.lower())
    expect(picker.locator("option")).to_have_count(2)  # "(none)" and the one match
    picker.select_option(str(city.team_a.id))
    page.get_by_role("button", name="Thêm nhà trọ").click()
    page.wait_for_url("**/admin/houses/*")
    assert city.team_a.name in page.locator("#house-teams").inner_text()
    assert _one(settings, BoardingHouse, code="NT-B1") is not None

    page.get_by_role("link", name=city.team_a.name).click()
    with context.expect_page() as opened:
        page.get_by_role("link", name="In tờ mã QR của tổ").click()
    sheet = opened.value
    sheet.wait_for_load_state()
    assert sheet.locator(".card").count() == 3 and sheet.locator(".card svg").count() == 3
    assert "Nhà trọ Bến Nghé" in sheet.content()
    assert log.foreign() == [] and errors == []


def test_admin_runs_an_import_and_watches_its_progress(browser_context, city, tmp_path):
    context, log = browser_context
    page = context.new_page()
    errors = watch(page)
    sign_in(page, city.admin, "/admin/import")
    rows = [house_row(f"IMP-{i}", city.ward_a) for i in range(30)]
    upload = tmp_path / "nha-tro.csv"
    upload.write_bytes(csv_bytes(HOUSE_HEADERS, rows))
    page.get_by_label("Loại dữ liệu").select_option("houses")
    page.get_by_label("Tệp CSV hoặc XLSX").set_input_files(str(upload))
    page.get_by_role("button", name="Kiểm tra (chưa ghi)").click()
    page.get_by_role("button", name="Nhập vào hệ thống").click()
    assert page.locator("#import-progress").count() == 1  # the progress the page polls
    page.get_by_role("heading", name="Đã nhập xong").wait_for(timeout=20_000)
    assert "30" in page.locator("#import-report").inner_text()
    assert log.foreign() == [] and errors == []

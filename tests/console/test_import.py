"""The bulk import wizard: the dry run's problems by row and column, then the real run."""

from sqlalchemy import func, select

from backend.models import AuditEvent, BoardingHouse
from tests.console.conftest import csrf, sign_in
from tests.imports.helpers import HOUSE_HEADERS, csv_bytes, house_row


async def _check(client, data: bytes):
    token = await csrf(client, "/admin/import")
    return await client.post(
        "/admin/import",
        data={"kind": "houses", "csrf_token": token},
        files={"file": ("nha-tro.csv", data, "text/csv")},
    )


async def test_dry_run_shows_problems_then_a_clean_file_runs(client, city, session):
    await sign_in(client, city.admin)
    bad = csv_bytes(
        HOUSE_HEADERS, [house_row("W-1", city.ward_a), house_row("W-2", city.ward_a, phone="123")]
    )
    page = await _check(client, bad)
    assert page.status_code == 200 and 'id="import-errors"' in page.text
    assert "invalid_phone" in page.text and "SĐT chủ nhà trọ" in page.text
    assert 'action="/admin/import/run"' not in page.text  # no run until the file is clean
    good = csv_bytes(HOUSE_HEADERS, [house_row(f"W-{i}", city.ward_a) for i in range(3)])
    page = await _check(client, good)
    assert 'action="/admin/import/run"' in page.text
    assert await session.scalar(select(func.count()).select_from(BoardingHouse)) == 3  # city's
    digest = page.text.split('name="digest" value="')[1].split('"')[0]
    run = await client.post(
        "/admin/import/run",
        data={"kind": "houses", "digest": digest, "csrf_token": await csrf(client)},
    )
    assert run.status_code == 200 and "Đã nhập xong" in run.text
    assert await session.scalar(select(func.count()).select_from(BoardingHouse)) == 6
    assert await session.scalar(select(AuditEvent).where(AuditEvent.action == "registry.import"))
    again = await client.post(
        "/admin/import/run",
        data={"kind": "houses", "digest": digest, "csrf_token": await csrf(client)},
    )
    assert again.status_code == 422  # the held file is gone after the run


async def test_a_file_level_problem_and_who_may_import(client, city):
    await sign_in(client, city.admin)
    page = await _check(client, b"\xff\xfe garbage")
    assert page.status_code == 422 and 'role="alert"' in page.text
    client.cookies.clear()
    await sign_in(client, city.police_a1)
    assert (await client.get("/admin/import")).status_code == 403

"""The bulk import wizard: the dry run's problems by row and column, then the real run."""

import asyncio
import json
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select

from backend.console import import_jobs
from backend.core.errors import Invalid
from backend.imports import batched
from backend.imports.kinds import handler_for
from backend.models import AuditEvent, BoardingHouse
from tests.console.conftest import csrf, sign_in
from tests.imports.helpers import HOUSE_HEADERS, csv_bytes, house_row, write_lock_state


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
    # The run goes on in the background: the page polls its progress (htmx) until the report.
    assert run.status_code == 200 and 'id="import-progress"' in run.text
    assert 'hx-trigger="every 1s"' in run.text
    done = await finished(client, run.text)
    assert "Đã nhập xong" in done and "hx-trigger" not in done
    assert await session.scalar(select(func.count()).select_from(BoardingHouse)) == 6
    assert await session.scalar(select(AuditEvent).where(AuditEvent.action == "registry.import"))
    again = await client.post(
        "/admin/import/run",
        data={"kind": "houses", "digest": digest, "csrf_token": await csrf(client)},
    )
    assert again.status_code == 422  # the held file is gone after the run


async def finished(client, page: str) -> str:
    """Poll the run's progress fragment as the page does, until it is no longer running."""
    url = page.split('hx-get="')[1].split('"')[0]
    for _ in range(300):
        fragment = await client.get(url, headers={"HX-Request": "true"})
        assert fragment.status_code == 200
        if "every 1s" not in fragment.text:
            return fragment.text
        await asyncio.sleep(0.05)
    raise AssertionError("the import never finished")


async def test_progress_while_running_and_only_for_who_started_it(client, city, session):
    await sign_in(client, city.admin)
    rows = [house_row(f"P-{i}", city.ward_a) for i in range(40)]
    page = await _check(client, csv_bytes(HOUSE_HEADERS, rows))
    digest = page.text.split('name="digest" value="')[1].split('"')[0]
    run = await client.post(
        "/admin/import/run",
        data={"kind": "houses", "digest": digest, "csrf_token": await csrf(client)},
    )
    url = run.text.split('hx-get="')[1].split('"')[0]
    seen = []
    for _ in range(300):
        fragment = (await client.get(url, headers={"HX-Request": "true"})).text
        seen.append(fragment)
        if "every 1s" not in fragment:
            break
        await asyncio.sleep(0.01)
    assert "Đã nhập xong" in seen[-1] and "40" in seen[-1]
    assert all("<html" not in f for f in seen)  # fragments, not pages
    full = await client.get(url)
    assert full.status_code == 200 and "<html" in full.text and "Đã nhập xong" in full.text
    client.cookies.clear()
    await sign_in(client, city.officer_gx)  # may import, but this run is not theirs
    assert (await client.get(url)).status_code == 404
    assert (await client.get("/admin/import/jobs/not-a-job")).status_code == 404


async def test_the_fragment_shows_how_far_a_run_has_got(client, app, city):
    # A 40-row run is over before a poll can catch it halfway: here the state a run writes
    # mid-way (as the engine reports rows) is put in place, and the fragment must show it.
    await sign_in(client, city.admin)
    job_id = uuid.uuid4().hex
    path = (
        Path(app.state.settings.attachment_dir).parent
        / "console-imports"
        / f"{city.admin.id}-job-{job_id}.json"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {"kind": "houses", "status": "running", "done": 12, "total": 40}
    path.write_text(json.dumps(state | {"written_at": time.time()}))
    fragment = await client.get(f"/admin/import/jobs/{job_id}", headers={"HX-Request": "true"})
    assert 'hx-trigger="every 1s"' in fragment.text and 'value="12"' in fragment.text
    assert "Đã xử lý 12/40 dòng" in fragment.text
    # A run whose process stopped (no word for 10 minutes) is shown as interrupted, not polled.
    path.write_text(json.dumps(state | {"written_at": time.time() - 3600}))
    fragment = await client.get(f"/admin/import/jobs/{job_id}", headers={"HX-Request": "true"})
    assert "every 1s" not in fragment.text and "Lần nhập bị gián đoạn" in fragment.text


async def test_a_run_that_meets_changed_data_reports_its_problems(client, city, session):
    await sign_in(client, city.admin)
    page = await _check(client, csv_bytes(HOUSE_HEADERS, [house_row("C-1", city.ward_a)]))
    digest = page.text.split('name="digest" value="')[1].split('"')[0]
    before = await session.scalar(select(func.count()).select_from(BoardingHouse))
    # Between the check and the run the ward is gone: the run fails as a whole and says why.
    city.ward_a.deleted_at = city.ward_a.created_at
    await session.commit()
    run = await client.post(
        "/admin/import/run",
        data={"kind": "houses", "digest": digest, "csrf_token": await csrf(client)},
    )
    report = await finished(client, run.text)
    assert "Có lỗi cần sửa trong tệp" in report and 'id="import-errors"' in report
    assert await session.scalar(select(func.count()).select_from(BoardingHouse)) == before


async def test_a_file_level_problem_and_who_may_import(client, city):
    await sign_in(client, city.admin)
    page = await _check(client, b"\xff\xfe garbage")
    assert page.status_code == 422 and 'role="alert"' in page.text
    client.cookies.clear()
    await sign_in(client, city.police_a1)
    assert (await client.get("/admin/import")).status_code == 403


async def _run_checked(client, city, rows: int, prefix: str) -> str:
    await sign_in(client, city.admin)
    page = await _check(
        client,
        csv_bytes(HOUSE_HEADERS, [house_row(f"{prefix}-{i}", city.ward_a) for i in range(rows)]),
    )
    digest = page.text.split('name="digest" value="')[1].split('"')[0]
    run = await client.post(
        "/admin/import/run",
        data={"kind": "houses", "digest": digest, "csrf_token": await csrf(client)},
    )
    return await finished(client, run.text)


@pytest.mark.engine("sqlite")
async def test_a_run_on_sqlite_leaves_the_write_lock_free_between_batches(
    client, city, settings, monkeypatch
):
    # Phones sign in and upload while an administrator imports: on SQLite the run is written
    # in batches, as `ttq import` writes it; before, it held the one write lock throughout.
    monkeypatch.setattr(batched, "BATCH_ROWS", 5)
    path = settings.database_url.removeprefix("sqlite+aiosqlite:///")
    seen, write_state = [], import_jobs.write_state

    def probe_then_write(state_path, state):
        if state.get("status") == "running" and state.get("done"):
            seen.append(write_lock_state(path))
        write_state(state_path, state)

    monkeypatch.setattr(import_jobs, "write_state", probe_then_write)
    monkeypatch.setattr(import_jobs, "WRITE_EVERY_S", 0)  # every batch's progress is written
    report = await _run_checked(client, city, 20, "L")
    assert "Đã nhập xong" in report
    assert len(seen) >= 4 and set(seen) == {"free"}, seen


@pytest.mark.engine("sqlite")
async def test_a_batch_that_fails_on_sqlite_says_how_many_rows_were_written(
    client, city, session, monkeypatch
):
    # A row that passed the check fails when written (data changed in between): the batches
    # before it stay, and the page says so and how to finish.
    monkeypatch.setattr(batched, "BATCH_ROWS", 2)
    handler_class = type(handler_for("houses"))
    apply, calls = handler_class.apply, []

    async def apply_failing_on_write(self, session, actor, row):
        calls.append(row)
        # The wizard's check, then the run's own check on a copy, apply all six rows first;
        # the fifth row written (the third batch's first) fails.
        if len(calls) == 6 + 6 + 5:
            raise Invalid(code="house_changed")
        return await apply(self, session, actor, row)

    monkeypatch.setattr(handler_class, "apply", apply_failing_on_write)
    before = await session.scalar(select(func.count()).select_from(BoardingHouse))
    report = await _run_checked(client, city, 6, "F")
    assert 'id="rows-written"' in report and "4 dòng đầu đã được ghi" in report
    assert await session.scalar(select(func.count()).select_from(BoardingHouse)) == before + 4

"""`ttq import houses FILE [--dry-run] [--as PHONE]` on a migrated temporary SQLite file."""

import asyncio
import sqlite3

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from backend.cli import app as cli
from backend.core.config import get_settings
from backend.core.db import make_engine, make_session_factory
from backend.core.migrate import upgrade
from backend.models import AdminUnit, AuditEvent, BoardingHouse, UnionUnit
from tests.factories import make_unit, make_user
from tests.factories_registry import make_site
from tests.imports.helpers import HOUSE_HEADERS, csv_bytes, house_row, write_lock_state, xlsx_bytes

runner = CliRunner()


async def _in_db(url: str, work):
    engine = make_engine(url)
    try:
        async with make_session_factory(engine)() as session:
            result = await work(session)
            await session.commit()
            return result
    finally:
        await engine.dispose()


@pytest.fixture
def db(tmp_path, monkeypatch):
    """A migrated SQLite file with a ward, a site of union X, and an officer of union Y."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TTQ_DATABASE_URL", url)
    monkeypatch.delenv("TTQ_ENVIRONMENT", raising=False)
    get_settings.cache_clear()
    upgrade(url)

    async def world(session):
        city = await make_unit(session, AdminUnit, "Thành phố", code="TP")
        ward = await make_unit(session, AdminUnit, "Phường", parent=city, code="P-1")
        union_x = await make_unit(session, UnionUnit, "CĐ X", code="CD-X")
        union_y = await make_unit(session, UnionUnit, "CĐ Y", code="CD-Y")
        await make_site(session, union_unit=union_x, lon=106.75, lat=10.90)
        await make_user(session, role="union_officer", units=[union_y], phone="+84912000001")
        return ward

    ward = asyncio.run(_in_db(url, world))
    yield url, ward
    get_settings.cache_clear()


def houses(url: str) -> int:
    async def work(session):
        return await session.scalar(select(func.count()).select_from(BoardingHouse))

    return asyncio.run(_in_db(url, work))


def test_dry_run_prints_the_problems_and_exits_non_zero(db, tmp_path):
    url, ward = db
    rows = [house_row("C-1", ward), house_row("C-2", ward, phone="123")]
    path = tmp_path / "nha-tro.csv"
    path.write_bytes(csv_bytes(HOUSE_HEADERS, rows, bom=True))
    r = runner.invoke(cli, ["import", "houses", str(path), "--dry-run"])
    assert r.exit_code == 1, r.output
    assert "invalid_phone" in r.output and "SĐT chủ nhà trọ" in r.output
    assert "Xem trước" in r.output and "lỗi 1" in r.output
    assert houses(url) == 0


def test_real_run_imports_then_reimport_is_unchanged(db, tmp_path):
    url, ward = db
    path = tmp_path / "nha-tro.xlsx"
    path.write_bytes(xlsx_bytes(HOUSE_HEADERS, [house_row(f"C-{i}", ward) for i in range(3)]))
    r = runner.invoke(cli, ["import", "houses", str(path)])
    assert r.exit_code == 0, r.output
    assert "tạo mới 3" in r.output
    assert houses(url) == 3
    r = runner.invoke(cli, ["import", "houses", str(path)])
    assert r.exit_code == 0 and "không đổi 3" in r.output, r.output

    async def audit(session):
        event = (
            await session.scalars(
                select(AuditEvent).where(AuditEvent.action == "registry.import").limit(1)
            )
        ).one()
        return event.actor_id, event.detail["file_name"]

    assert asyncio.run(_in_db(url, audit)) == (None, "nha-tro.xlsx")  # the system


def test_as_an_officer_their_scope_applies(db, tmp_path):
    url, ward = db
    path = tmp_path / "nha-tro.csv"
    path.write_bytes(csv_bytes(HOUSE_HEADERS, [house_row("C-9", ward)]))
    r = runner.invoke(cli, ["import", "houses", str(path), "--as", "0912000001"])
    assert r.exit_code == 1, r.output
    assert "out_of_scope" in r.output and "Không lưu gì" in r.output
    assert houses(url) == 0
    r = runner.invoke(cli, ["import", "sites", str(path), "--as", "0912000001"])
    assert r.exit_code == 1 and "forbidden" in r.output
    r = runner.invoke(cli, ["import", "houses", str(path), "--as", "0999999999"])
    assert r.exit_code == 1 and "unknown_user" in r.output


def test_file_problems_are_one_clear_line(db, tmp_path):
    path = tmp_path / "cu.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)
    r = runner.invoke(cli, ["import", "houses", str(path)])
    assert r.exit_code == 1 and "xls_not_supported" in r.output
    path = tmp_path / "thieu.csv"
    path.write_bytes(csv_bytes(["Mã nhà trọ"], [["A"]]))
    r = runner.invoke(cli, ["import", "houses", str(path)])
    assert r.exit_code == 1 and "Vĩ độ" in r.output


def test_a_dry_run_never_holds_the_write_lock(db, tmp_path):
    # While a dry run works through its rows, another writer (a sign-in, an upload) must get
    # SQLite's write lock at once: before, the dry run held it from its first row to the end.
    from backend.imports.cli import _run

    url, ward = db
    path = url.removeprefix("sqlite+aiosqlite:///")
    data = csv_bytes(HOUSE_HEADERS, [house_row(f"C-{i}", ward) for i in range(20)])
    seen = []

    def progress(done, total):
        seen.append(write_lock_state(path))

    report = asyncio.run(_run("houses", data, "f.csv", True, None, progress))
    assert report["created"] == 20 and report["dry_run"] is True
    assert seen == ["free"] * 20
    assert houses(url) == 0  # and nothing was written to the real database


def test_a_real_run_on_sqlite_lets_other_writers_in_between_batches(db, tmp_path, monkeypatch):
    # A sign-in writes (failed-attempt counts, devices, tokens): during a real import it must get
    # SQLite's write lock between batches; before, the import held it from its first row on.
    from backend.imports import batched
    from backend.imports.cli import _run

    monkeypatch.setattr(batched, "BATCH_ROWS", 5)
    url, ward = db
    path = url.removeprefix("sqlite+aiosqlite:///")
    data = csv_bytes(HOUSE_HEADERS, [house_row(f"C-{i}", ward) for i in range(20)])
    seen = []

    def progress(done, total):
        other = sqlite3.connect(path, timeout=0)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute(
                "INSERT INTO login_attempt (phone_index, client_ip, created_at)"
                " VALUES ('x', 'probe', '2026-12-01 00:00:00')"
            )
            other.execute("COMMIT")
            seen.append("free")
        except sqlite3.OperationalError as exc:
            seen.append(str(exc))
        finally:
            other.close()

    report = asyncio.run(_run("houses", data, "f.csv", False, None, progress))
    assert report["created"] == 20 and report["dry_run"] is False
    assert seen and set(seen) == {"free"}, seen
    assert houses(url) == 20


def test_a_real_run_with_a_bad_row_writes_nothing_even_in_batches(db, tmp_path, monkeypatch):
    from backend.imports import batched

    monkeypatch.setattr(batched, "BATCH_ROWS", 2)
    url, ward = db
    rows = [house_row(f"C-{i}", ward) for i in range(6)] + [house_row("C-9", ward, phone="1")]
    path = tmp_path / "nha-tro.csv"
    path.write_bytes(csv_bytes(HOUSE_HEADERS, rows))
    r = runner.invoke(cli, ["import", "houses", str(path)])
    assert r.exit_code == 1, r.output
    assert "invalid_phone" in r.output
    assert houses(url) == 0

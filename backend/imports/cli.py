"""`ttq import sites|houses|teams|members FILE [--dry-run] [--as PHONE]`."""

import asyncio
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from backend.core.cli_lang import bi, tr
from backend.imports.schemas import ImportKind

HELP = bi(
    "Nhập khu, nhà trọ, tổ, thành viên từ CSV/XLSX (mặc định với quyền quản trị hệ thống).",
    "Import sites, houses, teams or members from a spreadsheet (as the system by default).",
)
KIND_VI = {"sites": "khu", "houses": "nhà trọ", "teams": "tổ", "members": "thành viên"}


async def _actor(session, phone: str | None):
    """None (the system: a system administrator's reach) or the account with this phone."""
    if phone is None:
        return None
    from sqlalchemy import select

    from backend.core import pii
    from backend.core.errors import DomainError
    from backend.core.security import normalize_phone
    from backend.models import User
    from backend.policy.subject import load_subject

    e164 = normalize_phone(phone) or phone
    user = await session.scalar(select(User).where(pii.phone_matches(User.phone_index, e164)))
    if user is None or not user.is_active:
        raise DomainError(code="unknown_user", status=422, detail=phone)
    return await load_subject(session, user)


async def _run(kind: ImportKind, data: bytes, name: str, dry_run: bool, phone, progress):
    from backend.core.config import get_settings
    from backend.core.db import make_engine, make_session_factory
    from backend.imports.batched import import_for_real
    from backend.imports.engine import run_import
    from backend.imports.kinds import handler_for
    from backend.imports.snapshot import dry_run_session

    engine = make_engine(get_settings().database_url)
    try:
        async with make_session_factory(engine)() as session:
            actor = await _actor(session, phone)
            if not dry_run:
                # On SQLite checked on a copy, then written in short batches: sign-in goes on.
                report = await import_for_real(
                    session, actor=actor, kind=kind, data=data, file_name=name, progress=progress
                )
                return report.as_dict()
            # A dry run never takes SQLite's write lock (imports/snapshot.py).
            async with dry_run_session(session) as working:
                report = await run_import(
                    working,
                    actor=actor,
                    handler=handler_for(kind),
                    data=data,
                    file_name=name,
                    dry_run=True,
                    progress=progress,
                )
                await working.commit()
            return report.as_dict()
    finally:
        await engine.dispose()


def _problems_table(title: str, problems: list[dict[str, Any]]) -> Table:
    table = Table(title=title, show_lines=False)
    headers = [
        tr("Dòng", "Row"),
        tr("Cột", "Column"),
        tr("Tiêu đề", "Header"),
        tr("Mã lỗi", "Code"),
        tr("Nội dung", "Message"),
        tr("Giá trị", "Value"),
    ]
    for header in headers:
        table.add_column(header, overflow="fold")
    for p in problems:
        table.add_row(
            str(p["row"]),
            p.get("column") or "",
            p.get("header") or "",
            p["code"],
            p.get("message") or "",
            (p.get("value") or "")[:60],
        )
    return table


def _import_command(kind: ImportKind):
    def command(
        file: Annotated[
            Path,
            typer.Argument(
                exists=True,
                dir_okay=False,
                readable=True,
                help=bi("tệp CSV hoặc XLSX", "CSV or XLSX"),
            ),
        ],
        dry_run: Annotated[
            bool,
            typer.Option(
                "--dry-run",
                help=bi("kiểm tra và báo cáo, không ghi gì", "check and report, write nothing"),
            ),
        ] = False,
        as_phone: Annotated[
            str | None,
            typer.Option(
                "--as",
                help=bi(
                    "nhập với tài khoản này (phạm vi và quyền của nó)",
                    "import as this account (its scope and permissions)",
                ),
            ),
        ] = None,
    ) -> None:
        from rich.markup import escape

        from backend.core.cli_support import sentence_for
        from backend.core.errors import DomainError

        out, err = Console(), Console(stderr=True)
        with Progress(
            TextColumn(f"[bold]{kind}[/bold]"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
            transient=True,
        ) as bar:
            task = bar.add_task(kind.value, total=None)

            def progress(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            try:
                report = asyncio.run(
                    _run(kind, file.read_bytes(), file.name, dry_run, as_phone, progress)
                )
            except DomainError as exc:
                report = exc.extra if exc.code == "import_failed" else None
                if report is None:
                    err.print(f"[red]{tr('Lỗi', 'Error')}:[/red] {escape(sentence_for(exc))}")
                    if exc.extra.get("errors"):
                        out.print(
                            _problems_table(tr("Lỗi tiêu đề", "Header errors"), exc.extra["errors"])
                        )
                    raise typer.Exit(1) from None
        if report["warnings"]:
            out.print(_problems_table(tr("Cảnh báo", "Warnings"), report["warnings"]))
        if report["errors"]:
            shown = len(report["errors"])
            more = report["errors_total"] - shown
            title = tr(f"{report['errors_total']} lỗi", f"{report['errors_total']} errors")
            if more:
                title += tr(f" ({shown} đầu tiên)", f" (first {shown})")
            out.print(_problems_table(title, report["errors"]))
        mode = (
            tr("Xem trước (không lưu)", "Preview (nothing saved)")
            if dry_run
            else tr("Đã nhập", "Imported")
        )
        if report["errors_total"] and not dry_run:
            mode = tr("Không lưu gì vì có lỗi", "Nothing saved because of errors")
        out.print(
            tr(
                f"{mode}: {report['rows']} dòng — tạo mới {report['created']}, cập nhật"
                f" {report['updated']}, không đổi {report['unchanged']},"
                f" lỗi {report['errors_total']}",
                f"{mode}: {report['rows']} rows — created {report['created']}, updated"
                f" {report['updated']}, unchanged {report['unchanged']},"
                f" errors {report['errors_total']}",
            )
        )
        if report["errors_total"]:
            raise typer.Exit(1)

    command.__doc__ = bi(
        f"Nhập {KIND_VI[kind.value]} từ tệp CSV hoặc XLSX (tất cả hoặc không gì cả).",
        f"Import {kind.value} from a CSV or XLSX file (all or nothing).",
    )
    return command


def register(app: typer.Typer) -> None:
    """Add this domain's commands to the `ttq` command."""
    group = typer.Typer(help=HELP, no_args_is_help=True)
    for kind in ImportKind:
        group.command(kind.value)(_import_command(kind))
    app.add_typer(group, name="import")

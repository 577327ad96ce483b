"""`ttq rollups …` and `ttq reports …`: rebuild or refresh the dashboard rollups, send report
reminders."""

import asyncio
from datetime import UTC, datetime
from typing import Annotated

import typer

from backend.core.cli_lang import bi, tr


def _run(work):
    from backend.core.config import get_settings
    from backend.core.db import make_engine, make_session_factory

    async def main():
        engine = make_engine(get_settings().database_url)
        try:
            async with make_session_factory(engine)() as session:
                result = await work(session)
                await session.commit()
                return result
        finally:
            await engine.dispose()

    return asyncio.run(main())


def register(app: typer.Typer) -> None:
    """Add this domain's commands to the `ttq` command."""
    rollups = typer.Typer(
        help=bi(
            "Số liệu tổng hợp cho bảng điều khiển.",
            "Rollups: the figures the dashboards read.",
        ),
        no_args_is_help=True,
    )

    @rollups.command(
        "rebuild",
        help=bi(
            "Tính lại mọi số liệu tổng hợp từ dữ liệu gốc (một giao dịch; người đọc thấy số cũ"
            " cho tới khi xong).",
            "Recompute every rollup from the raw tables (one transaction; readers see the old"
            " figures until it commits).",
        ),
    )
    def rebuild() -> None:
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        from backend.dashboards.rollups import rebuild as run

        async def work(session):
            with Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                TextColumn("{task.completed}/{task.total}"),
                TimeElapsedColumn(),
                transient=False,
            ) as progress:
                task = progress.add_task(tr("Đang tổng hợp lại", "Rebuilding"), total=1)
                async for step, done, total in run(session):
                    progress.update(task, description=step, completed=done, total=total)

        _run(work)
        typer.echo(
            tr("Đã tổng hợp lại toàn bộ số liệu bảng điều khiển", "Every rollup was rebuilt")
        )

    @rollups.command(
        "refresh",
        help=bi(
            "Gộp dữ liệu gốc thay đổi từ lần chạy trước vào số liệu tổng hợp (việc của tác vụ"
            " định kỳ).",
            "Fold raw rows changed since the last run into the rollups (what the job does).",
        ),
    )
    def refresh() -> None:
        from backend.dashboards.rollups import refresh as run

        stats = _run(lambda session: run(session))
        typer.echo(
            tr(
                f"Đã cập nhật: {stats.house_days} nhà×ngày, {stats.team_days} tổ×ngày, "
                f"{stats.cell_days} ô vụ việc×ngày",
                f"Updated: {stats.house_days} house-days, {stats.team_days} team-days, "
                f"{stats.cell_days} incident cell-days",
            )
        )

    reports = typer.Typer(
        help=bi(
            "Báo cáo định kỳ gửi LĐLĐ thành phố.",
            "Periodic reports to the city labour federation.",
        ),
        no_args_is_help=True,
    )

    @reports.command(
        "remind",
        help=bi(
            "Nhắc các đơn vị sắp đến hạn báo cáo định kỳ mà chưa nộp.",
            "Remind units whose periodic report is due soon and not yet submitted.",
        ),
    )
    def remind(
        now: Annotated[
            datetime | None,
            typer.Option(help=bi("tại thời điểm này (UTC)", "as of this time (UTC)")),
        ] = None,
    ) -> None:
        from backend.dashboards.tasks import remind_periodic_reports

        at = now.replace(tzinfo=UTC) if now else None
        sent = _run(lambda session: remind_periodic_reports(session, now=at))
        typer.echo(tr(f"Đã nhắc {sent} đơn vị", f"Reminded {sent} units"))

    app.add_typer(rollups, name="rollups")
    app.add_typer(reports, name="reports")

"""`ttq rollups …` and `ttq reports …`: rebuild or refresh the dashboard rollups, send report
reminders."""

import asyncio
from datetime import UTC, datetime
from typing import Annotated

import typer


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
    rollups = typer.Typer(help="Số liệu tổng hợp cho bảng điều khiển.", no_args_is_help=True)

    @rollups.command("rebuild")
    def rebuild() -> None:
        """Recompute every rollup from the raw tables (one transaction; readers see the old
        figures until it commits)."""
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
                task = progress.add_task("Đang tổng hợp lại", total=1)
                async for step, done, total in run(session):
                    progress.update(task, description=step, completed=done, total=total)

        _run(work)
        typer.echo("Đã tổng hợp lại toàn bộ số liệu bảng điều khiển")

    @rollups.command("refresh")
    def refresh() -> None:
        """Fold raw rows changed since the last run into the rollups (what the job does)."""
        from backend.dashboards.rollups import refresh as run

        stats = _run(lambda session: run(session))
        typer.echo(
            f"Đã cập nhật: {stats.house_days} nhà×ngày, {stats.team_days} tổ×ngày, "
            f"{stats.cell_days} ô vụ việc×ngày"
        )

    reports = typer.Typer(help="Báo cáo định kỳ gửi LĐLĐ thành phố.", no_args_is_help=True)

    @reports.command("remind")
    def remind(
        now: Annotated[datetime | None, typer.Option(help="as of this time (UTC)")] = None,
    ) -> None:
        """Remind units whose periodic report is due soon and not yet submitted."""
        from backend.dashboards.tasks import remind_periodic_reports

        at = now.replace(tzinfo=UTC) if now else None
        sent = _run(lambda session: remind_periodic_reports(session, now=at))
        typer.echo(f"Đã nhắc {sent} đơn vị")

    app.add_typer(rollups, name="rollups")
    app.add_typer(reports, name="reports")

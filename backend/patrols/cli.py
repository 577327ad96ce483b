"""`ttq` commands of the patrols domain: run the scheduled jobs once."""

import asyncio
from datetime import datetime
from typing import Annotated

import typer


def _run(job, now: datetime | None):
    from backend.core.config import get_settings
    from backend.core.db import make_engine, make_session_factory

    settings = get_settings()

    async def work():
        engine = make_engine(settings.database_url)
        try:
            async with make_session_factory(engine)() as session:
                result = await job(session, now=now, settings=settings)
                await session.commit()
                return result
        finally:
            await engine.dispose()

    return asyncio.run(work())


def register(app: typer.Typer) -> None:
    """Add this domain's commands to the `ttq` command."""
    patrols = typer.Typer(help="Tuần tra: chạy các tác vụ định kỳ một lần.", no_args_is_help=True)

    @patrols.command("check-missed")
    def check_missed(
        now: Annotated[
            datetime | None, typer.Option(help="judge as of this time (UTC), default now")
        ] = None,
    ) -> None:
        """Judge planned patrol windows that are over; report missed ones."""
        from datetime import UTC

        from backend.patrols.tasks import check_missed_windows

        result = _run(check_missed_windows, now.replace(tzinfo=UTC) if now else None)
        typer.echo(
            f"Hoàn thành: {result['done']}, một phần: {result['partial']}, "
            f"bỏ lỡ: {result['missed']}, lượt quét chờ được xếp: {result['filed_from_held']}"
        )

    @patrols.command("purge-tracks")
    def purge_tracks() -> None:
        """Delete GPS tracks older than the retention period (TTQ_TRACK_RETENTION_DAYS)."""
        from backend.patrols.tasks import purge_old_tracks

        deleted = _run(purge_old_tracks, None)
        typer.echo(f"Đã xóa {deleted} đoạn lộ trình GPS quá hạn lưu trữ")

    app.add_typer(patrols, name="patrols")

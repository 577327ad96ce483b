"""`ttq` commands of the patrols domain: run the scheduled jobs once."""

import asyncio
from datetime import datetime
from typing import Annotated

import typer

from backend.core.cli_lang import bi, tr


def _run(job, now: datetime | None):
    from backend.core.config import get_settings
    from backend.core.db import make_engine, make_session_factory

    settings = get_settings()

    async def work():
        engine = make_engine(settings.database_url, settings)
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
    patrols = typer.Typer(
        help=bi(
            "Tuần tra: chạy các tác vụ định kỳ một lần.",
            "Patrols: run the periodic jobs once.",
        ),
        no_args_is_help=True,
    )

    @patrols.command(
        "check-missed",
        help=bi(
            "Xét các khung giờ tuần tra theo kế hoạch đã qua; báo các lượt bị bỏ lỡ.",
            "Judge planned patrol windows that are over; report missed ones.",
        ),
    )
    def check_missed(
        now: Annotated[
            datetime | None,
            typer.Option(
                help=bi(
                    "xét tại thời điểm này (UTC), mặc định là bây giờ",
                    "judge as of this time (UTC), default now",
                )
            ),
        ] = None,
    ) -> None:
        from datetime import UTC

        from backend.patrols.tasks import check_missed_windows

        result = _run(check_missed_windows, now.replace(tzinfo=UTC) if now else None)
        typer.echo(
            tr(
                f"Hoàn thành: {result['done']}, một phần: {result['partial']}, "
                f"bỏ lỡ: {result['missed']}, lượt quét chờ được xếp: {result['filed_from_held']}",
                f"Done: {result['done']}, partial: {result['partial']}, "
                f"missed: {result['missed']}, held scans filed: {result['filed_from_held']}",
            )
        )

    @patrols.command(
        "purge-tracks",
        help=bi(
            "Xóa lộ trình GPS cũ hơn thời hạn lưu trữ (TTQ_TRACK_RETENTION_DAYS).",
            "Delete GPS tracks older than the retention period (TTQ_TRACK_RETENTION_DAYS).",
        ),
    )
    def purge_tracks() -> None:
        from backend.patrols.tasks import purge_old_tracks

        deleted = _run(purge_old_tracks, None)
        typer.echo(
            tr(
                f"Đã xóa {deleted} đoạn lộ trình GPS quá hạn lưu trữ",
                f"Deleted {deleted} GPS tracks past their retention period",
            )
        )

    app.add_typer(patrols, name="patrols")

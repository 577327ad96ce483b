"""`ttq` commands of the notifications domain."""

import asyncio
from typing import Annotated

import typer

from backend.core.cli_lang import bi, tr


def worker(
    once: Annotated[
        bool,
        typer.Option("--once", help=bi("gửi một lượt rồi thoát", "deliver one batch, then exit")),
    ] = False,
    worker_id: Annotated[
        str | None,
        typer.Option(
            "--worker-id", help=bi("tên trong nhật ký và lease", "name in logs and leases")
        ),
    ] = None,
    concurrency: Annotated[
        int | None,
        typer.Option(
            "--concurrency",
            help=bi("số lượt gửi đồng thời", "deliveries in flight at once"),
        ),
    ] = None,
    log_json: Annotated[
        bool | None,
        typer.Option(
            "--log-json/--log-text",
            help=bi(
                "nhật ký dạng JSON / dạng dễ đọc (mặc định: JSON khi không ở terminal)",
                "JSON / readable log lines (default: JSON unless at a terminal)",
            ),
        ),
    ] = None,
) -> None:
    from backend.core.config import get_settings
    from backend.core.logging import configure_logging
    from backend.notifications.worker import WorkerConfigError, run_worker

    settings = get_settings()
    if concurrency:
        settings = settings.model_copy(update={"notify_concurrency": concurrency})
    configure_logging(settings.log_level, settings.log_json if log_json is None else log_json)
    try:
        asyncio.run(run_worker(settings, worker_id=worker_id, once=once))
    except WorkerConfigError as exc:
        typer.echo(tr(f"Lỗi cấu hình: {exc}", f"Configuration error: {exc}"), err=True)
        raise typer.Exit(2) from None


def zalo_token(
    refresh_token: Annotated[
        str,
        typer.Argument(
            help=bi("refresh token của OA do Zalo cấp", "the OA's refresh token from Zalo")
        ),
    ],
) -> None:
    """Store a new Zalo OA refresh token (after re-authorizing the OA); workers use it next."""
    from backend.core.config import get_settings
    from backend.core.db import make_engine, make_session_factory
    from backend.notifications.zalo_tokens import replace_refresh_token

    settings = get_settings()

    async def run() -> None:
        engine = make_engine(settings.database_url)
        try:
            await replace_refresh_token(make_session_factory(engine), settings, refresh_token)
        finally:
            await engine.dispose()

    asyncio.run(run())
    typer.echo(tr("Đã lưu refresh token Zalo OA.", "Zalo OA refresh token stored."))


def register(app: typer.Typer) -> None:
    """Add this domain's commands to the `ttq` command."""
    app.command(
        "worker",
        help=bi(
            "Gửi thông báo (webhook, push, SMS, luồng trực tiếp) và chạy các tác vụ định kỳ.",
            "Deliver notifications (webhooks, push, SMS, live stream) and run periodic jobs.",
        ),
    )(worker)
    app.command(
        "zalo-token",
        help=bi(
            "Lưu refresh token mới của Zalo OA (sau khi cấp quyền lại); worker dùng nó từ lần sau.",
            "Store a new Zalo OA refresh token (after re-authorizing the OA); workers use it next.",
        ),
    )(zalo_token)

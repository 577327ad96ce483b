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


def register(app: typer.Typer) -> None:
    """Add this domain's commands to the `ttq` command."""
    app.command(
        "worker",
        help=bi(
            "Gửi thông báo (webhook, push, SMS, luồng trực tiếp) và chạy các tác vụ định kỳ.",
            "Deliver notifications (webhooks, push, SMS, live stream) and run periodic jobs.",
        ),
    )(worker)

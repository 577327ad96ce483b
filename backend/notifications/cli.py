"""`ttq` commands of the notifications domain."""

import asyncio
from typing import Annotated

import typer


def worker(
    once: Annotated[bool, typer.Option("--once", help="deliver one batch, then exit")] = False,
    worker_id: Annotated[
        str | None, typer.Option("--worker-id", help="name in logs and leases")
    ] = None,
    concurrency: Annotated[
        int | None, typer.Option("--concurrency", help="deliveries in flight at once")
    ] = None,
) -> None:
    """Deliver notifications (webhooks, push, SMS, live stream) and run periodic jobs."""
    from backend.core.config import get_settings
    from backend.core.logging import configure_logging
    from backend.notifications.worker import WorkerConfigError, run_worker

    settings = get_settings()
    if concurrency:
        settings = settings.model_copy(update={"notify_concurrency": concurrency})
    configure_logging(settings.log_level, settings.log_json)
    try:
        asyncio.run(run_worker(settings, worker_id=worker_id, once=once))
    except WorkerConfigError as exc:
        typer.echo(f"Lỗi cấu hình: {exc}", err=True)
        raise typer.Exit(2) from None


def register(app: typer.Typer) -> None:
    """Add this domain's commands to the `ttq` command."""
    app.command("worker")(worker)

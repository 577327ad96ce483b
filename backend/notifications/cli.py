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


def zalo_token(
    refresh_token: Annotated[str, typer.Argument(help="the OA's refresh token from Zalo")],
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
    typer.echo("Đã lưu refresh token Zalo OA.")


def register(app: typer.Typer) -> None:
    """Add this domain's commands to the `ttq` command."""
    app.command("worker")(worker)
    app.command("zalo-token")(zalo_token)

"""`ttq keys rotate`: reseal personal data under the current keys (README "Data protection")."""

import asyncio
from typing import Annotated

import typer

from backend.core.cli_lang import bi, tr


async def _rotate(batch_size: int, progress):
    from backend.core import pii
    from backend.core.config import get_settings
    from backend.core.db import make_engine, make_session_factory
    from backend.incidents.sealing import sealer_for
    from backend.privacy.rotation import rotate_keys

    settings = get_settings()
    engine = make_engine(settings.database_url, settings)
    try:
        return await rotate_keys(
            make_session_factory(engine),
            ring=pii.keyring_for(settings),
            sealer=sealer_for(settings),
            batch_size=batch_size,
            progress=progress,
        )
    finally:
        await engine.dispose()


def register(app: typer.Typer) -> None:
    """Add the `keys` commands to the `ttq` command."""
    keys = typer.Typer(
        help=bi(
            "Khóa mã hóa dữ liệu cá nhân: đổi khóa.",
            "Personal-data encryption keys: rotation.",
        ),
        no_args_is_help=True,
    )

    @keys.command(
        "rotate",
        help=bi(
            "Mã hóa lại mọi số điện thoại và danh tính được niêm phong bằng khóa hiện hành "
            "(TTQ_PII_KEY_ID, TTQ_PII_INDEX_KEY_ID, TTQ_INCIDENT_SEAL_KEY), từng lô; "
            "chạy lại an toàn, tiếp tục được nếu bị ngắt.",
            "Reseal every sealed phone number and identity under the current keys "
            "(TTQ_PII_KEY_ID, TTQ_PII_INDEX_KEY_ID, TTQ_INCIDENT_SEAL_KEY), batch by batch; "
            "safe to run again, resumes where it was interrupted.",
        ),
    )
    def rotate(
        batch_size: Annotated[
            int,
            typer.Option(
                "--batch-size",
                min=1,
                max=10_000,
                help=bi("số dòng mỗi giao dịch", "rows per transaction"),
            ),
        ] = 500,
    ) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        err = Console(stderr=True)
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
            transient=not err.is_terminal,
        ) as bar:
            tasks: dict[str, int] = {}

            def progress(label: str, done: int, total: int) -> None:
                if label not in tasks:
                    tasks[label] = bar.add_task(label, total=total)
                bar.update(tasks[label], completed=done)

            report = asyncio.run(_rotate(batch_size, progress))
        for label, scanned in report.scanned.items():
            typer.echo(
                tr(
                    f"{label}: đã xét {scanned}, mã hóa lại {report.resealed[label]}, "
                    f"không mở được {report.unavailable[label]}",
                    f"{label}: scanned {scanned}, resealed {report.resealed[label]}, "
                    f"unopened {report.unavailable[label]}",
                )
            )
        if report.total_unavailable:
            err.print(
                tr(
                    f"Lỗi: {report.total_unavailable} giá trị không mở được bằng khóa nào đang "
                    "cấu hình: thêm khóa cũ vào TTQ_PII_KEYS hoặc TTQ_INCIDENT_SEAL_KEYS_OLD "
                    "rồi chạy lại (key_unavailable).",
                    f"Error: {report.total_unavailable} values open with no configured key: "
                    "add the old key to TTQ_PII_KEYS or TTQ_INCIDENT_SEAL_KEYS_OLD and run "
                    "again (key_unavailable).",
                ),
                highlight=False,
            )
            raise typer.Exit(1)

    app.add_typer(keys, name="keys")

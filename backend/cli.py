"""The `ttq` command: serve, migrate, create-user, seed-demo, export-spec (and each domain's).

Language: Vietnamese, English with `--lang en` or an English locale (backend/core/cli_lang.py).
"""

import asyncio
import contextlib
import functools
import json
import os
import sys
import uuid
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console

from backend.core.cli_lang import LocalizedGroup, bi, tr
from backend.core.cli_support import fail, require_schema
from backend.core.config import Settings, get_settings
from backend.core.errors import DomainError


class TtqGroup(LocalizedGroup):
    """The root group: the language first, then a schema check before each command that needs
    the database (so an unmigrated database says so in a sentence, not a traceback)."""

    def parse_args(self, ctx, args: list[str]) -> list[str]:
        rest = super().parse_args(ctx, args)
        for name, command in self.commands.items():
            if name not in NO_SCHEMA_CHECK:
                _check_schema_before(command)
        return rest


def _check_schema_before(command) -> None:
    for sub in getattr(command, "commands", {}).values():
        _check_schema_before(sub)
    callback = command.callback
    if callback is None or getattr(callback, "_checks_schema", False):
        return

    @functools.wraps(callback)
    def checked(*args, **kwargs):
        require_schema(_settings().database_url)
        return callback(*args, **kwargs)

    checked._checks_schema = True
    command.callback = checked


app = typer.Typer(
    cls=TtqGroup,
    help=bi(
        "TTQ — Tổ tự quản: máy chủ API và công cụ quản trị.",
        "TTQ — Tổ tự quản: API server and admin tools.",
    ),
    no_args_is_help=True,
)
err = Console(stderr=True, soft_wrap=True, highlight=False)  # one sentence, one line
SPEC_PATH = Path("mobile_api_spec/openapi.json")
# Commands that build or bring the schema themselves, or never open the database.
NO_SCHEMA_CHECK = {"migrate", "serve", "seed-demo", "export-spec"}


@app.callback()
def root(
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang",
            metavar="vi|en",
            help=bi(
                "ngôn ngữ: vi (mặc định) hoặc en; cũng theo LANG=en*; dùng được ở mọi vị trí",
                "language: vi (default) or en; LANG=en* also works; accepted anywhere",
            ),
        ),
    ] = None,
) -> None:
    # `--lang` was already taken off the command line by LocalizedGroup; declared for --help.
    from backend.core import pii

    pii.install(None)  # sealed phones open with this command's configured keys


def _settings() -> Settings:
    """The settings, or a clear message and exit 2 when they refuse to load (weak secret...)."""
    try:
        return get_settings()
    except ValidationError as exc:
        for error in exc.errors():
            msg = str(error["msg"]).removeprefix("Value error, ")
            err.print(f"[red]{tr('Cấu hình không hợp lệ', 'Invalid configuration')}:[/red] {msg}")
        raise typer.Exit(2) from None


async def _with_session(work):
    """Run ``work(session)`` in one transaction on the configured database."""
    from backend.core.db import make_engine, make_session_factory

    engine = make_engine(_settings().database_url)
    try:
        async with make_session_factory(engine)() as session:
            result = await work(session)
            await session.commit()
            return result
    finally:
        await engine.dispose()


@app.command(
    help=bi(
        "Nâng cấp cấu trúc cơ sở dữ liệu (hoặc in SQL sẽ chạy).",
        "Upgrade the database schema (or show what would run).",
    )
)
def migrate(
    sql: Annotated[
        bool,
        typer.Option(
            "--sql", help=bi("in SQL thay vì chạy", "print the SQL instead of running it")
        ),
    ] = False,
    revision: Annotated[str, typer.Option(help=bi("phiên bản đích", "target revision"))] = "head",
) -> None:
    from backend.core import migrate as m

    settings = _settings()
    url = settings.database_url
    if sql and settings.is_sqlite:
        # SQLite ALTERs are table rebuilds that Alembic must reflect from a live database.
        err.print(
            "[red]"
            + tr("--sql chỉ dùng được với PostgreSQL", "--sql needs a PostgreSQL URL")
            + "[/red]"
        )
        raise typer.Exit(2)
    m.upgrade(url, revision, sql=sql)
    if not sql:
        heads = ", ".join(sorted(m.head_revisions(url)))
        err.print(
            tr("Cơ sở dữ liệu đã ở phiên bản mới nhất", "The database is at head") + f": {heads}"
        )


@app.command(
    help=bi(
        "Áp dụng migration còn thiếu rồi chạy máy chủ API.",
        "Apply pending migrations, then serve the API.",
    )
)
def serve(
    host: Annotated[
        str, typer.Option(help=bi("địa chỉ lắng nghe", "address to bind"))
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help=bi("cổng lắng nghe", "port to listen on"))] = 8000,
    workers: Annotated[
        int, typer.Option(help=bi("số tiến trình uvicorn", "uvicorn worker processes"))
    ] = 1,
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
    import uvicorn

    from backend.core import migrate as m
    from backend.core.cli_support import port_problem

    settings = _settings()
    # Before migrating or starting any job: a busy port would fail a minute later otherwise.
    problem = port_problem(host, port)
    if problem:
        err.print(f"[red]{problem}[/red]")
        raise typer.Exit(1)
    if log_json is not None:
        # create_app runs in uvicorn (and in its worker processes): it reads the environment.
        os.environ["TTQ_LOG_JSON"] = "true" if log_json else "false"
        get_settings.cache_clear()
    m.upgrade(settings.database_url)
    where = settings.database_url if settings.is_sqlite else "PostgreSQL"
    err.print(
        tr(
            f"TTQ đang chạy tại http://{host}:{port}  (tài liệu API: /docs, dữ liệu: {where})",
            f"TTQ is running at http://{host}:{port}  (API docs: /docs, data: {where})",
        )
    )
    uvicorn.run(
        "backend.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=True,
        log_config=None,
        # The app logs every request itself (JSON, with the request id): no second line.
        access_log=False,
        timeout_worker_healthcheck=settings.serve_worker_healthcheck_seconds,
    )


@app.command(
    "create-user",
    help=bi("Tạo tài khoản và in mã (id) của nó.", "Create an account and print its id."),
)
def create_user(
    phone: Annotated[
        str, typer.Option("--phone", help=bi("số di động Việt Nam", "Vietnamese mobile number"))
    ],
    password: Annotated[
        str,
        typer.Option(
            "--password",
            help=bi(
                "ít nhất 8 ký tự, không phải mật khẩu phổ biến, số điện thoại hay họ tên",
                "at least 8 characters, not a common password, the phone or the name",
            ),
        ),
    ],
    role: Annotated[
        str,
        typer.Option(
            "--role",
            help=bi(
                "system_admin, union_officer, police_liaison, team_leader, …",
                "system_admin, union_officer, police_liaison, team_leader, …",
            ),
        ),
    ],
    name: Annotated[str | None, typer.Option("--name", help=bi("họ và tên", "full name"))] = None,
    scope: Annotated[
        list[str] | None,
        typer.Option(
            "--scope",
            help=bi(
                "mã hoặc id đơn vị mà tài khoản được giao (lặp lại được)",
                "unit id or code the user is scoped to (repeatable)",
            ),
        ),
    ] = None,
) -> None:
    from sqlalchemy import or_, select

    from backend.accounts.service import create_user as create
    from backend.models import AdminUnit, UnionUnit

    refs = [r.strip() for item in scope or [] for r in item.split(",") if r.strip()]

    async def work(session):
        ids = []
        for ref in refs:
            found = None
            for model in (UnionUnit, AdminUnit):
                clause = model.code == ref
                with contextlib.suppress(ValueError):
                    clause = or_(clause, model.id == uuid.UUID(ref))
                found = found or await session.scalar(select(model.id).where(clause))
            if found is None:
                raise DomainError(code="unknown_unit", status=422, unit=ref)
            ids.append(found)
        return await create(
            session,
            actor=None,
            phone=phone,
            password=password,
            role=role,
            full_name=name or phone,
            scope_unit_ids=ids,
        )

    try:
        user = asyncio.run(_with_session(work))
    except DomainError as exc:
        fail(exc)
    typer.echo(str(user.id))


@app.command(
    "seed-demo",
    help=bi(
        "Nạp một thành phố mẫu (chạy lại vẫn an toàn) và in các tài khoản mẫu.",
        "Load a realistic demo city (safe to run again) and print the demo logins.",
    ),
)
def seed_demo() -> None:
    from backend.core import migrate as m
    from backend.seed.demo import seed

    m.upgrade(_settings().database_url)
    logins = asyncio.run(_with_session(seed))
    typer.echo(tr("Tài khoản demo (mật khẩu chung):", "Demo accounts (shared password):"))
    for role, phone, password in logins:
        typer.echo(f"  {role:<20} {phone:<14} {password}")


@app.command(
    "export-spec",
    help=bi(
        "Ghi spec OpenAPI cho nhóm mobile (hoặc kiểm tra nó còn khớp).",
        "Write the OpenAPI spec for the mobile team (or check it is current).",
    ),
)
def export_spec(
    check: Annotated[
        bool,
        typer.Option(
            "--check", help=bi("báo lỗi nếu tệp đã cũ", "fail if the file is out of date")
        ),
    ] = False,
    path: Annotated[
        Path, typer.Option(help=bi("vị trí tệp spec", "where the spec lives"))
    ] = SPEC_PATH,
) -> None:
    from backend.main import create_app

    text = json.dumps(create_app().openapi(), indent=2, ensure_ascii=False) + "\n"
    if check:
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            err.print(
                "[red]"
                + tr(
                    f"{path} khác với spec của ứng dụng; hãy chạy: ttq export-spec",
                    f"{path} differs from the app's spec; run: ttq export-spec",
                )
                + "[/red]"
            )
            raise typer.Exit(1)
        err.print(tr(f"{path} khớp với ứng dụng", f"{path} matches the app"))
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    err.print(tr(f"Đã ghi {path}", f"Wrote {path}"))


def _register_domain_commands() -> None:
    from backend.dashboards.cli import register as dashboard_commands
    from backend.imports.cli import register as imports_commands
    from backend.notifications.cli import register as notification_commands
    from backend.patrols.cli import register as patrol_commands
    from backend.privacy.cli import register as key_commands

    for register in (
        imports_commands,
        patrol_commands,
        notification_commands,
        dashboard_commands,
        key_commands,
    ):
        register(app)


_register_domain_commands()


def main() -> None:  # pragma: no cover
    app(sys.argv[1:])

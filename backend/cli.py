"""The `ttq` command: serve, migrate, create-user, seed-demo, export-spec."""

import asyncio
import contextlib
import json
import sys
import uuid
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console

from backend.core.config import Settings, get_settings
from backend.core.errors import DomainError
from backend.core.messages import title_for

app = typer.Typer(help="TTQ — Tổ tự quản: API server and admin tools.", no_args_is_help=True)
err = Console(stderr=True)
SPEC_PATH = Path("mobile_api_spec/openapi.json")


def _settings() -> Settings:
    """The settings, or a clear message and exit 2 when they refuse to load (weak secret...)."""
    try:
        return get_settings()
    except ValidationError as exc:
        for error in exc.errors():
            err.print(f"[red]Cấu hình không hợp lệ / invalid configuration:[/red] {error['msg']}")
        raise typer.Exit(2) from None


def _fail(exc: DomainError) -> None:
    extra = {k: v for k, v in exc.extra.items() if v is not None}
    err.print(f"[red]Lỗi ({exc.code}):[/red] {title_for(exc.code, 'vi')} {extra or ''}")
    raise typer.Exit(1)


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


@app.command()
def migrate(
    sql: Annotated[bool, typer.Option("--sql", help="print the SQL instead of running it")] = False,
    revision: Annotated[str, typer.Option(help="target revision")] = "head",
) -> None:
    """Upgrade the database schema (or show what would run)."""
    from backend.core import migrate as m

    settings = _settings()
    url = settings.database_url
    if sql and settings.is_sqlite:
        # SQLite ALTERs are table rebuilds that Alembic must reflect from a live database.
        err.print("[red]--sql chỉ dùng cho PostgreSQL / --sql needs a PostgreSQL URL[/red]")
        raise typer.Exit(2)
    m.upgrade(url, revision, sql=sql)
    if not sql:
        err.print(f"Cơ sở dữ liệu đã ở phiên bản mới nhất: {sorted(m.head_revisions(url))}")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="address to bind")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
    workers: Annotated[int, typer.Option(help="uvicorn worker processes")] = 1,
) -> None:
    """Apply pending migrations, then serve the API."""
    import uvicorn

    from backend.core import migrate as m

    settings = _settings()
    m.upgrade(settings.database_url)
    where = settings.database_url if settings.is_sqlite else "PostgreSQL"
    err.print(f"TTQ đang chạy tại http://{host}:{port}  (API docs: /docs, dữ liệu: {where})")
    uvicorn.run(
        "backend.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=True,
        log_config=None,
    )


@app.command("create-user")
def create_user(
    phone: Annotated[str, typer.Option("--phone", help="Vietnamese mobile number")],
    password: Annotated[str, typer.Option("--password", help="at least 8 characters")],
    role: Annotated[str, typer.Option("--role", help="system_admin, union_officer, …")],
    name: Annotated[str | None, typer.Option("--name", help="full name")] = None,
    scope: Annotated[
        list[str] | None,
        typer.Option("--scope", help="unit id or code the user is scoped to (repeatable)"),
    ] = None,
) -> None:
    """Create an account and print its id."""
    from sqlalchemy import or_, select

    from backend.accounts.service import create_user as create
    from backend.models import AdminUnit, UnionUnit

    if len(password) < 8:
        err.print("[red]Mật khẩu phải có ít nhất 8 ký tự[/red]")
        raise typer.Exit(1)
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
        _fail(exc)
    typer.echo(str(user.id))


@app.command("seed-demo")
def seed_demo() -> None:
    """Load a realistic demo city (safe to run again) and print the demo logins."""
    from backend.core import migrate as m
    from backend.seed.demo import seed

    m.upgrade(_settings().database_url)
    logins = asyncio.run(_with_session(seed))
    typer.echo("Tài khoản demo (mật khẩu chung / shared password):")
    for role, phone, password in logins:
        typer.echo(f"  {role:<20} {phone:<14} {password}")


@app.command("export-spec")
def export_spec(
    check: Annotated[bool, typer.Option("--check", help="fail if the file is out of date")] = False,
    path: Annotated[Path, typer.Option(help="where the spec lives")] = SPEC_PATH,
) -> None:
    """Write the OpenAPI spec for the mobile team (or check it is current)."""
    from backend.main import create_app

    text = json.dumps(create_app().openapi(), indent=2, ensure_ascii=False) + "\n"
    if check:
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            err.print(f"[red]{path} khác với spec của ứng dụng; chạy: ttq export-spec[/red]")
            raise typer.Exit(1)
        err.print(f"{path} khớp với ứng dụng")
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    err.print(f"Đã ghi {path}")


def _register_domain_commands() -> None:
    from backend.dashboards.cli import register as dashboard_commands
    from backend.imports.cli import register as imports_commands
    from backend.notifications.cli import register as notification_commands
    from backend.patrols.cli import register as patrol_commands

    for register in (imports_commands, patrol_commands, notification_commands, dashboard_commands):
        register(app)


_register_domain_commands()


def main() -> None:  # pragma: no cover
    app(sys.argv[1:])

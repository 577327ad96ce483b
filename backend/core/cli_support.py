"""What every `ttq` command shares: errors as one sentence, the schema check, the port check."""

import asyncio
import errno
import socket
from typing import Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from backend.core.cli_lang import language, tr
from backend.core.errors import DomainError
from backend.core.messages import title_for

err = Console(stderr=True, soft_wrap=True, highlight=False)  # one sentence, one line

# Names of DomainError extras, said in words: (Vietnamese, English).
_LABELS = {
    "allowed": ("chọn một trong", "one of"),
    "unit": ("đơn vị", "unit"),
    "unit_ids": ("đơn vị", "units"),
    "expected_kind": ("loại cần có", "expected kind"),
    "phone": ("số điện thoại", "phone"),
    "role": ("vai trò", "role"),
}


def _words(value: Any) -> str | None:
    if isinstance(value, list | tuple | set):
        items = [_words(v) for v in value if not isinstance(v, dict)]
        return ", ".join(i for i in items if i) or None
    if isinstance(value, dict) or value is None:
        return None  # structured detail (per-field errors) has its own display
    return str(value)


def sentence_for(exc: DomainError) -> str:
    """A domain error as one sentence in the CLI's language, ending with its stable code."""
    lang = language()
    text = title_for(exc.code, lang)
    details = [exc.detail] if exc.detail else []
    for key, value in exc.extra.items():
        words = _words(value)
        if words:
            vi, en = _LABELS.get(key, (key, key))
            details.append(f"{vi if lang == 'vi' else en}: {words}")
    if details:
        text += " — " + "; ".join(details)
    return f"{text} ({exc.code})."


def fail(exc: DomainError, code: int = 1) -> NoReturn:
    """Print the error as a sentence on stderr and exit."""
    err.print(f"[red]{tr('Lỗi', 'Error')}:[/red] {escape(sentence_for(exc))}")
    raise typer.Exit(code)


def say_and_exit(message: str, code: int = 1) -> NoReturn:
    """One red line on stderr, then exit with ``code``."""
    err.print(f"[red]{escape(message)}[/red]")
    raise typer.Exit(code)


async def _schema_state(url: str) -> tuple[set[str], set[str]]:
    from backend.core.db import make_engine
    from backend.core.migrate import current_revisions, head_revisions

    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            current = await conn.run_sync(current_revisions)
    finally:
        await engine.dispose()
    return current, head_revisions(url)


def schema_code(current: set[str], expected: set[str]) -> str | None:
    """``database_not_migrated``, ``database_behind`` or None when the schema is at head."""
    if not current:
        return "database_not_migrated"
    return None if current == expected else "database_behind"


def require_schema(url: str) -> None:
    """Exit with one sentence unless the database answers and is migrated to head."""
    try:
        current, expected = asyncio.run(_schema_state(url))
    except Exception as exc:  # unreachable server, wrong password, unreadable file...
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        say_and_exit(
            tr("Không kết nối được cơ sở dữ liệu", "Cannot reach the database") + f": {reason}"
        )
    code = schema_code(current, expected)
    if code:
        say_and_exit(title_for(code, language()))


def port_problem(host: str, port: int) -> str | None:
    """Why ``host:port`` cannot be listened on (in use, not allowed, no such address), or None.

    Binds the way uvicorn will (SO_REUSEADDR), so a port only in TIME_WAIT counts as free.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return tr(
                    f"Cổng {port} trên {host} đang được một chương trình khác sử dụng: "
                    f"hãy dừng chương trình đó hoặc chọn cổng khác (ttq serve --port …).",
                    f"Port {port} on {host} is already in use by another program: "
                    f"stop it or choose another port (ttq serve --port …).",
                )
            if exc.errno == errno.EACCES:
                return tr(
                    f"Không có quyền mở cổng {port} trên {host}: hãy chọn cổng từ 1024 trở lên.",
                    f"Not allowed to listen on port {port} on {host}: choose a port from 1024 up.",
                )
            return tr(
                f"Không mở được {host}:{port}: {exc.strerror}.",
                f"Cannot listen on {host}:{port}: {exc.strerror}.",
            )
    return None

"""The CLI's one language policy: Vietnamese by default, English on `--lang en` or `LANG=en*`.

Every help text is written in both languages with ``bi(vi, en)``; ``LocalizedGroup`` (the root
`ttq` group) picks the language from the command line and the environment before Click parses
anything, then rewrites the whole command tree's help in that language, so `ttq --help`,
`ttq serve --help` and every message printed with ``tr(vi, en)`` agree. `--lang` is accepted
anywhere on the command line.
"""

import os
from collections.abc import Mapping

import typer
import typer.rich_utils as rich_utils
from typer.core import TyperGroup

LANGUAGES = ("vi", "en")
SEP = " ⟨en⟩ "  # joins the two texts of bi(); never shown once a language is picked
_state = {"lang": "vi"}

# Typer's and Click's own texts (built-in options, panel titles) in Vietnamese.
_BUILTIN_VI = {
    "Show this message and exit.": "Hiện hướng dẫn này rồi thoát.",
    "Install completion for the current shell.": "Cài tự hoàn thành lệnh cho shell đang dùng.",
    "Show completion for the current shell, to copy it or customize the installation.": (
        "Hiện mã tự hoàn thành lệnh cho shell đang dùng, để chép hoặc tự cài."
    ),
}
_RICH_TEXTS = {
    # typer.rich_utils attribute: (Vietnamese, English)
    "OPTIONS_PANEL_TITLE": ("Tùy chọn", "Options"),
    "ARGUMENTS_PANEL_TITLE": ("Tham số", "Arguments"),
    "COMMANDS_PANEL_TITLE": ("Lệnh", "Commands"),
    "ERRORS_PANEL_TITLE": ("Lỗi", "Error"),
    "REQUIRED_LONG_STRING": ("[bắt buộc]", "[required]"),
    "DEFAULT_STRING": ("[mặc định: {}]", "[default: {}]"),
    "ABORTED_TEXT": ("Đã hủy.", "Aborted."),
    "RICH_HELP": (
        "Xem hướng dẫn: [blue]'{command_path} {help_option}'[/]",
        "Try [blue]'{command_path} {help_option}'[/] for help.",
    ),
}


def bi(vi: str, en: str) -> str:
    """A help text in both languages; the CLI shows the one in force."""
    return f"{vi}{SEP}{en}"


def pick(text: str | None, lang: str) -> str | None:
    """The ``lang`` half of a ``bi()`` text (built-in English texts get their Vietnamese)."""
    if text is None:
        return None
    if SEP in text:
        vi, en = text.split(SEP, 1)
        return vi if lang == "vi" else en
    return _BUILTIN_VI.get(text, text) if lang == "vi" else text


def language() -> str:
    """The language of the command being run: "vi" or "en"."""
    return _state["lang"]


def set_language(lang: str) -> None:
    """Use ``lang`` for everything printed from now on."""
    _state["lang"] = lang if lang in LANGUAGES else "vi"
    for name, texts in _RICH_TEXTS.items():
        setattr(rich_utils, name, texts[0] if _state["lang"] == "vi" else texts[1])


def tr(vi: str, en: str) -> str:
    """The message in the language in force."""
    return vi if language() == "vi" else en


def environment_language(environ: Mapping[str, str] | None = None) -> str:
    """English when the locale (LC_ALL, then LC_MESSAGES, then LANG, as POSIX orders them)
    is English, otherwise Vietnamese."""
    environ = os.environ if environ is None else environ
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(var)
        if value:
            return "en" if value.lower().startswith("en") else "vi"
    return "vi"


def take_lang_option(args: list[str]) -> tuple[str | None, list[str]]:
    """``--lang X`` / ``--lang=X`` from anywhere before ``--``, and the args without it."""
    lang, rest, i = None, [], 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            rest.extend(args[i:])
            break
        if arg == "--lang" and i + 1 < len(args):
            lang, i = args[i + 1], i + 2
            continue
        if arg.startswith("--lang="):
            lang, i = arg.split("=", 1)[1], i + 1
            continue
        rest.append(arg)
        i += 1
    return lang, rest


def localize(command, ctx, lang: str) -> None:
    """Rewrite the help of ``command`` and everything under it in ``lang``."""
    if not hasattr(command, "_bilingual_help"):
        command._bilingual_help = command.help  # the bi() text, kept for a later language
    command.help = pick(command._bilingual_help, lang)
    help_option = command.get_help_option(ctx)
    params = [*command.params, *([help_option] if help_option else [])]
    for param in params:
        if not hasattr(param, "help"):
            continue
        if not hasattr(param, "_bilingual_help"):
            param._bilingual_help = param.help
        param.help = pick(param._bilingual_help, lang)
    for sub in getattr(command, "commands", {}).values():
        localize(sub, ctx, lang)


class LocalizedGroup(TyperGroup):
    """The root `ttq` group: settles the language before any parsing or help output."""

    def parse_args(self, ctx, args: list[str]) -> list[str]:
        lang, args = take_lang_option(list(args))
        if lang is not None and lang not in LANGUAGES:
            set_language(environment_language())
            raise typer.BadParameter(
                tr(
                    f"--lang phải là vi hoặc en, không phải {lang!r}",
                    f"--lang must be vi or en, not {lang!r}",
                )
            )
        set_language(lang or environment_language())
        localize(self, ctx, language())
        return super().parse_args(ctx, args)

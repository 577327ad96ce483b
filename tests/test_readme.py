"""The README stands alone and tells the truth about the CLI, its contents and the map."""

import re
from pathlib import Path

import typer

from backend.cli import app as cli
from tests.readme_toc import headings, table_of_contents

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
QUICK_START = [
    "python3.11 -m venv .venv && .venv/bin/pip install -e . && .venv/bin/ttq seed-demo"
    " && .venv/bin/ttq serve",
    'python3.11 -m venv .venv && .venv/bin/pip install -e ".[test]" && .venv/bin/pytest',
]


def command_paths(command=None, prefix=()) -> list[str]:
    command = command or typer.main.get_command(cli)
    subs = getattr(command, "commands", {})
    if not subs:
        return [" ".join(prefix)]
    return [p for name, sub in subs.items() for p in command_paths(sub, (*prefix, name))]


def test_the_readme_stands_alone():
    assert "../shared" not in README and "DESIGN.md" not in README
    for needed in ("Tổ tự quản", "boarding_house", "trafficking", "404, never 403"):
        assert needed in README


def test_the_table_of_contents_lists_every_section():
    assert table_of_contents(README) in README
    anchors = {anchor for _, _, anchor in headings(README)}
    for target in re.findall(r"\]\(#([^)]+)\)", README):
        assert target in anchors, target


def test_the_cli_table_lists_every_command():
    section = README[README.index("## CLI\n") : README.index("### API documentation offline")]
    rows = [line for line in section.splitlines() if line.startswith("| `ttq ")]
    for path in command_paths():
        group, _, leaf = path.partition(" ")
        if group == "import":  # one row: `ttq import sites|houses|teams|members FILE`
            assert any("ttq import" in r and leaf in r for r in rows), path
        else:
            assert any(r.startswith(f"| `ttq {path}") for r in rows), path


def test_the_quick_start_commands_are_the_ones_this_suite_checks():
    start = README[README.index("## Quick start") : README.index("## Layout")]
    for command in QUICK_START:
        assert command in start.replace("\n", " ").replace("  ", " ") or command in start


def test_the_incident_map_says_where_withheld_is():
    assert "`properties.withheld`" not in README
    row = next(ln for ln in README.splitlines() if "/dashboards/map/incidents" in ln)
    assert "collection" in row and "`withheld`" in row and "never carry it" in row

"""GitHub's heading anchors, to build and check the README's table of contents."""

import re

HEADING = re.compile(r"^(##|###) (.+)$")


def slug(title: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = title.strip().lower().replace("`", "")
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def headings(markdown: str) -> list[tuple[int, str, str]]:
    """(level, title, anchor) of each ## and ### heading outside code blocks."""
    found, fenced, seen = [], False, {}
    for line in markdown.splitlines():
        if line.startswith("```"):
            fenced = not fenced
            continue
        match = None if fenced else HEADING.match(line)
        if match:
            anchor = slug(match[2])
            n = seen.get(anchor, 0)
            seen[anchor] = n + 1
            found.append((len(match[1]), match[2], anchor if n == 0 else f"{anchor}-{n}"))
    return found


def table_of_contents(markdown: str) -> str:
    """The Markdown list of every ## heading, with its ### headings nested."""
    lines = []
    for level, title, anchor in headings(markdown):
        indent = "  " if level == 3 else ""
        lines.append(f"{indent}- [{title}](#{anchor})")
    return "\n".join(lines)


def rewrite(path: str = "README.md") -> None:
    """Replace the README's contents list (from its first entry) with a fresh one."""
    from pathlib import Path

    readme = Path(path)
    text = readme.read_text(encoding="utf-8")
    fresh = table_of_contents(text)
    first = fresh.splitlines()[0]
    start = text.index(first)
    end = text.index("\n\n", start)
    readme.write_text(text[:start] + fresh + text[end:], encoding="utf-8")


if __name__ == "__main__":  # python -m tests.readme_toc: regenerate after adding a section
    rewrite()

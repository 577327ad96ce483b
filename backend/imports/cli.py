"""`ttq` commands of the imports domain."""

import typer


def register(app: typer.Typer) -> None:
    """Add this domain's commands to the `ttq` command."""

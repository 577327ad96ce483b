"""`python -m backend.notifications` is `ttq worker`."""

import typer

from backend.notifications.cli import worker

typer.run(worker)

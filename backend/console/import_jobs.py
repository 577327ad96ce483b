"""The import wizard's real run, in the background, with its progress where any process can
read it: a small JSON file next to the held upload (the wizard already keeps the checked file
there between its steps). The page polls a fragment with htmx until the run is over.

The run itself is the API's import engine, audited (``registry.import``): on PostgreSQL all or
nothing in one transaction; on SQLite as ``ttq import`` runs it (``backend/imports/batched.py``):
the whole file checked again on a private copy, then written 200 rows per transaction, so that
SQLite's one write lock is free between them and phones' sign-ins and uploads go on during a
large import (before, the run held it from its first row to its last). The file records only
how far it got and the final report. Only the user who started a run can read its progress
(the file is named by their id).
"""

import asyncio
import json
import logging
import os
import time
import uuid
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request

from backend.core.errors import DomainError, NotFound
from backend.imports.batched import import_for_real
from backend.imports.schemas import ImportKind
from backend.models import User
from backend.policy import load_subject

log = logging.getLogger(__name__)
WRITE_EVERY_S = 0.2  # progress written at most this often (and at the last row)
# A "running" state not written for this long belongs to a process that stopped (a restart):
# the page says the run was interrupted instead of polling for ever. On PostgreSQL nothing was
# written then (one transaction); on SQLite the batches before stay, and running the same file
# again finishes it (imports update by code).
STALE_S = 600
_TASKS: set[asyncio.Task] = set()  # strong references: a bare task may be collected mid-run


def holding_dir(request: Request) -> Path:
    root = Path(request.app.state.settings.attachment_dir).parent / "console-imports"
    root.mkdir(parents=True, exist_ok=True)
    return root


def job_file(request: Request, user_id: uuid.UUID, job_id: str) -> Path:
    """Where a user's run writes its state; a malformed id is a 404 like an unknown one."""
    try:
        job = uuid.UUID(job_id)
    except ValueError:
        raise NotFound() from None
    return holding_dir(request) / f"{user_id}-job-{job.hex}.json"


def write_state(path: Path, state: dict[str, Any]) -> None:
    """Replace the state file atomically (a poll never reads half a file)."""
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    # The time of writing goes in the file: a file's mtime comes from the file system's clock
    # (another host's, for a shared volume), not from the clock read_state compares it with.
    stamped = state | {"written_at": time.time()}
    tmp.write_text(json.dumps(stamped, ensure_ascii=False, default=str), "utf-8")
    os.replace(tmp, path)


def read_state(path: Path) -> dict[str, Any] | None:
    """The run's state, or None for no such run; a run gone silent reads as interrupted."""
    try:
        state = json.loads(path.read_text("utf-8"))
    except (FileNotFoundError, ValueError):
        return None
    age = time.time() - float(state.get("written_at", 0))
    if state.get("status") == "running" and age > STALE_S:
        state |= {"status": "failed", "report": {"file_error": "import_interrupted"}}
    return state


async def _run(app: FastAPI, *, user_id: uuid.UUID, kind: ImportKind, data: bytes, path: Path):
    state: dict[str, Any] = {"kind": kind.value, "status": "running", "done": 0, "total": None}
    last = 0.0

    def progress(done: int, total: int) -> None:
        nonlocal last
        now = time.monotonic()
        if done == total or now - last >= WRITE_EVERY_S:
            last = now
            write_state(path, state | {"done": done, "total": total})

    try:
        async with app.state.session_factory() as session:
            user = await session.get(User, user_id)
            subject = await load_subject(session, user)
            try:
                report = await import_for_real(
                    session,
                    actor=subject,
                    kind=kind,
                    data=data,
                    file_name=f"{uuid.uuid4().hex}.upload",
                    progress=progress,
                )
            except DomainError as exc:
                await session.rollback()
                report_ = {"file_error": exc.code, **exc.extra}
                write_state(path, state | {"status": "failed", "report": report_})
                return
        done = report.as_dict() | {"done": True}
        write_state(path, state | {"status": "done", "report": done, "done": report.rows})
    except Exception:  # never a silent stop: the page shows the run failed
        log.exception("console import run failed")
        write_state(path, state | {"status": "failed", "report": {"file_error": "internal_error"}})


def start(request: Request, *, user_id: uuid.UUID, kind: ImportKind, data: bytes) -> str:
    """Start a real run of checked bytes; returns the job id the page polls."""
    job_id = uuid.uuid4().hex
    path = job_file(request, user_id, job_id)
    write_state(path, {"kind": kind.value, "status": "running", "done": 0, "total": None})
    task = asyncio.create_task(_run(request.app, user_id=user_id, kind=kind, data=data, path=path))
    _TASKS.add(task)
    task.add_done_callback(_TASKS.discard)
    return job_id

"""The bulk import wizard: pick a kind, upload a spreadsheet, see the dry run's problems by row
and column, then run it. The same import engine and checks as the API.

Between the two steps the uploaded bytes wait in a private file named by the user and the
file's SHA-256 (under the attachment directory's sibling ``console-imports``); the run step
names only the digest, so nobody can run another user's upload. The file is removed when the
real run starts; the run goes on in the background and the page polls its progress
(``import_jobs``).
"""

import hashlib
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response

from backend.console import import_jobs
from backend.console.web import Console, ConsoleRoute, CurrentConsole, render
from backend.core.db import SessionDep
from backend.core.errors import Invalid, NotFound
from backend.imports.engine import run_import
from backend.imports.kinds import handler_for
from backend.imports.reader import MAX_BYTES
from backend.imports.schemas import ImportKind
from backend.imports.templates import XLSX_TYPE, build_xlsx
from backend.policy import authorize

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)


def _held(request: Request, console: Console, digest: str) -> Path:
    if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise Invalid(code="validation_error")
    return import_jobs.holding_dir(request) / f"{console.user.id}-{digest}.bin"


def _report_ctx(kind: str, report: dict, digest: str | None) -> dict:
    return {
        "kind": kind,
        "report": report,
        "digest": digest,
        "kinds": [k.value for k in ImportKind],
    }


@router.get("/admin/import", name="console-import")
async def wizard(request: Request, console: CurrentConsole):
    """Step 1: the kind, its template, and the file."""
    authorize(console.subject, "registry.import")
    return render(request, "admin/import.html", _report_ctx("houses", {}, None))


@router.get("/admin/import/template/{kind}.xlsx", name="console-import-template")
async def template(console: CurrentConsole, kind: ImportKind):
    """The XLSX template of a kind (Vietnamese headers, notes, examples)."""
    authorize(console.subject, "registry.import")
    headers = {"Content-Disposition": f'attachment; filename="ttq-mau-{kind.value}.xlsx"'}
    return Response(build_xlsx(kind), media_type=XLSX_TYPE, headers=headers)


@router.post("/admin/import", name="console-import-check")
async def check(
    request: Request,
    session: SessionDep,
    console: CurrentConsole,
    kind: Annotated[ImportKind, Form()],
    file: Annotated[UploadFile, File()],
):
    """Step 2: the dry run, with every problem located by row and column; nothing written."""
    authorize(console.subject, "registry.import")
    data = await file.read(MAX_BYTES + 1)
    try:
        report = await run_import(
            session,
            actor=console.subject,
            handler=handler_for(kind),
            data=data,
            file_name=file.filename,
            dry_run=True,
        )
    except Invalid as exc:  # the file itself (headers, type, size): shown like row problems
        ctx = _report_ctx(kind.value, {"file_error": exc.code, **exc.extra}, None)
        return render(request, "admin/import.html", ctx, status=422)
    digest = hashlib.sha256(data).hexdigest()
    result = report.as_dict()
    if result["ok"]:
        _held(request, console, digest).write_bytes(data)
    ctx = _report_ctx(kind.value, result, digest if result["ok"] else None)
    return render(request, "admin/import.html", ctx)


@router.post("/admin/import/run", name="console-import-run")
async def run(
    request: Request,
    console: CurrentConsole,
    kind: Annotated[ImportKind, Form()],
    digest: Annotated[str, Form(max_length=64)],
):
    """Step 3: the real run of the checked file (all or nothing), in the background; the page
    shows its progress until the report."""
    authorize(console.subject, "registry.import")
    held = _held(request, console, digest)
    if not held.exists():
        raise Invalid(code="validation_error")
    data = held.read_bytes()
    held.unlink(missing_ok=True)  # one run per checked file
    job_id = import_jobs.start(request, user_id=console.user.id, kind=kind, data=data)
    state = {"kind": kind.value, "status": "running", "done": 0, "total": None}
    ctx = _report_ctx(kind.value, {}, None) | {"job_id": job_id, "job": state}
    return render(request, "admin/import.html", ctx)


@router.get("/admin/import/jobs/{job_id}", name="console-import-job")
async def job(request: Request, console: CurrentConsole, job_id: str):
    """A run's progress (the fragment htmx polls), then its report; only its starter sees it."""
    authorize(console.subject, "registry.import")
    state = import_jobs.read_state(import_jobs.job_file(request, console.user.id, job_id))
    if state is None:
        raise NotFound()
    ctx = _report_ctx(state["kind"], state.get("report") or {}, None)
    ctx |= {"job_id": job_id, "job": state}
    if request.headers.get("hx-request"):
        return render(request, "admin/_import_progress.html", ctx)
    return render(request, "admin/import.html", ctx)

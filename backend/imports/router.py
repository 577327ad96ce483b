"""Bulk onboarding from CSV/XLSX: templates, dry runs, all-or-nothing imports."""

from contextlib import nullcontext
from typing import Annotated

from fastapi import APIRouter, File, Query, Response, UploadFile

from backend.core.db import SessionDep
from backend.core.routing import GuardedRouter
from backend.imports.engine import run_import
from backend.imports.kinds import handler_for
from backend.imports.reader import MAX_BYTES
from backend.imports.schemas import ImportKind, ImportReport
from backend.imports.snapshot import dry_run_session
from backend.imports.templates import CSV_TYPE, XLSX_TYPE, build_csv, build_xlsx
from backend.policy import Subject
from backend.policy.deps import allowed

router = GuardedRouter(prefix="/api/v1")
imports = APIRouter(prefix="/imports", tags=["imports"])
Importer = Annotated[Subject, allowed("registry.import")]

_PROBLEMS = {
    403: {"description": "the caller's role may not import this kind"},
    413: {"description": "`file_too_large`: over 5 MB"},
    415: {"description": "`unsupported_file_type`, `xls_not_supported`: not CSV or XLSX"},
    422: {
        "description": "file-level problems (`empty_file`, `too_many_rows`, `invalid_encoding`,"
        " `unreadable_file`, `missing_columns`, `duplicate_column`, `invalid_header`) or, for a"
        " real run, `import_failed`: nothing was written; the body carries the full report"
        " (counts and `errors` by row and column)"
    },
}


def _download(content: bytes, media_type: str, name: str) -> Response:
    disposition = f'attachment; filename="{name}"'
    return Response(content, media_type=media_type, headers={"Content-Disposition": disposition})


@imports.get(
    "/templates/{kind}.xlsx",
    name="imports-template-xlsx",
    response_class=Response,
    responses={200: {"content": {XLSX_TYPE: {}}, "description": "the XLSX template"}},
)
async def template_xlsx(kind: ImportKind, _: Importer) -> Response:
    """The XLSX template for a kind: Vietnamese headers, notes and example rows, a guide sheet."""
    return _download(build_xlsx(kind), XLSX_TYPE, f"ttq-mau-{kind}.xlsx")


@imports.get(
    "/templates/{kind}.csv",
    name="imports-template-csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "the CSV template (UTF-8)"}},
)
async def template_csv(kind: ImportKind, _: Importer) -> Response:
    """The CSV template for a kind (UTF-8 with BOM): headers, a notes row, an example row."""
    return _download(build_csv(kind), CSV_TYPE, f"ttq-mau-{kind}.csv")


@imports.post("/{kind}", name="imports-run", response_model=ImportReport, responses=_PROBLEMS)
async def run(
    kind: ImportKind,
    session: SessionDep,
    subject: Importer,
    file: Annotated[UploadFile, File(description="CSV (UTF-8, with or without BOM) or XLSX")],
    dry_run: Annotated[
        bool, Query(description="check everything and report, write nothing")
    ] = False,
) -> dict:
    """Import sites, houses, teams or members from a spreadsheet, as the caller.

    Every row goes through the same services, checks and scope as the single-object routes
    (a row outside the caller's scope is an error of that row). A real run is all or nothing;
    importing the same file again updates by code and reports the rows as `unchanged`.
    """
    data = await file.read(MAX_BYTES + 1)
    # A dry run never takes SQLite's write lock (imports/snapshot.py).
    async with dry_run_session(session) if dry_run else nullcontext(session) as working:
        report = await run_import(
            working,
            actor=subject,
            handler=handler_for(kind),
            data=data,
            file_name=file.filename,
            dry_run=dry_run,
        )
    return report.as_dict()


router.include_router(imports)

"""Shapes of the import API on the wire."""

from enum import StrEnum

from pydantic import BaseModel, Field


class ImportKind(StrEnum):
    sites = "sites"
    houses = "houses"
    teams = "teams"
    members = "members"


class ImportProblem(BaseModel):
    """One problem, located as a spreadsheet shows it (the header is row 1)."""

    row: int = Field(description="row number as the spreadsheet shows it; 1 is the header")
    column: str | None = Field(description="column letter (A, B, …); null for the whole row")
    header: str | None = Field(description="the column's header as written in the file")
    field: str | None = Field(description="the import field the column maps to")
    code: str = Field(description="stable error code (see the problem titles)")
    message: str = Field(description="what is wrong, in Vietnamese")
    value: str | None = Field(description="the cell's content (cut to 200 characters)")


class ImportReport(BaseModel):
    """What an import did, or (dry run) would do: counts and every problem found."""

    kind: ImportKind
    file_format: str = Field(description="csv or xlsx, sniffed from the file's bytes")
    dry_run: bool
    ok: bool = Field(description="no problem: a real run wrote everything")
    rows: int = Field(description="data rows read (comments and blank rows skipped)")
    created: int
    updated: int
    unchanged: int
    errors_total: int = Field(description="problems found; `errors` lists the first 5,000")
    errors: list[ImportProblem]
    warnings: list[ImportProblem] = Field(description="ignored columns and the like")

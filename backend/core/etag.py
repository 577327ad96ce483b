"""Optimistic concurrency: ETag out, If-Match in, 412 when stale."""

from typing import Annotated

from fastapi import Header, Response

from backend.core.errors import PreconditionFailed, PreconditionRequired


def etag_for(version: int) -> str:
    """The strong ETag of a row version."""
    return f'"{version}"'


def set_etag(response: Response, version: int) -> None:
    """Put the row version on the answer."""
    response.headers["ETag"] = etag_for(version)


def check_if_match(if_match: str | None, current_version: int) -> None:
    """Refuse a write that does not name the version it was based on, or names an old one."""
    if not if_match:
        raise PreconditionRequired(current_etag=etag_for(current_version))
    tags = {t.strip().removeprefix("W/") for t in if_match.split(",")}
    if "*" in tags or etag_for(current_version) in tags:
        return
    raise PreconditionFailed(current_etag=etag_for(current_version))


# The server answers a missing If-Match with 428 and the current ETag (a problem a client can act
# on), so the parameter stays optional to FastAPI; the spec still says required, through this
# marker that backend/core/openapi.py turns into ``required: true``.
REQUIRED_MARK = "x-ttq-required"

IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        description="ETag of the version being changed (428 without it)",
        json_schema_extra={REQUIRED_MARK: True},
    ),
]
IfMatchOptional = Annotated[
    str | None,
    Header(alias="If-Match", description="ETag of the version acted on; when sent, checked"),
]

"""Response models shared by the routers."""

from __future__ import annotations

import re
from typing import Any, Generic, TypeVar
from urllib.parse import quote

from fastapi import Response
from pydantic import BaseModel, Field

from api.paging import NEXT_AFTER
from graph.edges import Edge
from graph.nodes import Report

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of a list. Ask again with `after=next_after` while it is not null."""

    items: list[T]
    limit: int = Field(description="The page size used (the stated maximum applies).")
    next_after: int | None = None


class CursorPage(BaseModel, Generic[T]):
    """One page of a list paged by position (`api.paging`). Ask again with
    `after=next_after` while it is not null."""

    items: list[T]
    limit: int = Field(description="The page size used (the stated maximum applies).")
    next_after: str | None = Field(default=None, description=NEXT_AFTER)


class ErrorBody(BaseModel):
    detail: str


ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "No or unknown X-Purpose"},
    401: {"model": ErrorBody, "description": "No valid token"},
    403: {"model": ErrorBody, "description": "The caller's role may not do this"},
    404: {"model": ErrorBody, "description": "Not found, or not visible to the caller"},
    503: {
        "model": ErrorBody,
        "description": "The audit log or the store cannot be written or reached: nothing was "
        "disclosed (a refusal is audited too, so any authenticated call can answer this)",
    },
}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The `ERRORS` entries of these statuses only, for a route that cannot answer the
    others (no purpose asked, nothing looked up): the schema lists what it does answer."""
    return {status: ERRORS[status] for status in statuses}


class ReportView(BaseModel):
    """A report as the caller may see it, with the links they may see (and their evidence)."""

    report: Report
    links: list[Edge]


def attachment(filename: str) -> str:
    """A Content-Disposition value for a download whose name may hold anything (ids come
    from outside): an ASCII name with every other character as `_`, and the exact name
    percent-encoded beside it (RFC 6266 `filename*`), so no quote, semicolon or line break
    can leave the header value."""
    plain = re.sub(r"[^A-Za-z0-9._-]", "_", filename)
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(filename, safe='')}"


def json_response(model: BaseModel, status_code: int = 200) -> Response:
    """Send a model that is already validated as JSON, without FastAPI validating it again.

    Routes using this declare `response_model` so the OpenAPI schema still states the body;
    the schemathesis run checks that bodies match it.
    """
    return Response(model.model_dump_json(), status_code=status_code, media_type="application/json")

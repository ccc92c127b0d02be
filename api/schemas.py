"""Response models shared by the routers."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel, Field

from graph.edges import Edge
from graph.nodes import Report

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of a list. Ask again with `after=next_after` while it is not null."""

    items: list[T]
    limit: int = Field(description="The page size used (the stated maximum applies).")
    next_after: int | None = None


class ReportView(BaseModel):
    """A report as the caller may see it, with the links they may see (and their evidence)."""

    report: Report
    links: list[Edge]

"""Reading persons and reports: need-to-know views, each read audited as a consultation."""

from __future__ import annotations

from typing import Annotated, TypeVar

from fastapi import APIRouter, Path, Response

from api.deps import PERSONAL_READ_OPENAPI, PersonalRead, ReadDep, store_call
from api.schemas import ERRORS, ReportView, json_response
from graph.audit import AuditEvent, Operation
from graph.edges import EdgeKind
from graph.errors import NotFound
from graph.nodes import Person, Report

N = TypeVar("N", Person, Report)

router = APIRouter(tags=["records"], responses=ERRORS)


async def _visible(ctx: PersonalRead, node_id: str, kind: type[N], label: str) -> N:
    """The record as the caller may see it; hidden and missing are the same NotFound."""
    node = await store_call(ctx.store, ctx.store.get_node, node_id)
    view = ctx.policy.node_view(node) if node is not None else None
    if not isinstance(view, kind):
        raise NotFound(f"{label} {node_id!r} not found")
    return view


async def _consulted(
    ctx: PersonalRead, action: str, subjects: list[str], returned: list[str]
) -> None:
    """Write the consultation entry; returns once it is durable (before any response)."""
    await ctx.audit.record_async(
        AuditEvent(
            operation=Operation.CONSULTATION,
            actor=ctx.principal.name,
            role=ctx.principal.role.value,
            purpose=ctx.purpose,
            action=action,
            subjects=subjects,
            returned=returned,
        )
    )


@router.get("/persons/{person_id}", response_model=Person, openapi_extra=PERSONAL_READ_OPENAPI)
async def get_person(
    person_id: Annotated[str, Path(examples=["DEMO-P1", "P1"])], ctx: ReadDep
) -> Response:
    """A person record: fields the caller may not see (such as medical details) are null."""
    view = await _visible(ctx, person_id, Person, "person")
    await _consulted(ctx, "read person", [person_id], [person_id])
    return json_response(view)


PERSON_LINKS = {EdgeKind.ABOUT, EdgeKind.MENTIONS}


@router.get("/reports/{report_id}", response_model=ReportView, openapi_extra=PERSONAL_READ_OPENAPI)
async def get_report(
    report_id: Annotated[str, Path(examples=["DEMO-IR-1", "R1"])], ctx: ReadDep
) -> Response:
    """A report with its visible links (subjects, mentions, places, objects, source)."""
    view = await _visible(ctx, report_id, Report, "report")
    store = ctx.store
    hood = await store_call(store, store.neighbours, report_id, 1, ctx.policy.filter, None)
    links = [e for e in hood.edges if report_id in (e.src, e.dst)]
    people = sorted({e.dst for e in links if e.kind in PERSON_LINKS})
    await _consulted(ctx, "read report", people, [report_id, *sorted({e.id for e in links})])
    return json_response(ReportView(report=view, links=links))

"""Reading persons and reports: need-to-know views, each read audited as a consultation."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from api.deps import ReadDep, store_call
from api.schemas import ERRORS, ReportView, json_response
from graph.access import AccessPolicy
from graph.audit import AuditEvent, Operation
from graph.edges import EdgeKind
from graph.errors import NotFound
from graph.nodes import Person, Report

router = APIRouter(tags=["records"], responses=ERRORS)


@router.get("/persons/{person_id}", response_model=Person)
async def get_person(
    person_id: Annotated[str, Path(examples=["DEMO-P1", "P1"])], ctx: ReadDep
) -> Response:
    """A person record: fields the caller may not see (such as medical details) are null."""
    principal, purpose, store, audit = ctx.principal, ctx.purpose, ctx.store, ctx.audit
    policy = AccessPolicy(principal)
    node = await store_call(store, store.get_node, person_id)
    view = policy.node_view(node) if node is not None else None
    if not isinstance(view, Person):
        raise NotFound(f"person {person_id!r} not found")
    await audit.record_async(
        AuditEvent(
            operation=Operation.CONSULTATION,
            actor=principal.name,
            role=principal.role.value,
            purpose=purpose,
            action="read person",
            subjects=[person_id],
            returned=[person_id],
        )
    )
    return json_response(view)


PERSON_LINKS = {EdgeKind.ABOUT, EdgeKind.MENTIONS}


@router.get("/reports/{report_id}", response_model=ReportView)
async def get_report(
    report_id: Annotated[str, Path(examples=["DEMO-IR-1", "R1"])], ctx: ReadDep
) -> Response:
    """A report with its visible links (subjects, mentions, places, objects, source)."""
    principal, purpose, store, audit = ctx.principal, ctx.purpose, ctx.store, ctx.audit
    policy = AccessPolicy(principal)
    node = await store_call(store, store.get_node, report_id)
    view = policy.node_view(node) if node is not None else None
    if not isinstance(view, Report):
        raise NotFound(f"report {report_id!r} not found")
    hood = await store_call(store, store.neighbours, report_id, 1, policy.filter, None)
    links = [e for e in hood.edges if report_id in (e.src, e.dst)]
    people = sorted({e.dst for e in links if e.kind in PERSON_LINKS})
    await audit.record_async(
        AuditEvent(
            operation=Operation.CONSULTATION,
            actor=principal.name,
            role=principal.role.value,
            purpose=purpose,
            action="read report",
            subjects=people,
            returned=[report_id, *sorted({e.id for e in links})],
        )
    )
    return json_response(ReportView(report=view, links=links))

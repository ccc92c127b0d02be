"""Reading persons and reports: need-to-know views, each read audited as a consultation."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, Field

from api.deps import PERSONAL_READ_OPENAPI, PersonalRead, ReadDep, store_call, visible
from api.disclosed import entity_as_seen, shown_entity_id
from api.schemas import ERRORS, ReportView, json_response
from graph.analysis.search import MAX_RESULTS, find_persons
from graph.edges import EdgeKind
from graph.nodes import NominalType, Person, Report

router = APIRouter(tags=["records"], responses=ERRORS)


class EntityRef(BaseModel):
    """The entity a person record belongs to and the records it joins that the caller may
    see (others are left out, not counted)."""

    entity_id: str
    records: list[str]


class PersonView(Person):
    entity: EntityRef | None = Field(
        default=None, description="Null until entity resolution has seen the record."
    )


class PersonHit(BaseModel):
    id: str
    names: str
    score: float = Field(description="Name similarity, 0-100 (100: the id itself).")
    dob: date | None
    nominal_type: NominalType | None
    handling_conditions: str | None = None  # the record's (code C): they travel with it


class PersonHits(BaseModel):
    query: str
    items: list[PersonHit]


@router.get("/persons", response_model=PersonHits, openapi_extra=PERSONAL_READ_OPENAPI)
async def search_persons(
    ctx: ReadDep,
    q: Annotated[str, Query(min_length=1, max_length=200, description="A name or an id.")],
    limit: Annotated[int, Query(ge=1, le=MAX_RESULTS)] = 20,
) -> Response:
    """People you may see whose name is like `q` (fuzzy), or whose id is `q`."""
    flt = ctx.policy.filter
    found = await store_call(ctx.store, lambda: find_persons(ctx.store, q, flt, limit))
    nodes = await store_call(ctx.store, ctx.store.get_nodes, [f.person_id for f in found])
    items = []
    for f in found:
        node = nodes.get(f.person_id)
        if isinstance(node, Person) and ctx.policy.node_view(node) is not None:
            nominal = node.visor.nominal_type if node.visor else None
            items.append(
                PersonHit(
                    id=f.person_id,
                    names=f.names,
                    score=f.score,
                    dob=node.dob,
                    nominal_type=nominal,
                    handling_conditions=node.marking.handling_conditions,
                )
            )
    await ctx.consulted("person search", [], [i.id for i in items], query=q)
    return json_response(PersonHits(query=q, items=items))


@router.get("/persons/{person_id}", response_model=PersonView, openapi_extra=PERSONAL_READ_OPENAPI)
async def get_person(
    person_id: Annotated[str, Path(examples=["DEMO-P1", "P1"])], ctx: ReadDep
) -> Response:
    """A person record (fields the caller may not see, such as medical details, are null)
    with the entity it belongs to and the other records that entity joins."""
    view = await visible(ctx, person_id, Person, "person")
    entity = await _entity(ctx, person_id)
    returned = entity.records if entity else [person_id]
    await ctx.consulted("read person", [person_id], returned)
    # `__dict__` holds every field (nodes forbid extras) and is much cheaper than `dict(view)`.
    return json_response(PersonView.model_construct(**view.__dict__, entity=entity))


async def _entity(ctx: PersonalRead, person_id: str) -> EntityRef | None:
    resolution = ctx.resolution
    found = resolution.entity_of(person_id) if resolution else None
    if resolution is None or found is None:
        return None
    _, members = found
    others = [m for m in members if m != person_id]
    if others:
        nodes = await store_call(ctx.store, ctx.store.get_nodes, others)
        visible = {i for i, n in nodes.items() if ctx.policy.node_view(n) is not None}
        # Inline, as `entity_of` above: it reads the ingest state only when a record is
        # hidden, so a thread hop on every read of a joined person would be wasted.
        members = entity_as_seen(resolution, person_id, members, visible)
    return EntityRef(entity_id=shown_entity_id(members), records=members)


PERSON_LINKS = {EdgeKind.ABOUT, EdgeKind.MENTIONS}


@router.get("/reports/{report_id}", response_model=ReportView, openapi_extra=PERSONAL_READ_OPENAPI)
async def get_report(
    report_id: Annotated[str, Path(examples=["DEMO-IR-1", "R1"])], ctx: ReadDep
) -> Response:
    """A report with its visible links (subjects, mentions, places, objects, source)."""
    view = await visible(ctx, report_id, Report, "report")
    store = ctx.store
    hood = await store_call(store, store.neighbours, report_id, 1, ctx.policy.filter, None)
    links = [e for e in hood.edges if report_id in (e.src, e.dst)]
    people = sorted({e.dst for e in links if e.kind in PERSON_LINKS})
    # Each link shows its other end (a place, an object, the source for the FIB), so the
    # entry names those as well as the links.
    ends = {x for e in links for x in (e.src, e.dst)} - {report_id}
    await ctx.consulted("read report", people, [report_id, *sorted(ends | {e.id for e in links})])
    return json_response(ReportView(report=view, links=links))

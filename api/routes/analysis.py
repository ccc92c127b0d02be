"""Link analysis for callers: associate lists (paths, measures and risk to follow).

Computed over the caller's visible subgraph (the access policy's filter is pushed into
the store with the caller's own filters), and audited as consultation with every id
returned.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, Field

from api.deps import PERSONAL_READ_OPENAPI, ReadDep, store_call
from api.schemas import ERRORS, json_response
from graph.analysis.associates import MAX_PERSON_DEPTH, associates
from graph.edges import AssociationType, Edge
from graph.errors import NotFound
from graph.nodes import NominalType, Person

router = APIRouter(tags=["link analysis"], responses=ERRORS)


class StrengthView(BaseModel):
    reports: int = Field(description="Distinct reports supporting the path.")
    structured_records: int = Field(description="Structured records (e.g. ViSOR) supporting it.")
    best_source_evaluation: str | None
    best_intelligence_assessment: str | None
    suspected_false_link: bool = Field(description="Some step rests only on E-graded material.")
    first_seen: date | None
    last_seen: date | None


class AssociateView(BaseModel):
    person: Person
    steps: int
    path: list[Edge] = Field(description="The evidence, from the subject to the associate.")
    via: list[str]
    strength: StrengthView
    nominal_type: NominalType | None
    child: bool
    vulnerable: bool


class AssociatesView(BaseModel):
    subject: str
    depth: int
    associates: list[AssociateView]
    high_fanout: dict[str, int] = Field(
        description="Nodes with more links than the cap (id: degree): reported, not expanded."
    )
    truncated: bool


GRADE = "^[123][A-E]$"


@router.get(
    "/persons/{person_id}/associates",
    response_model=AssociatesView,
    openapi_extra=PERSONAL_READ_OPENAPI,
)
async def get_associates(
    person_id: Annotated[str, Path(max_length=200)],
    ctx: ReadDep,
    depth: Annotated[int, Query(ge=1, le=MAX_PERSON_DEPTH)] = 1,
    types: Annotated[list[AssociationType] | None, Query()] = None,
    min_grade: Annotated[
        str | None, Query(pattern=GRADE, description="3x5x2 source and intelligence, e.g. 2B.")
    ] = None,
    since: date | None = None,
    include_hubs: bool = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    exclude: Annotated[
        Literal["none", "suspected_false"], Query(description="Leave out E-only links.")
    ] = "none",
) -> Response:
    """A person's associates within `depth` person steps (a direct association, or a shared
    report, address or object), each with its shortest evidence path and strength."""
    policy = ctx.policy
    start = await store_call(ctx.store, ctx.store.get_node, person_id)
    if start is None or not isinstance(policy.node_view(start), Person):
        raise NotFound(f"person {person_id!r} not found")
    flt = policy.filter.model_copy(  # the visible subgraph, narrowed by the caller's filters
        update={
            "association_types": frozenset(types) if types else None,
            "since": since,
            "max_source_evaluation": min_grade[0] if min_grade else None,
            "min_intelligence_assessment": min_grade[1] if min_grade else None,
            "exclude_suspected_false": exclude == "suspected_false",
        }
    )
    found = await store_call(
        ctx.store,
        lambda: associates(
            ctx.store, person_id, depth=depth, flt=flt, include_hubs=include_hubs, limit=limit
        ),
    )
    views = [
        AssociateView(
            person=view,
            steps=a.steps,
            path=a.path,
            via=a.via,
            strength=StrengthView(**a.strength.__dict__),
            nominal_type=a.nominal_type,
            child=a.child,
            vulnerable=a.vulnerable,
        )
        for a in found.associates
        if isinstance(view := policy.node_view(a.person), Person)
    ]
    returned = [v.person.id for v in views]
    evidence = sorted({e.id for v in views for e in v.path})
    await ctx.consulted("associates", [person_id], [*returned, *evidence], depth=depth)
    body = AssociatesView(
        subject=person_id,
        depth=depth,
        associates=views,
        high_fanout=found.high_fanout,
        truncated=found.truncated,
    )
    return json_response(body)

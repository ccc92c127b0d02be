"""Link analysis for callers: associate lists (paths, measures and risk to follow).

Computed over the caller's visible subgraph (the access policy's filter is pushed into
the store with the caller's own filters), and audited as consultation with every id
returned.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel, Field, field_validator

from api.accounts import is_reserved
from api.deps import PERSONAL_READ_OPENAPI, PersonalRead, ReadDep, store_call, visible
from api.disclosed import (
    assessment_returned,
    associates_returned,
    entity_as_seen,
    with_cited_reports,
)
from api.schemas import ERRORS, json_response
from graph.access import Role
from graph.analysis.associates import MAX_PERSON_DEPTH, associates
from graph.analysis.events import day_rank
from graph.analysis.measures import Measure, MeasureStore
from graph.analysis.paths import MAX_PATHS, connecting_network, people_problem, shortest_paths
from graph.analysis.risk import RiskAssessment, assess, visible_possible
from graph.analysis.timeline import timeline
from graph.edges import AssociationType, Edge
from graph.errors import AccessDenied, NotFound, ValidationFailed
from graph.markings import Compartment, Marking
from graph.nodes import Node, NodeKind, NominalType, Person, RiskIndicator
from graph.notifications import NotificationStore, as_seen
from graph.sharing.store import SharingStore
from graph.store import MAX_DEPTH, TraversalFilter
from graph.times import Instant

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
Types = Annotated[list[AssociationType] | None, Query()]
MinGrade = Annotated[
    str | None, Query(pattern=GRADE, description="3x5x2 source and intelligence, e.g. 2B.")
]
Exclude = Annotated[
    Literal["none", "suspected_false"], Query(description="Leave out E-only links.")
]


def caller_filter(
    ctx: PersonalRead,
    types: list[AssociationType] | None,
    min_grade: str | None,
    since: date | None,
    exclude: str,
) -> TraversalFilter:
    """The caller's visible subgraph, narrowed by the filters they asked for."""
    return ctx.policy.filter.model_copy(
        update={
            "association_types": frozenset(types) if types else None,
            "since": since,
            "max_source_evaluation": min_grade[0] if min_grade else None,
            "min_intelligence_assessment": min_grade[1] if min_grade else None,
            "exclude_suspected_false": exclude == "suspected_false",
        }
    )


@router.get(
    "/persons/{person_id}/associates",
    response_model=AssociatesView,
    openapi_extra=PERSONAL_READ_OPENAPI,
)
async def get_associates(
    person_id: Annotated[str, Path(max_length=200)],
    ctx: ReadDep,
    depth: Annotated[int, Query(ge=1, le=MAX_PERSON_DEPTH)] = 1,
    types: Types = None,
    min_grade: MinGrade = None,
    since: date | None = None,
    include_hubs: bool = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    exclude: Exclude = "none",
) -> Response:
    """A person's associates within `depth` person steps (a direct association, or a shared
    report, address or object), each with its shortest evidence path and strength."""
    policy = ctx.policy
    await visible(ctx, person_id, Person, "person")
    flt = caller_filter(ctx, types, min_grade, since, exclude)
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
    shown = [a for a in found.associates if policy.node_view(a.person) is not None]
    await ctx.consulted("associates", [person_id], associates_returned(shown), depth=depth)
    body = AssociatesView(
        subject=person_id,
        depth=depth,
        associates=views,
        high_fanout=found.high_fanout,
        truncated=found.truncated,
    )
    return json_response(body)


class PathsView(BaseModel):
    source: str
    target: str
    length: int | None = Field(description="Edges on each shortest path; null if none.")
    paths: list[list[Edge]]
    nodes: list[Node] = Field(description="Every node on the paths, as you may see it.")
    truncated: bool = Field(description=f"More than {MAX_PATHS} shortest paths exist.")
    high_fanout: dict[str, int]


@router.get("/paths", response_model=PathsView, openapi_extra=PERSONAL_READ_OPENAPI)
async def get_paths(
    ctx: ReadDep,
    source: Annotated[str, Query(alias="from", max_length=200)],
    target: Annotated[str, Query(alias="to", max_length=200)],
    max_len: Annotated[int, Query(ge=1, le=MAX_DEPTH)] = 4,
    types: Types = None,
    min_grade: MinGrade = None,
    since: date | None = None,
    include_hubs: bool = False,
    exclude: Exclude = "none",
) -> Response:
    """Every shortest path (up to `max_len` edges) between two people, with its evidence."""
    if source == target:
        # Before any read: the answer must not depend on whether the person exists.
        raise ValidationFailed(f"from and to are the same person ({source})")
    await visible(ctx, source, Person, "person")
    await visible(ctx, target, Person, "person")
    flt = caller_filter(ctx, types, min_grade, since, exclude)
    found = await store_call(
        ctx.store,
        lambda: shortest_paths(
            ctx.store, source, target, max_len=max_len, flt=flt, include_hubs=include_hubs
        ),
    )
    nodes = _views(ctx, found.nodes.values())
    returned = [n.id for n in nodes] + with_cited_reports(e for p in found.paths for e in p)
    await ctx.consulted("paths", [source, target], returned, max_len=max_len)
    body = PathsView(
        source=source,
        target=target,
        length=found.length,
        paths=found.paths,
        nodes=nodes,
        truncated=found.truncated,
        high_fanout=found.high_fanout,
    )
    return json_response(body)


def _views(ctx: PersonalRead, nodes: Iterable[Node]) -> list[Node]:
    """Nodes as the caller may see them (the store already left out hidden ones)."""
    return [v for n in nodes if (v := ctx.policy.node_view(n)) is not None]


class NetworkRequest(BaseModel):
    people: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(
        min_length=2,
        max_length=20,
        description="2-20 distinct person ids, each given once.",
        json_schema_extra={"uniqueItems": True},
    )
    max_len: int = Field(default=4, ge=1, le=MAX_DEPTH)
    include_hubs: bool = False

    @field_validator("people")
    @classmethod
    def _distinct(cls, people: list[str]) -> list[str]:
        """The schema's `uniqueItems`, enforced: a repeat passed the two-person minimum and
        answered a network of one."""
        problem = people_problem(people)
        if problem:
            raise ValueError(problem)
        return people


class NetworkView(BaseModel):
    people: list[str]
    nodes: list[Node]
    edges: list[Edge]
    unconnected: list[tuple[str, str]] = Field(description="Pairs with no path within reach.")
    high_fanout: dict[str, int]


@router.post(
    "/analysis/connecting-network",
    response_model=NetworkView,
    openapi_extra=PERSONAL_READ_OPENAPI,
)
async def post_connecting_network(body: NetworkRequest, ctx: ReadDep) -> Response:
    """The union of the shortest paths between every pair of the people given."""
    for person in body.people:
        await visible(ctx, person, Person, "person")
    flt = ctx.policy.filter
    net = await store_call(
        ctx.store,
        lambda: connecting_network(
            ctx.store,
            body.people,
            max_len=body.max_len,
            flt=flt,
            include_hubs=body.include_hubs,
        ),
    )
    nodes = _views(ctx, net.nodes.values())
    returned = [n.id for n in nodes] + with_cited_reports(net.edges)
    await ctx.consulted("connecting network", net.people, returned)
    view = NetworkView(
        people=net.people,
        nodes=nodes,
        edges=net.edges,
        unconnected=net.unconnected,
        high_fanout=net.high_fanout,
    )
    return json_response(view)


class TimelineEventView(BaseModel):
    when: datetime | None = Field(description="UTC; dates without a time at 00:00; null last.")
    kind: str
    node_id: str
    edge_id: str
    summary: str
    handling_conditions: str | None = Field(
        default=None, description="Handling conditions (code C) of the record or link."
    )


async def _notification_events(
    request: Request, ctx: PersonalRead, person_id: str
) -> list[TimelineEventView]:
    """Notifications about the person, for their offender manager (own) and supervisors,
    as the caller may see them now (`as_seen`, the rule of every notification read)."""
    role = ctx.principal.role
    if role not in (Role.OFFENDER_MANAGER, Role.SUPERVISOR):
        return []
    if role is Role.OFFENDER_MANAGER and is_reserved(ctx.principal.name):
        return []  # its name is another owner's (see `api.accounts.OWNER_NAMES`)
    owner = None if role is Role.SUPERVISOR else ctx.principal.name
    kept: NotificationStore = request.app.state.notifications
    graph, view = ctx.store, ctx.policy.filter
    shown = await store_call(graph, lambda: as_seen(graph, view, kept.about(person_id, owner)))
    return [
        TimelineEventView(
            when=datetime.fromisoformat(n.created_at),
            kind="notification",
            node_id=n.nominal_id,
            edge_id=n.edge_id,
            summary=f"{n.reason} ({n.state})",
        )
        for n in shown
    ]


def _sharing_events(request: Request, ctx: PersonalRead, person_id: str) -> list[TimelineEventView]:
    """Sharing decisions and disclosures, for roles that see confidential sections; a
    disclosure's `shared_at` keeps the offset it was given in, so it is put in UTC here,
    as every other event's time is."""
    if not ctx.policy.sees(Marking(compartment=Compartment.CONFIDENTIAL)):
        return []
    kept: SharingStore = request.app.state.sharing
    decisions, disclosures = kept.for_nominal(person_id)
    out = [
        TimelineEventView(
            when=d.recorded_at.astimezone(UTC),
            kind="sharing_decision",
            node_id=person_id,
            edge_id=f"sharing-decision:{d.seq}",
            summary=f"{d.outcome.value} with {', '.join(d.answers.with_whom) or 'no one'} "
            f"(decided by {d.decision_maker.name}, {d.decision_maker.role.value})",
        )
        for d in decisions
    ]
    out += [
        TimelineEventView(
            when=x.shared_at.astimezone(UTC),
            kind="disclosure",
            node_id=person_id,
            edge_id=f"disclosure:{x.seq}",
            summary=f"shared with {x.recipient} for {x.purpose}",
        )
        for x in disclosures
    ]
    return out


class TimelineView(BaseModel):
    person_id: str
    events: list[TimelineEventView]


@router.get(
    "/persons/{person_id}/timeline",
    response_model=TimelineView,
    openapi_extra=PERSONAL_READ_OPENAPI,
)
async def get_timeline(
    request: Request, person_id: Annotated[str, Path(max_length=200)], ctx: ReadDep
) -> Response:
    """Reports about or naming the person, address changes, and associations first and last
    seen, oldest first: only what the caller may see."""
    await visible(ctx, person_id, Person, "person")
    flt = ctx.policy.filter
    events = await store_call(ctx.store, lambda: timeline(ctx.store, person_id, flt))
    views = [TimelineEventView(**e.__dict__) for e in events]
    views = sorted(
        [
            *views,
            *await _notification_events(request, ctx, person_id),
            *_sharing_events(request, ctx, person_id),
        ],
        key=lambda v: (
            v.when is None,
            v.when or datetime.min.replace(tzinfo=UTC),
            day_rank(v.kind),
            v.kind,
        ),
    )
    returned = sorted({e.node_id for e in views} | {e.edge_id for e in views})
    await ctx.consulted("timeline", [person_id], returned)
    return json_response(TimelineView(person_id=person_id, events=views))


class FindingView(BaseModel):
    rule: str
    question: RiskIndicator = Field(description="Which of the APP's six questions it bears on.")
    weight: float
    reason: str
    related: str
    evidence: list[Edge]
    possible_match: str | None = Field(
        default=None, description="Under `possible`: the record that may be the person's."
    )
    match_score: float | None = Field(
        default=None, description="Under `possible`: that record's match score (0-1)."
    )


class RiskView(BaseModel):
    person_id: str
    records: list[str] = Field(description="The entity's records that were assessed.")
    nominal_type: NominalType | None
    score: float
    findings: list[FindingView]
    not_raising: list[FindingView] = Field(
        description="Findings resting on E-graded material only: shown, never counted."
    )
    possible: list[FindingView] = Field(
        default_factory=list,
        description="Findings through records that may be the same person (a name-only "
        "mention, a pair awaiting review): shown with the match score, never counted. "
        "Empty in the ranked list.",
    )


async def _visible_ids(ctx: PersonalRead, ids: list[str]) -> list[str]:
    nodes = await store_call(ctx.store, ctx.store.get_nodes, ids)
    return sorted(i for i, n in nodes.items() if ctx.policy.node_view(n) is not None)


async def _assessment(
    ctx: PersonalRead, person_id: str, with_possible: bool = False
) -> RiskAssessment:
    records = [person_id]
    resolution = ctx.resolution
    found = resolution.entity_of(person_id) if resolution else None
    if resolution is not None and found is not None:
        seen = await _visible_ids(ctx, found[1])
        records = entity_as_seen(resolution, person_id, found[1], seen)
    possible: list[tuple[str, float]] = []
    if with_possible and ctx.resolution is not None:
        matches = [
            (m.record, m.score) for m in ctx.resolution.possible_matches(records, limit=None)
        ]
        possible = await store_call(ctx.store, visible_possible, ctx.store, ctx.policy, matches)
    flt = ctx.policy.filter
    return await store_call(
        ctx.store,
        lambda: assess(ctx.store, person_id, records=records, flt=flt, possible=possible),
    )


def _risk_view(result: RiskAssessment) -> RiskView:
    return RiskView(
        person_id=result.person_id,
        records=result.records,
        nominal_type=result.nominal_type,
        score=result.score,
        findings=[FindingView(**f.__dict__) for f in result.findings],
        not_raising=[FindingView(**f.__dict__) for f in result.not_raising],
        possible=[FindingView(**f.__dict__) for f in result.possible],
    )


@router.get(
    "/persons/{person_id}/risk", response_model=RiskView, openapi_extra=PERSONAL_READ_OPENAPI
)
async def get_risk(person_id: Annotated[str, Path(max_length=200)], ctx: ReadDep) -> Response:
    """The associations and facts that raise a nominal's risk, each with its reason (one of
    the six questions) and evidence, over every visible record of the person's entity; and,
    unscored, what visible records that may be the same person would add (`possible`)."""
    await visible(ctx, person_id, Person, "person")
    result = await _assessment(ctx, person_id, with_possible=True)
    await ctx.consulted("risk assessment", result.records, assessment_returned(result))
    return json_response(_risk_view(result))


class RankedView(BaseModel):
    items: list[RiskView] = Field(
        description="One per person (entity): `person_id` is the first of its nominal "
        "records, `records` every record of it that was assessed."
    )
    nominals_assessed: int = Field(description="People assessed (not records).")


@router.get("/risk/ranked", response_model=RankedView, openapi_extra=PERSONAL_READ_OPENAPI)
async def get_ranked(ctx: ReadDep, limit: Annotated[int, Query(ge=1, le=200)] = 50) -> Response:
    """Force-wide: the nominals the caller may see, highest risk score first (supervisors)."""
    if ctx.principal.role is not Role.SUPERVISOR:
        raise AccessDenied("the force-wide risk ranking is for supervisors")
    flt = ctx.policy.filter
    graph = await store_call(
        ctx.store,
        lambda: ctx.store.projection(
            flt.model_copy(update={"node_kinds": frozenset({NodeKind.PERSON})})
        ),
    )
    nominals = sorted(n for n, data in graph.nodes(data=True) if data.get("subtype"))
    # One row per person: an assessment already covers every visible record of the entity,
    # so a second ViSOR record of the same human would only repeat it with the same score.
    results: list[RiskAssessment] = []
    covered: set[str] = set()
    for nominal in nominals:
        if nominal not in covered:
            results.append(await _assessment(ctx, nominal))
            covered.update(results[-1].records)
    ranked = sorted(results, key=lambda r: (-r.score, r.person_id))[:limit]
    # Each item's subjects are every record of the entity it lists, as for one assessment.
    subjects = sorted({i for r in ranked for i in [r.person_id, *r.records]})
    returned = sorted({i for r in ranked for i in [r.person_id, *assessment_returned(r)]})
    await ctx.consulted("risk ranking", subjects, returned)
    return json_response(
        RankedView(items=[_risk_view(r) for r in ranked], nominals_assessed=len(results))
    )


class MeasuredNode(BaseModel):
    node_id: str
    kind: str
    subtype: str | None
    community: int
    values: dict[str, float]
    handling_conditions: str | None = Field(
        default=None, description="Handling conditions (code C) of the record: they travel."
    )


class MeasuresView(BaseModel):
    view: str = Field(description="Whose visible subgraph the measures were computed over.")
    computed_at: Instant
    measure: str
    nodes: list[MeasuredNode]
    method: str


async def _still_visible_top(
    ctx: PersonalRead,
    kept: MeasureStore,
    view: str,
    measure: str,
    kind: str | None,
    limit: int,
) -> list[MeasuredNode]:
    """The top `limit` of the stored run that the caller may still see, each with its
    record's handling conditions: a record re-marked out of their view (or gone) since the
    run is left out, as a 404 would, and the next one down takes its place."""
    shown: list[MeasuredNode] = []
    offset = 0
    while len(shown) < limit:
        batch = kept.top(view, measure, kind, limit, offset)
        if not batch:
            break
        offset += len(batch)
        nodes = await store_call(ctx.store, ctx.store.get_nodes, [t.node_id for t in batch])
        shown += [
            MeasuredNode(**t.__dict__, handling_conditions=n.marking.handling_conditions)
            for t in batch
            if (n := nodes.get(t.node_id)) is not None and ctx.policy.node_view(n) is not None
        ]
    return shown[:limit]


@router.get("/analysis/measures", response_model=MeasuresView, openapi_extra=PERSONAL_READ_OPENAPI)
async def get_measures(
    request: Request,
    ctx: ReadDep,
    measure: Measure = "degree",
    kind: Literal["Person", "Report", "Location", "Object"] | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
) -> Response:
    """Most connected and most central nodes by a network measure, as computed in batch by
    `mosaic analyse` over your role's view (never over more than you may see)."""
    ctx.require_purpose()
    kept: MeasureStore = request.app.state.measures
    view = ctx.principal.role.value
    run = kept.run(view)
    if run is None:
        raise NotFound(
            f"no measures computed for the {view!r} view yet: run `mosaic analyse --purpose P`"
        )
    if not await store_call(ctx.store, run.current, ctx.store):
        raise NotFound(
            f"the measures computed at {run.computed_at} predate a re-marking or erasure of "
            "stored records, so they may count records now hidden: run "
            "`mosaic analyse --purpose P` again"
        )
    top = await _still_visible_top(ctx, kept, view, measure, kind, limit)
    returned = [t.node_id for t in top]
    await ctx.consulted("network measures", [], returned, measure=measure)
    body = MeasuresView(
        view=view,
        computed_at=run.computed_at,
        measure=measure,
        nodes=top,
        method=run.notes,
    )
    return json_response(body)

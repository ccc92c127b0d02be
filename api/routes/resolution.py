"""Entity resolution for people: the review queue, judgements, and a person's entity.

A pair or an entity member the caller may not see is left out entirely (not counted, not
named), so the queue and entity views leak nothing through gaps. Reads are audited as
consultation; judgements as combination (in `ingest.entities`).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from api.deps import PERSONAL_READ_OPENAPI, PersonalRead, ReadDep, store_call
from api.disclosed import entity_as_seen, shown_entity_id
from api.schemas import ERRORS, json_response
from graph.access import Permission
from graph.errors import AccessDenied, NotFound, ValidationFailed
from graph.nodes import Person
from graph.times import Instant
from ingest.entities import QUEUE_CURSOR, Judgement, JudgementConflict, QueuePosition, Resolution
from ingest.entities import QueuedPair as Queued

router = APIRouter(tags=["entity resolution"], responses=ERRORS)


class Feature(BaseModel):
    name: str
    similarity: float | None
    weight: float = Field(description="Bits of evidence: + for one person, - against.")
    note: str


class QueuedPair(BaseModel):
    a: Person
    b: Person
    score: float
    features: list[Feature]
    scored_at: Instant


class QueuePage(BaseModel):
    """One page of the review queue. Ask again with `after=next_after` while it is not null
    (the name every paged list uses; here it is a position, not a count)."""

    items: list[QueuedPair]
    limit: int = Field(description="The page size used (the stated maximum applies).")
    next_after: str | None = Field(
        default=None,
        description="Where the next page starts: the position (score and pair) of the last "
        "pair on this page; null on the last page.",
    )


class JudgementIn(BaseModel):
    a: str = Field(min_length=1, max_length=200)
    b: str = Field(min_length=1, max_length=200)
    verdict: Literal["same", "not_same", "unsure", "withdrawn"]
    reason: str | None = Field(default=None, max_length=2000)


class JudgementOut(BaseModel):
    seq: int
    a: str
    b: str
    verdict: str
    actor: str
    reason: str | None
    at: Instant
    repeated: bool = Field(
        default=False,
        description="The verdict was in force already: nothing was recorded, and this is "
        "the judgement in force (a withdrawal takes it back).",
    )
    entity_a: str
    entity_b: str


class EntityView(BaseModel):
    entity_id: str
    members: list[Person] = Field(description="The person records it joins that you may see.")


def _resolution(request: Request) -> Resolution:
    resolution: Resolution = request.app.state.resolution
    return resolution


def _writer(ctx: PersonalRead) -> None:
    if not ctx.principal.can(Permission.WRITE_INTEL):
        raise AccessDenied(f"role {ctx.principal.role.value!r} may not do this")
    ctx.require_purpose()


async def _visible_persons(ctx: PersonalRead, ids: list[str]) -> dict[str, Person]:
    nodes = await store_call(ctx.store, ctx.store.get_nodes, ids)
    out: dict[str, Person] = {}
    for pid, node in nodes.items():
        view = ctx.policy.node_view(node)
        if isinstance(view, Person):
            out[pid] = view
    return out


async def _visible_queue(
    ctx: PersonalRead,
    resolution: Resolution,
    want: int,
    after: QueuePosition | None,
    person: str | None,
) -> tuple[list[Queued], dict[str, Person]]:
    """The first `want` queued pairs after `after` that the caller may see (fewer only when
    the queue ends), with those persons' views. Pairs with a hidden record are dropped
    before the page is cut, so they shorten no page and end no paging: while they leave it
    short, the queue is read on from the last pair read, twice as many at a time."""
    found: list[Queued] = []
    persons: dict[str, Person] = {}
    step = want
    while True:
        pairs = await run_in_threadpool(resolution.queue, step, after, person)
        seen = await _visible_persons(ctx, sorted({p for q in pairs for p in (q.a, q.b)}))
        persons.update(seen)
        found += [q for q in pairs if q.a in seen and q.b in seen]
        if len(found) >= want or len(pairs) < step:
            return found[:want], persons
        after = QueuePosition.of(pairs[-1])
        step *= 2


@router.get("/resolution/queue", response_model=QueuePage, openapi_extra=PERSONAL_READ_OPENAPI)
async def review_queue(
    request: Request,
    ctx: ReadDep,
    after: Annotated[
        str | None,
        Query(
            max_length=16384,
            pattern=QUEUE_CURSOR,
            description="The `next_after` of the previous page: this page starts strictly after "
            "that pair, so pairs judged meanwhile make it skip nothing. Omit for the top.",
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    person: Annotated[
        str | None, Query(max_length=200, description="Only pairs involving this person.")
    ] = None,
) -> Response:
    """Pairs the matcher could not decide, highest score first (ties by the pair's ids),
    each with its explanation. Pairs already judged, and pairs whose records are already
    one entity through other links, are not listed."""
    _writer(ctx)
    resolution = _resolution(request)
    if person is not None and person not in await _visible_persons(ctx, [person]):
        raise NotFound(f"person {person!r} not found")
    start = QueuePosition.parse(after) if after is not None else None
    visible, persons = await _visible_queue(ctx, resolution, limit + 1, start, person)
    page = visible[:limit]
    items = [
        QueuedPair(
            a=persons[q.a],
            b=persons[q.b],
            score=q.score,
            features=[Feature.model_validate(f) for f in q.features],
            scored_at=q.scored_at,
        )
        for q in page
    ]
    returned = sorted({p for q in page for p in (q.a, q.b)})
    await ctx.consulted("read entity resolution queue", returned, returned)
    # Made from the last pair returned, which the caller sees: never from a hidden one.
    following = QueuePosition.of(page[-1]).token() if len(visible) > limit else None
    return json_response(QueuePage(items=items, limit=limit, next_after=following))


@router.post(
    "/resolution/judgements", response_model=JudgementOut, openapi_extra=PERSONAL_READ_OPENAPI
)
async def post_judgement(request: Request, body: JudgementIn, ctx: ReadDep) -> Response:
    """Record same / not_same / unsure on a pair (or `withdrawn` to undo the latest one): it
    wins over the matcher, and not_same is never overridden by a chain of links. A verdict
    already in force records nothing (`repeated`); a `same` that would join records judged
    not_same is refused (422)."""
    _writer(ctx)
    persons = await _visible_persons(ctx, [body.a, body.b])
    missing = [p for p in (body.a, body.b) if p not in persons]
    if missing:
        raise NotFound(f"person {missing[0]!r} not found")
    resolution = _resolution(request)

    def run() -> tuple[Judgement, list[str], list[str]]:
        # One at a time in this process; the judgement's write transaction serialises it
        # with writers in other processes (the CLI).
        with request.app.state.ingest_lock:
            done, _ = resolution.judge(
                body.a,
                body.b,
                body.verdict,
                actor=ctx.principal.name,
                role=ctx.principal.role.value,
                purpose=ctx.purpose,
                reason=body.reason,
            )
        return done, resolution.records_of(done.a), resolution.records_of(done.b)

    try:
        done, of_a, of_b = await run_in_threadpool(run)
    except JudgementConflict as exc:
        # The not_same pair in the way is named only when the caller may see both.
        if len(await _visible_persons(ctx, list(exc.conflict))) < 2:
            raise ValidationFailed(
                f"{body.a} ~ {body.b} cannot be judged same: it would put records judged "
                "not_same in one entity"
            ) from None
        raise
    seen = await _visible_persons(ctx, sorted({*of_a, *of_b}))
    of_a = await run_in_threadpool(entity_as_seen, resolution, done.a, of_a, seen)
    of_b = await run_in_threadpool(entity_as_seen, resolution, done.b, of_b, seen)
    return json_response(
        JudgementOut(
            **done.__dict__,
            entity_a=shown_entity_id(of_a),
            entity_b=shown_entity_id(of_b),
        )
    )


@router.get(
    "/persons/{person_id}/entity", response_model=EntityView, openapi_extra=PERSONAL_READ_OPENAPI
)
async def person_entity(
    request: Request, person_id: Annotated[str, Path(max_length=200)], ctx: ReadDep
) -> Response:
    """The entity a person record belongs to and the other records it joins."""
    visible = await _visible_persons(ctx, [person_id])
    if person_id not in visible:
        raise NotFound(f"person {person_id!r} not found")
    resolution = _resolution(request)
    found = await run_in_threadpool(resolution.entity_of, person_id)
    members = found[1] if found else [person_id]
    persons = await _visible_persons(ctx, members)
    joined = await run_in_threadpool(entity_as_seen, resolution, person_id, members, persons)
    shown = [persons[m] for m in joined]
    shown_ids = [p.id for p in shown]
    entity_id = shown_entity_id(shown_ids)
    await ctx.consulted("read person entity", shown_ids, shown_ids, entity=entity_id)
    return json_response(EntityView(entity_id=entity_id, members=shown))

"""Review, retention and disposal: the due / overdue list and review decisions.

For offender managers and supervisors (`records:review`), over what they may see. A
review is audited as a collection; a disposal also as an erasure that names the records
and edges erased, never their content.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from api.deps import PERSONAL_READ_OPENAPI, PersonalRead, ReadDep, store_call
from api.schemas import ERRORS, json_response
from graph.access import Permission
from graph.audit import Operation
from graph.errors import AccessDenied
from graph.retention.policy import RetentionPolicy, ReviewGroup, policy_from
from graph.retention.reviews import RecordReview, ReviewLog, ReviewOutcome
from graph.retention.service import RecordsOf, alone, due_reviews, review
from graph.store import DisposalResult

router = APIRouter(tags=["review and retention"], responses=ERRORS)


class DueView(BaseModel):
    record_id: str
    kind: str
    group: ReviewGroup
    due: date
    overdue: bool
    last_review: RecordReview | None
    note: str


class DueList(BaseModel):
    today: date
    within_days: int
    overdue: int
    items: list[DueView]
    truncated: bool


class ReviewRequest(BaseModel):
    record_id: str = Field(min_length=1, max_length=200)
    outcome: ReviewOutcome
    rationale: str = Field(min_length=1, max_length=4000)
    triggers_verified: bool = Field(
        default=False,
        description="Nominals: the supervisor verified the notification-trigger settings.",
    )


class ReviewResult(BaseModel):
    review: RecordReview
    disposal: DisposalResult | None


def _reviewer(ctx: PersonalRead) -> None:
    if not ctx.principal.can(Permission.REVIEW_RECORDS):
        raise AccessDenied("reviews are for offender managers and supervisors")
    ctx.require_purpose()


def policy_of(request: Request) -> RetentionPolicy:
    return policy_from(request.app.state.settings.review_periods_days)


def entity_records(ctx: PersonalRead) -> RecordsOf:
    """Every record of a person's entity as resolution holds it now: a record's review
    group follows the person, whichever of their records material names."""
    return ctx.resolution.records_of if ctx.resolution else alone


@router.get("/reviews/due", response_model=DueList, openapi_extra=PERSONAL_READ_OPENAPI)
async def get_due(
    request: Request,
    ctx: ReadDep,
    within_days: Annotated[int, Query(ge=0, le=3650)] = 30,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> Response:
    """Records due for review within `within_days`, overdue first."""
    _reviewer(ctx)
    log: ReviewLog = request.app.state.record_reviews
    today = datetime.now(UTC).date()
    flt = ctx.policy.filter
    policy, records_of = policy_of(request), entity_records(ctx)
    found = await store_call(
        ctx.store,
        lambda: due_reviews(ctx.store, log, policy, today, within_days, flt, records_of=records_of),
    )
    items = [DueView(**d.__dict__) for d in found[:limit]]
    await ctx.consulted("reviews due", [], [i.record_id for i in items])
    body = DueList(
        today=today,
        within_days=within_days,
        overdue=sum(d.overdue for d in found),
        items=items,
        truncated=len(found) > limit,
    )
    return json_response(body)


@router.post(
    "/reviews", response_model=ReviewResult, status_code=201, openapi_extra=PERSONAL_READ_OPENAPI
)
async def post_review(request: Request, body: ReviewRequest, ctx: ReadDep) -> Response:
    """Record a review (retain or dispose). Disposing of a report removes it and every
    link only it supported, keeps links other material still supports, and is audited as
    an erasure that does not contain the erased data."""
    _reviewer(ctx)
    log: ReviewLog = request.app.state.record_reviews
    records_of = entity_records(ctx)
    made, disposed = await store_call(
        ctx.store,
        lambda: review(
            ctx.store,
            log,
            policy_of(request),
            record_id=body.record_id,
            outcome=body.outcome,
            reviewer=ctx.principal.name,
            reviewer_role=ctx.principal.role.value,
            rationale=body.rationale,
            triggers_verified=body.triggers_verified,
            viewer=ctx.policy,
            records_of=records_of,
        ),
    )
    await ctx.recorded(
        Operation.COLLECTION,
        f"record review ({made.outcome.value})",
        [body.record_id],
        [f"record-review:{made.seq}"],
    )
    if disposed is not None:
        # Nothing of the erased data stays in the stores beside the graph either.
        erased_nodes, erased_edges = disposed.deleted_nodes, disposed.deleted_edges
        request.app.state.notifications.forget(erased_nodes, erased_edges)
        request.app.state.measures.forget([*erased_nodes, *erased_edges])
        state = request.app.state
        state.ingest.mark_disposed("report", [body.record_id])
        persons = [i for i in erased_nodes if i != body.record_id]
        if persons:  # persons known only from the report: their features and entities go
            state.ingest.forget_persons(persons)
            if state.resolution is not None:

                def resolve() -> None:
                    # Re-clustered, and the pairs whose scores the removal changed (records
                    # sharing a removed record's name) re-scored: as a full run would.
                    with state.ingest_lock:  # one load or judgement at a time
                        state.resolution.resolve(
                            [],
                            actor=ctx.principal.name,
                            role=ctx.principal.role.value,
                            purpose=ctx.purpose,
                        )

                await run_in_threadpool(resolve)
        await ctx.recorded(
            Operation.ERASURE,
            "disposal after review",
            [body.record_id],
            [*disposed.deleted_nodes, *disposed.deleted_edges],
            edges_removed=len(disposed.deleted_edges),
            edges_narrowed=len(disposed.updated_edges),
            review=made.seq,
        )
    return json_response(ReviewResult(review=made, disposal=disposed), status_code=201)

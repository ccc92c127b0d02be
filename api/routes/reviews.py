"""Review, retention and disposal: the due / overdue list and review decisions.

For offender managers and supervisors (`records:review`), over what they may see; a
nominal's review is a supervisor's. A review's body says what is reviewed (`record_kind`),
so its schema states each kind's rules. A review is audited as a collection; a disposal
also as an erasure that names the records and edges erased, never their content.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Discriminator, Field, Tag

from api.deps import PERSONAL_READ_OPENAPI, PersonalRead, ReadDep, store_call
from api.paging import After, Limit, day, page, position
from api.schemas import ERRORS, CursorPage, json_response
from graph.access import Permission, Role
from graph.audit import Operation
from graph.errors import AccessDenied
from graph.retention.policy import RetentionPolicy, ReviewGroup, policy_from
from graph.retention.reviews import RecordKind, RecordReview, ReviewLog, ReviewOutcome
from graph.retention.service import Due, RecordsOf, alone, due_reviews, review
from graph.sharing.decisions import case_of, said
from graph.store import DisposalResult

router = APIRouter(tags=["review and retention"], responses=ERRORS)


class DueView(BaseModel):
    record_id: str
    kind: str
    record_kind: RecordKind = Field(description="What to send as `record_kind` to review it.")
    group: ReviewGroup
    due: date
    overdue: bool
    last_review: RecordReview | None
    note: str


class DueList(CursorPage[DueView]):
    today: date
    within_days: int
    overdue: int = Field(description="Overdue records in the whole list, not only this page.")
    truncated: bool = Field(
        deprecated=True, description="Another page follows: `next_after` is not null."
    )


class _Review(BaseModel):
    record_id: str = Field(min_length=1, max_length=200)
    rationale: str = said(4000, "Why this outcome.")  # `review` refuses a blank one


class ReportReview(_Review):
    """A report: retained for another period, or disposed of."""

    record_kind: Literal[RecordKind.REPORT] = RecordKind.REPORT
    outcome: ReviewOutcome
    triggers_verified: bool = Field(default=False, description="Kept as sent; nominals only.")


class NominalReview(_Review):
    """A ViSOR nominal, by a supervisor who verified the notification-trigger settings:
    retained (ViSOR holds the record)."""

    record_kind: Literal[RecordKind.NOMINAL]
    outcome: Literal[ReviewOutcome.RETAIN]
    triggers_verified: Literal[True] = Field(
        description="The supervisor verified the notification-trigger settings."
    )


class PersonReview(_Review):
    """Any other person record: retained (dispose of the reports about them instead)."""

    record_kind: Literal[RecordKind.PERSON]
    outcome: Literal[ReviewOutcome.RETAIN]
    triggers_verified: bool = Field(default=False, description="Kept as sent; nominals only.")


ReviewRequest = Annotated[
    Annotated[ReportReview, Tag(RecordKind.REPORT.value)]
    | Annotated[NominalReview, Tag(RecordKind.NOMINAL.value)]
    | Annotated[PersonReview, Tag(RecordKind.PERSON.value)],
    Discriminator(case_of("record_kind", RecordKind.REPORT.value)),
]
"""One body per kind of record, so the schema states what `review` requires of each; what
the record is, is checked against the body (422 naming it)."""


class ReviewResult(BaseModel):
    review: RecordReview
    disposal: DisposalResult | None


def _reviewer(ctx: PersonalRead, kind: RecordKind | None = None) -> None:
    if not ctx.principal.can(Permission.REVIEW_RECORDS):
        raise AccessDenied("reviews are for offender managers and supervisors")
    if kind is RecordKind.NOMINAL and ctx.principal.role is not Role.SUPERVISOR:
        raise AccessDenied("a nominal's review is made by a supervisor")
    ctx.require_purpose()


def policy_of(request: Request) -> RetentionPolicy:
    return policy_from(request.app.state.settings.review_periods_days)


def entity_records(ctx: PersonalRead) -> RecordsOf:
    """Every record of a person's entity as resolution holds it now: a record's review
    group follows the person, whichever of their records material names."""
    return ctx.resolution.records_of if ctx.resolution else alone


def _due_kind(d: Due) -> RecordKind:
    """The due list holds reports and nominals only."""
    return RecordKind.REPORT if d.kind == "Report" else RecordKind.NOMINAL


def _due_position(d: Due) -> bytes:
    """By due date (so overdue first, without a key that changes overnight), then by id."""
    return position(day(d.due), d.record_id)


@router.get("/reviews/due", response_model=DueList, openapi_extra=PERSONAL_READ_OPENAPI)
async def get_due(
    request: Request,
    ctx: ReadDep,
    within_days: Annotated[int, Query(ge=0, le=3650)] = 30,
    after: After = None,
    limit: Limit = 200,
) -> Response:
    """Records due for review within `within_days`, overdue first (by due date, then id),
    a page at a time."""
    _reviewer(ctx)
    log: ReviewLog = request.app.state.record_reviews
    today = datetime.now(UTC).date()
    flt = ctx.policy.filter
    policy, records_of = policy_of(request), entity_records(ctx)
    found = await store_call(
        ctx.store,
        lambda: due_reviews(ctx.store, log, policy, today, within_days, flt, records_of=records_of),
    )
    shown, following = page(found, _due_position, after, limit)
    items = [DueView(**d.__dict__, record_kind=_due_kind(d)) for d in shown]
    await ctx.consulted("reviews due", [], [i.record_id for i in items])
    body = DueList(
        today=today,
        within_days=within_days,
        overdue=sum(d.overdue for d in found),
        items=items,
        limit=limit,
        next_after=following,
        truncated=following is not None,
    )
    return json_response(body)


@router.post(
    "/reviews", response_model=ReviewResult, status_code=201, openapi_extra=PERSONAL_READ_OPENAPI
)
async def post_review(request: Request, body: ReviewRequest, ctx: ReadDep) -> Response:
    """Record a review (retain or dispose). Disposing of a report removes it and every
    link only it supported, keeps links other material still supports, and is audited as
    an erasure that does not contain the erased data. A nominal's review is a
    supervisor's (403 otherwise); a record that is not what `record_kind` says is 422
    naming what it is; one not held (or not visible) is 404."""
    _reviewer(ctx, body.record_kind)
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
            as_kind=body.record_kind,
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

"""CHIS candidate review for the FIB: the queue, a source's chronology, and decisions.

Only callers with the `chis:review` permission (FIB reviewers) get any of it: a member of
the public's identity appears nowhere else. Everyone else gets 403 and the attempt is
audited (`api/errors.py`). Reads are consultations and decisions collections, audited
before the response is sent.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel, Field

from api.deps import PERSONAL_READ_OPENAPI, PersonalRead, ReadDep, store_call
from api.disclosed import candidates_returned, chronology_returned
from api.paging import After, day, descending, page, position
from api.schemas import ERRORS, CursorPage, json_response
from graph.access import Permission
from graph.audit import Operation
from graph.chis.chronology import Chronology, as_markdown, chronology
from graph.chis.policy import ChisPolicy, IndicatorName
from graph.chis.queue import Candidate, build_queue, excluded, never_a_candidate
from graph.chis.reviews import Decision, Outcome, ReviewStore
from graph.errors import AccessDenied, NotFound, ValidationFailed
from graph.markings import Compartment
from graph.nodes import Source
from graph.notifications import NotificationStore
from graph.sharing.decisions import said
from graph.times import Instant

router = APIRouter(tags=["CHIS review"], responses=ERRORS)
SOURCE = Compartment.SOURCE


class FiredView(BaseModel):
    indicator: str
    weight: float
    reason: str
    evidence: list[str] = Field(description="Report ids.")


class DecisionView(BaseModel):
    seq: int
    outcome: Outcome
    reviewer: str
    decided_at: Instant
    rationale: str
    measures: str | None
    referral_ref: str | None
    next_review: date


class CaseView(BaseModel):
    status: Literal["open", "reviewed", "reopened"]
    reason: str
    last_decision: DecisionView | None


class CandidateView(BaseModel):
    source_id: str
    person_id: str | None = Field(description="Who the source is: FIB reviewers only.")
    source_type: str
    chis_status: str
    score: float
    indicators: list[FiredView]
    contacts: int
    first_contact: Instant
    last_contact: Instant
    first_crossed: Instant | None = Field(description="The contact at which the score crossed.")
    drift_days: int | None = Field(description="Days since then without a review.")
    escalated: bool = Field(description="Juvenile or vulnerable: always escalated.")
    subjects: list[str]
    case: CaseView


class _Review(BaseModel):
    rationale: str = said(4000, "Why this outcome.")
    measures: str | None = Field(
        default=None, max_length=4000, description="Required for managed_as_public_contact."
    )
    referral_ref: str | None = Field(
        default=None, max_length=200, description="Required for referred_for_chis_assessment."
    )


class ManagedReview(_Review):
    """Managed as a public contact, with the sensitivity and confidentiality measures."""

    outcome: Literal[Outcome.MANAGED_AS_PUBLIC_CONTACT]
    measures: str = said(4000, "The sensitivity and confidentiality measures.")


class ReferredReview(_Review):
    """Referred to the source unit for CHIS assessment, with the referral reference."""

    outcome: Literal[Outcome.REFERRED_FOR_CHIS_ASSESSMENT]
    referral_ref: str = said(200, "The referral reference.")


class ClosedReview(_Review):
    """No further action."""

    outcome: Literal[Outcome.NO_FURTHER_ACTION]


ReviewRequest = Annotated[
    ManagedReview | ReferredReview | ClosedReview, Field(discriminator="outcome")
]
"""Each outcome's own detail is required by the schema, as `ReviewStore.decide` requires it."""


def _fib(ctx: PersonalRead) -> PersonalRead:
    """The review permission and the `source` compartment: who a source is stays with
    those who may see source identities (a scope alone is not enough)."""
    principal = ctx.principal
    if not principal.can(Permission.CHIS_REVIEW) or SOURCE not in principal.rule.compartments:
        raise AccessDenied("CHIS review is for FIB reviewers")
    ctx.require_purpose()
    return ctx


def _decision(d: Decision | None) -> DecisionView | None:
    return DecisionView(**d.__dict__) if d else None


def _candidate(c: Candidate) -> CandidateView:
    return CandidateView(
        **{k: v for k, v in c.__dict__.items() if k not in ("fired", "case")},
        indicators=[FiredView(**f.__dict__) for f in c.fired],
        case=CaseView(
            status=c.case.status,
            reason=c.case.reason,
            last_decision=_decision(c.case.last),
        ),
    )


def queue_position(c: Candidate) -> bytes:
    """Where a candidate stands in the queue's order (`build_queue`): score, highest first;
    then the day it first crossed the threshold, earliest (longest drift) first, which
    unlike the drift itself does not change overnight; then its id."""
    crossed = date.fromisoformat(c.first_crossed[:10]) if c.first_crossed else None
    return position(descending(c.score), day(crossed), c.source_id)


@router.get(
    "/chis/candidates",
    response_model=CursorPage[CandidateView],
    openapi_extra=PERSONAL_READ_OPENAPI,
)
async def list_candidates(
    request: Request,
    ctx: ReadDep,
    indicator: Annotated[list[IndicatorName] | None, Query()] = None,
    min_score: Annotated[float, Query(ge=0, le=1000)] = 0,
    nominal: Annotated[str | None, Query(max_length=200, description="A subject's id.")] = None,
    since: Annotated[date | None, Query(description="Last contact on or after.")] = None,
    status: Literal["pending", "reviewed", "all"] = "pending",
    after: After = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Response:
    """Sources over the policy threshold, highest score first (then longest drift, then
    id), with the indicators that fired, their evidence and the days since they first
    crossed it. `pending`: never reviewed or re-opened. Paged by position: a candidate
    reviewed between two pages moves no other."""
    _fib(ctx)
    policy: ChisPolicy = request.app.state.chis_policy
    reviews: ReviewStore = request.app.state.chis_reviews
    today = datetime.now(UTC).date()
    resolution = ctx.resolution
    view = ctx.policy.filter  # scored over what the reviewer may see, in the store's queries

    def queued() -> tuple[list[Candidate], set[str]]:
        """The queue, one person under several records counted as one (entity resolution),
        and the records of `nominal`'s person the reviewer may see."""
        if resolution is None:
            return build_queue(ctx.store, policy, reviews.latest(), today, view=view), set()
        entity_of = resolution.entity_map()
        found = build_queue(
            ctx.store, policy, reviews.latest(), today, None, resolution.records_of, view, entity_of
        )
        if nominal is None:
            return found, set()
        node = ctx.store.get_node(nominal)
        asked = resolution.records_of(nominal) if node and ctx.policy.node_view(node) else []
        return found, set(asked)

    queue, records = await store_call(ctx.store, queued)
    wanted = set(indicator or ())
    kept = [
        c
        for c in queue
        if c.score >= min_score
        and wanted <= set(c.indicators)
        and (nominal is None or nominal in c.subjects or bool(records & set(c.subjects)))
        and (since is None or c.last_contact[:10] >= since.isoformat())
        and (status == "all" or (status == "reviewed") == (c.case.status == "reviewed"))
    ]
    shown, following = page(kept, queue_position, after, limit)
    returned = candidates_returned(shown)
    await ctx.consulted("chis candidates", [], returned, status=status, total=len(kept))
    items = [_candidate(c) for c in shown]
    return json_response(CursorPage[CandidateView](items=items, limit=limit, next_after=following))


@router.get(
    "/sources/{source_id}/chronology",
    response_model=Chronology,
    openapi_extra=PERSONAL_READ_OPENAPI,
    responses={200: {"content": {"text/markdown": {}}}},
)
async def get_chronology(
    request: Request,
    source_id: Annotated[str, Path(max_length=200)],
    ctx: ReadDep,
    format: Literal["json", "markdown"] = "json",
) -> Response:
    """Every contact from the source in time order, with where each report went; as
    markdown (`format=markdown`) to attach to a source-unit referral."""
    _fib(ctx)
    notes: NotificationStore = request.app.state.notifications
    kept = request.app.state.ingest.warnings
    view = ctx.policy.filter
    chron = await store_call(ctx.store, lambda: chronology(ctx.store, source_id, notes, kept, view))
    returned = chronology_returned(chron)
    await ctx.consulted("chis chronology", [source_id], returned, format=format)
    if format == "markdown":
        return Response(as_markdown(chron), media_type="text/markdown")
    return json_response(chron)


@router.post(
    "/chis/candidates/{source_id}/review",
    response_model=DecisionView,
    status_code=201,
    openapi_extra=PERSONAL_READ_OPENAPI,
)
async def review_candidate(
    request: Request,
    source_id: Annotated[str, Path(max_length=200)],
    body: ReviewRequest,
    ctx: ReadDep,
) -> Response:
    """Record the FIB's decision (reviewer and date are the caller and now) on the contacts
    in view now. Decisions are append-only; any other contact (a later one, or one loaded
    later) or the re-review date re-opens the case."""
    _fib(ctx)
    source = await store_call(ctx.store, ctx.store.get_node, source_id)
    if not isinstance(source, Source) or ctx.policy.node_view(source) is None:
        raise NotFound(f"source {source_id!r} not found")
    seen = ctx.policy.filter
    rows = await store_call(ctx.store, lambda: ctx.store.source_contacts([source_id], 1, seen))
    why_not = excluded(rows[0]) if rows else never_a_candidate(source)
    if why_not:
        raise ValidationFailed(f"source {source_id!r} is never a CHIS candidate: {why_not}")
    policy: ChisPolicy = request.app.state.chis_policy
    reviews: ReviewStore = request.app.state.chis_reviews
    decision = reviews.decide(
        source_id,
        body.outcome,
        ctx.principal.name,
        body.rationale,
        rereview_days=policy.rereview_days,
        measures=body.measures,
        referral_ref=body.referral_ref,
        seen=[r.report_id for r in rows],  # a contact not among these re-opens the case
    )
    await ctx.recorded(
        Operation.COLLECTION,
        "chis review decision",
        [source_id],
        [str(decision.seq)],
        outcome=decision.outcome.value,
        next_review=decision.next_review,
    )
    view = _decision(decision)
    assert view is not None
    return Response(view.model_dump_json(), status_code=201, media_type="application/json")

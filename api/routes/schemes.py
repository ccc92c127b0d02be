"""Disclosure schemes (DVDS right to ask / right to know, child sex offender disclosure):
applications, their stages and due dates, and the overdue list.

Recorded by offender managers and supervisors (`sharing:record`); read by roles that see
confidential sections. Opening and moving an application are audited as collections; a
disclosure to the applicant as a disclosure with them as recipient.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from api.deps import PERSONAL_READ_OPENAPI, PersonalRead, ReadDep, store_call, visible
from api.paging import After, Limit, day, number, page, position
from api.routes.sharing import may_read_sharing
from api.schemas import ERRORS, CursorPage, json_response
from graph.access import Permission
from graph.audit import Operation
from graph.errors import AccessDenied, NotFound
from graph.nodes import Person
from graph.sharing.decisions import said
from graph.sharing.schemes import CLOSED, Application, ApplicationIn, SchemeStore, Stage
from graph.subject_access import SCHEME_DISCLOSURE

router = APIRouter(tags=["disclosure schemes"], responses=ERRORS)
SEQ = Annotated[int, Path(ge=1, le=2**62)]


class ApplicationView(Application):
    stage: Stage = Field(description="The current stage.")
    overdue: bool


class ApplicationList(CursorPage[ApplicationView]):
    today: date


class _Move(BaseModel):
    note: str = Field(default="", max_length=4000)
    rationale: str | None = Field(default=None, max_length=4000)
    presumption_rebutted_reason: str | None = Field(
        default=None,
        max_length=4000,
        description="Required to decide not_disclosed against a presumption to disclose.",
    )


class StageMove(_Move):
    """On to the next stage, or withdrawn (never back to initial contact)."""

    stage: Literal[
        Stage.CHECKS, Stage.RISK_ASSESSMENT, Stage.MULTI_AGENCY_DECISION, Stage.WITHDRAWN
    ]


class DecisionMove(_Move):
    """The decision, with its rationale (`SchemeStore.move` refuses a blank one)."""

    stage: Literal[Stage.DISCLOSED, Stage.NOT_DISCLOSED]
    rationale: str = said(4000, "Why this decision.")


MoveRequest = Annotated[StageMove | DecisionMove, Field(discriminator="stage")]
"""One body per kind of move, so the schema states the decision's rationale; which stage
may come next, and the presumption's rebuttal, follow the application (422 naming them)."""


def _view(a: Application, today: date, subject: Person) -> ApplicationView:
    """What callers see: the presumption as the subject's record stands now."""
    a = a.as_of(subject)
    return ApplicationView(**a.model_dump(), stage=a.current_stage, overdue=a.is_overdue(today))


def _store(request: Request) -> SchemeStore:
    kept: SchemeStore = request.app.state.schemes
    return kept


async def _visible_application(
    ctx: PersonalRead, kept: SchemeStore, seq: int
) -> tuple[Application, Person]:
    """The application and its subject if the caller may see the subject. One about a
    person hidden from them is "not found" in the very words of a missing one: it names
    no one."""
    found = kept.get(seq)
    try:
        subject = await visible(ctx, found.subject_id, Person, "person")
    except NotFound:
        raise NotFound(f"disclosure scheme application {seq} not found") from None
    return found, subject


def _recorder(ctx: PersonalRead) -> None:
    if not ctx.principal.can(Permission.RECORD_SHARING) or not may_read_sharing(ctx):
        raise AccessDenied(
            "disclosure scheme records are kept by offender managers and supervisors"
        )
    ctx.require_purpose()


def _reader(ctx: PersonalRead) -> None:
    if not may_read_sharing(ctx):
        raise AccessDenied("disclosure scheme records are for roles that see confidential sections")
    ctx.require_purpose()


def _today() -> date:
    return datetime.now(UTC).date()


@router.post(
    "/disclosure-schemes/applications",
    response_model=ApplicationView,
    status_code=201,
    openapi_extra=PERSONAL_READ_OPENAPI,
)
async def open_application(request: Request, body: ApplicationIn, ctx: ReadDep) -> Response:
    """Open an application at initial contact; the due date follows the scheme's limit, and
    a child sex offender application about someone with convictions for child sexual
    offences is flagged with the presumption to disclose."""
    _recorder(ctx)
    subject = await visible(ctx, body.subject_id, Person, "person")
    made = _store(request).apply(body, subject, ctx.principal.name)
    await ctx.recorded(
        Operation.COLLECTION,
        f"disclosure scheme application ({made.scheme.value})",
        [body.subject_id],
        [f"scheme-application:{made.seq}"],
    )
    return json_response(_view(made, _today(), subject), status_code=201)


@router.post(
    "/disclosure-schemes/applications/{seq}/moves",
    response_model=ApplicationView,
    openapi_extra=PERSONAL_READ_OPENAPI,
)
async def move_application(request: Request, seq: SEQ, body: MoveRequest, ctx: ReadDep) -> Response:
    """Move an application to its next stage (or withdraw it); a decision needs its
    rationale, and not disclosing against the presumption needs the rebuttal."""
    _recorder(ctx)
    kept = _store(request)
    _, subject = await _visible_application(ctx, kept, seq)
    # In a worker thread: the move may wait for another process's write to the file.
    made = await run_in_threadpool(
        kept.move,
        seq,
        body.stage,
        ctx.principal.name,
        body.note,
        body.rationale,
        body.presumption_rebutted_reason,
        subject=subject,
    )
    await ctx.recorded(
        Operation.COLLECTION,
        f"disclosure scheme stage {body.stage.value}",
        [made.subject_id],
        [f"scheme-application:{seq}"],
    )
    if body.stage is Stage.DISCLOSED:
        await ctx.disclosed(
            f"{SCHEME_DISCLOSURE}{made.scheme.value}",  # subject access hides the applicant
            [made.subject_id],
            [f"scheme-application:{seq}"],
            [made.applicant],
        )
    return json_response(_view(made, _today(), subject))


def _application_position(a: Application) -> bytes:
    """Open first, then by due date, then by number (`SchemeStore.listing`'s order)."""
    return position(str(int(a.current_stage in CLOSED)), day(a.due_on), number(a.seq))


@router.get(
    "/disclosure-schemes/applications",
    response_model=ApplicationList,
    openapi_extra=PERSONAL_READ_OPENAPI,
)
async def list_applications(
    request: Request,
    ctx: ReadDep,
    overdue: Annotated[bool, Query()] = False,
    after: After = None,
    limit: Limit = 100,
) -> Response:
    """Applications, open ones first by due date (then by number), a page at a time;
    `overdue=true` for those past due."""
    _reader(ctx)
    today = _today()
    listed = _store(request).listing(today, overdue_only=overdue)
    subjects = await store_call(ctx.store, ctx.store.get_nodes, [a.subject_id for a in listed])
    seen = {i: v for i, n in subjects.items() if isinstance(v := ctx.policy.node_view(n), Person)}
    # hidden subjects: not listed at all (left out before the page is cut, so it is full)
    found = [a for a in listed if a.subject_id in seen]
    shown, following = page(found, _application_position, after, limit)
    items = [_view(a, today, seen[a.subject_id]) for a in shown]
    await ctx.consulted(
        "disclosure scheme applications",
        sorted({a.subject_id for a in shown}),
        [f"scheme-application:{a.seq}" for a in shown],
    )
    body = ApplicationList(today=today, items=items, limit=limit, next_after=following)
    return json_response(body)


@router.get(
    "/disclosure-schemes/applications/{seq}",
    response_model=ApplicationView,
    openapi_extra=PERSONAL_READ_OPENAPI,
)
async def get_application(request: Request, seq: SEQ, ctx: ReadDep) -> Response:
    _reader(ctx)
    found, subject = await _visible_application(ctx, _store(request), seq)
    await ctx.consulted(
        "disclosure scheme application", [found.subject_id], [f"scheme-application:{seq}"]
    )
    return json_response(_view(found, _today(), subject))

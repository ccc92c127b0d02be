"""Sharing decisions and disclosures about nominals (the APP's sharing questions).

Recording them needs `sharing:record` (offender managers and supervisors); reading them
needs sight of the `confidential` compartment, since decisions weigh the effect on
victims and the family. A decision is audited as a collection; a disclosure as a
disclosure with its recipient.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response
from pydantic import BaseModel, Field

from api.deps import PERSONAL_READ_OPENAPI, PersonalRead, ReadDep, visible
from api.paging import NEXT_AFTER, After, Limit, instant, number, page, position
from api.schemas import ERRORS, json_response
from graph.access import Permission
from graph.audit import Operation
from graph.errors import AccessDenied, NotFound
from graph.markings import Compartment, Marking
from graph.nodes import Person
from graph.sharing.decisions import (
    Disclosure,
    DisclosureIn,
    SharingDecision,
    SharingDecisionRequest,
)
from graph.sharing.store import SharingStore

router = APIRouter(tags=["sharing"], responses=ERRORS)
CONFIDENTIAL = Marking(compartment=Compartment.CONFIDENTIAL)


class SharingRecord(BaseModel):
    """One page of a nominal's sharing record: its decisions and disclosures taken together
    in the order they were recorded, and shown in two lists. Ask again with
    `after=next_after` while it is not null."""

    nominal_id: str
    decisions: list[SharingDecision]
    disclosures: list[Disclosure]
    limit: int = Field(description="Decisions and disclosures a page, together.")
    next_after: str | None = Field(default=None, description=NEXT_AFTER)


def _recorded_position(made: SharingDecision | Disclosure) -> bytes:
    """When it was recorded, then a decision before a disclosure, then by number."""
    kind = "decision" if isinstance(made, SharingDecision) else "disclosure"
    return position(instant(made.recorded_at), kind, number(made.seq))


def _store(request: Request) -> SharingStore:
    kept: SharingStore = request.app.state.sharing
    return kept


def may_read_sharing(ctx: PersonalRead) -> bool:
    return ctx.policy.sees(CONFIDENTIAL)


def _recorder(ctx: PersonalRead) -> None:
    if not ctx.principal.can(Permission.RECORD_SHARING) or not may_read_sharing(ctx):
        raise AccessDenied("sharing decisions are recorded by offender managers and supervisors")
    ctx.require_purpose()


@router.post(
    "/sharing-decisions",
    response_model=SharingDecision,
    status_code=201,
    openapi_extra=PERSONAL_READ_OPENAPI,
)
async def record_decision(request: Request, body: SharingDecisionRequest, ctx: ReadDep) -> Response:
    """Record a decision about sharing information on a nominal: every APP question, the
    five MAPPA principles (when sharing) and a named decision maker with their reference,
    one body per case (the schema states each). The decision maker's role must be the one
    the nominal's MAPPA management calls for: 422 naming the nominal and the level
    otherwise; 404 for a nominal not held (or not visible)."""
    _recorder(ctx)
    nominal = await visible(ctx, body.nominal_id, Person, "person")
    made = _store(request).decide(body.content(), nominal, ctx.principal.name)
    await ctx.recorded(
        Operation.COLLECTION,
        "sharing decision",
        [body.nominal_id],
        [f"sharing-decision:{made.seq}"],
        outcome=made.outcome.value,
        decision_maker=made.decision_maker.name,
    )
    return json_response(made, status_code=201)


@router.post(
    "/sharing-decisions/{seq}/disclosures",
    response_model=Disclosure,
    status_code=201,
    openapi_extra=PERSONAL_READ_OPENAPI,
)
async def record_disclosure(
    request: Request,
    seq: Annotated[int, Path(ge=1, le=2**62)],
    body: DisclosureIn,
    ctx: ReadDep,
) -> Response:
    """Record what was shared under a decision to share: when, what, with whom (one of
    those the decision named), why, what they already knew, and what they were told to do
    and not to do. Audited as a disclosure to that recipient."""
    _recorder(ctx)
    kept = _store(request)
    decided = kept.decision(seq)
    try:
        nominal = await visible(ctx, decided.nominal_id, Person, "person")
    except NotFound:
        # A decision about someone hidden from the caller is "not found" in the words of a
        # missing one: neither its existence nor the nominal it is about is told.
        raise NotFound(f"sharing decision {seq} not found") from None
    made = kept.disclose(seq, body, nominal, ctx.principal.name)
    await ctx.disclosed(
        "public protection information shared",
        [decided.nominal_id],
        [f"sharing-decision:{seq}", f"disclosure:{made.seq}"],
        [made.recipient],
        purpose_of_sharing=made.purpose,
        **(
            {"mappa_level_when_shared": made.mappa_level_when_shared}
            if made.mappa_level_when_shared is not None
            else {}
        ),
    )
    return json_response(made, status_code=201)


@router.get(
    "/persons/{person_id}/sharing",
    response_model=SharingRecord,
    openapi_extra=PERSONAL_READ_OPENAPI,
)
async def get_sharing(
    request: Request,
    person_id: Annotated[str, Path(max_length=200)],
    ctx: ReadDep,
    after: After = None,
    limit: Limit = 100,
) -> Response:
    """The sharing decisions and disclosures on a nominal's record, oldest first (by when
    each was recorded), a page at a time."""
    if not may_read_sharing(ctx):
        raise AccessDenied("sharing decisions are for roles that see confidential sections")
    await visible(ctx, person_id, Person, "person")
    decided, disclosed = _store(request).for_nominal(person_id)
    record: list[SharingDecision | Disclosure] = [*decided, *disclosed]
    shown, following = page(record, _recorded_position, after, limit)
    decisions = [d for d in shown if isinstance(d, SharingDecision)]
    disclosures = [d for d in shown if isinstance(d, Disclosure)]
    returned = [f"sharing-decision:{d.seq}" for d in decisions]
    returned += [f"disclosure:{d.seq}" for d in disclosures]
    await ctx.consulted("sharing record", [person_id], returned)
    body = SharingRecord(
        nominal_id=person_id,
        decisions=decisions,
        disclosures=disclosures,
        limit=limit,
        next_after=following,
    )
    return json_response(body)

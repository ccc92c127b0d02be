"""Subject access: the pack for a person's request, and the restrictions (with grounds)
that keep records out of it. For supervisors (`sar:produce`). Producing a pack is audited
as a disclosure to the data subject, recording the restriction grounds applied."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel, Field

from api.deps import PERSONAL_READ_OPENAPI, PersonalRead, ReadDep, store_call, visible
from api.routes.reviews import entity_records, policy_of
from api.schemas import ERRORS, json_response
from graph.access import Permission
from graph.audit import Operation
from graph.errors import AccessDenied
from graph.markings import Compartment, Marking
from graph.nodes import Person
from graph.subject_access import Restriction, SubjectAccessPack, subject_access
from graph.times import utc_today

router = APIRouter(tags=["subject access"], responses=ERRORS)


class RestrictionRequest(BaseModel):
    record_id: str = Field(min_length=1, max_length=200)
    ground: str = Field(
        min_length=1, max_length=1000, description="e.g. DPA 2018 s45(4)(b): detection of crime"
    )


def _sar(ctx: PersonalRead) -> None:
    # The pack holds the person's own medical details: only for callers who may see them
    # (a service account's scope alone does not widen its view).
    if not ctx.principal.can(Permission.SUBJECT_ACCESS) or not ctx.policy.sees(
        Marking(compartment=Compartment.MEDICAL)
    ):
        raise AccessDenied("subject access is produced by supervisors")
    ctx.require_purpose()


@router.post(
    "/persons/{person_id}/sar-restrictions",
    response_model=Restriction,
    status_code=201,
    openapi_extra=PERSONAL_READ_OPENAPI,
)
async def restrict(
    request: Request,
    person_id: Annotated[str, Path(max_length=200)],
    body: RestrictionRequest,
    ctx: ReadDep,
) -> Response:
    """Withhold a record from this person's subject access, with the ground."""
    _sar(ctx)
    await visible(ctx, person_id, Person, "person")
    made = request.app.state.sar_restrictions.restrict(
        person_id, body.record_id, body.ground, ctx.principal.name
    )
    await ctx.recorded(
        Operation.COLLECTION,
        "subject access restriction",
        [person_id],
        [body.record_id],
        ground=body.ground,
    )
    return json_response(made, status_code=201)


@router.get(
    "/persons/{person_id}/subject-access",
    response_model=SubjectAccessPack,
    openapi_extra=PERSONAL_READ_OPENAPI,
)
async def get_pack(
    request: Request,
    person_id: Annotated[str, Path(max_length=200)],
    ctx: ReadDep,
    requested_on: Annotated[date | None, Query(description="Default: today (UTC).")] = None,
) -> Response:
    """What Mosaic holds about the person, for their request: no confidential sections, no
    source identities, nothing restricted under a recorded ground; due in one month."""
    _sar(ctx)
    await visible(ctx, person_id, Person, "person")
    state = request.app.state
    records_of = entity_records(ctx)
    pack, applied = await store_call(
        ctx.store,
        lambda: subject_access(
            ctx.store,
            person_id,
            records_of=records_of,
            requested_on=requested_on or utc_today(),
            restrictions=state.sar_restrictions,
            sharing=state.sharing,
            audit=state.audit,
            reviews=state.record_reviews,
            policy=policy_of(request),
        ),
    )
    returned = [r.record_id for r in pack.records] + [r.report_id for r in pack.reports]
    await ctx.disclosed(
        "subject access",
        [person_id],
        returned + [link.link_id for link in pack.links],
        [f"data subject {person_id}"],
        due_on=pack.due_on.isoformat(),
        restrictions_applied=[{"record": r.record_id, "ground": r.ground} for r in applied],
    )
    return json_response(pack)

"""A person's management status (licence, MAPPA, custody, risk, recent changes) and the
MOSOVO single point of contact's foreign-travel list with the alerts nobody evaluated."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel

from api.deps import PERSONAL_READ_OPENAPI, ReadDep, store_call, visible
from api.schemas import ERRORS, json_response
from graph.access import Role
from graph.analysis.management import ManagementStatus, management_status
from graph.errors import AccessDenied
from graph.nodes import EventType, Person, RiskLevel
from graph.notifications import NotificationStore

router = APIRouter(tags=["offender management"], responses=ERRORS)
TRAVEL_ROLES = frozenset({Role.OFFENDER_MANAGER, Role.SUPERVISOR})


class ChangeView(BaseModel):
    event_id: str
    event_type: str
    occurred_on: date
    summary: str


class ManagementView(BaseModel):
    person_id: str
    mappa_eligible: bool
    mappa_category: int | None
    mappa_level: int | None
    visor_offender_manager: str | None
    on_licence: bool
    licence_end_on: date | None
    licence_conditions: list[str]
    probation_offender_manager: str | None
    in_custody: bool
    risk_level: RiskLevel | None
    recent_changes: list[ChangeView]


def _view(s: ManagementStatus) -> ManagementView:
    changes = [ChangeView(**c.__dict__) for c in s.recent_changes]
    return ManagementView(**{**s.__dict__, "recent_changes": changes})


@router.get(
    "/persons/{person_id}/management",
    response_model=ManagementView,
    openapi_extra=PERSONAL_READ_OPENAPI,
)
async def get_management(person_id: Annotated[str, Path(max_length=200)], ctx: ReadDep) -> Response:
    """On licence? MAPPA-eligible? Who is their probation offender manager, and what changed
    lately? For every officer who may read the person."""
    person = await visible(ctx, person_id, Person, "person")
    flt = ctx.policy.filter
    today = datetime.now(UTC).date()
    found = await store_call(ctx.store, lambda: management_status(ctx.store, person, flt, today))
    await ctx.consulted(
        "management status", [person_id], [c.event_id for c in found.recent_changes]
    )
    return json_response(_view(found))


class TravelItem(BaseModel):
    notification: int
    nominal_id: str
    kind: str
    reason: str
    raised_at: str
    state: str
    overdue: bool


class TravelList(BaseModel):
    owner: str
    overdue_after_hours: int
    items: list[TravelItem]


@router.get("/travel", response_model=TravelList, openapi_extra=PERSONAL_READ_OPENAPI)
async def get_travel(
    request: Request, ctx: ReadDep, overdue: Annotated[bool, Query()] = False
) -> Response:
    """Travel notifications and border alerts routed to the MOSOVO single point of contact;
    a border alert still `new` after the configured hours is overdue. Evaluate one with
    `POST /notifications/{seq}` (seen, or actioned with what was confirmed or closed)."""
    if ctx.principal.role not in TRAVEL_ROLES:
        raise AccessDenied("foreign travel is for offender managers and supervisors")
    settings = request.app.state.settings
    kept: NotificationStore = request.app.state.notifications
    limit = timedelta(hours=settings.border_alert_hours)
    now = datetime.now(UTC)
    kinds = {EventType.TRAVEL_NOTIFICATION.value, EventType.BORDER_ALERT.value}
    items = []
    for n in kept.listing(owner=settings.mosovo_spoc, limit=10_000):
        if n.kind not in kinds:
            continue
        late = (
            n.kind == EventType.BORDER_ALERT.value
            and n.state == "new"
            and now - datetime.fromisoformat(n.created_at) > limit
        )
        if overdue and not late:
            continue
        items.append(
            TravelItem(
                notification=n.seq,
                nominal_id=n.nominal_id,
                kind=n.kind,
                reason=n.reason,
                raised_at=n.created_at,
                state=n.state,
                overdue=late,
            )
        )
    await ctx.consulted("foreign travel", sorted({i.nominal_id for i in items}), [])
    body = TravelList(
        owner=settings.mosovo_spoc, overdue_after_hours=settings.border_alert_hours, items=items
    )
    return json_response(body)

"""Notifications for offender managers: what new intelligence touched their nominals.

An offender manager sees the notifications they own (owner = their account name, as
recorded as the ViSOR offender manager); supervisors see every offender manager's; FIB
reviewers see the unit's CHIS review notifications (a source crossing the threshold),
which nobody else sees. Each is shown as the reader may see it now (`as_seen`: a cited
record they may not see is left out; one whose basis they may not see is not shown, nor
paged over, nor changeable). Reading is a consultation naming what was shown, a change of
state an alteration, both audited.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel, Field

from api.accounts import is_reserved
from api.deps import PERSONAL_READ_OPENAPI, PersonalRead, ReadDep, store_call
from api.schemas import ERRORS, Page, json_response
from graph.access import Role
from graph.audit import Operation
from graph.errors import AccessDenied, NotFound
from graph.notifications import FIB_OWNER, Notification, NotificationStore, as_seen, named_by
from graph.sharing.decisions import SAYS_SOMETHING
from graph.times import Instant

router = APIRouter(tags=["notifications"], responses=ERRORS)


class EventView(BaseModel):
    state: str
    actor: str
    action: str | None
    at: Instant


class NotificationView(BaseModel):
    seq: int
    nominal_id: str
    edge_id: str
    owner: str
    kind: str
    reason: str
    evidence: list[str]
    created_at: Instant
    state: Literal["new", "seen", "actioned"]
    history: list[EventView]


class Seen(BaseModel):
    """Mark a notification seen; what was done may be noted."""

    state: Literal["seen"]
    action: str | None = Field(default=None, max_length=2000, description="What was done.")


class Actioned(BaseModel):
    """Mark a notification actioned: what was done is required, and says something (the
    schema states the rule the notification store enforces)."""

    state: Literal["actioned"]
    action: str = Field(
        min_length=1,
        max_length=2000,
        description="What was done.",
        json_schema_extra={"pattern": SAYS_SOMETHING},
    )


StateChange = Annotated[Seen | Actioned, Field(discriminator="state")]


def _store(request: Request) -> NotificationStore:
    store: NotificationStore = request.app.state.notifications
    return store


def _owner_filter(ctx: PersonalRead) -> str | None:
    """None: all (supervisors); else the caller's own; other roles are refused."""
    owners = {
        Role.SUPERVISOR: None,
        Role.OFFENDER_MANAGER: ctx.principal.name,
        Role.FIB_REVIEWER: FIB_OWNER,  # the unit's CHIS review notifications
    }
    if ctx.principal.role not in owners:
        raise AccessDenied("notifications are for offender managers, the FIB and supervisors")
    if ctx.principal.role is Role.OFFENDER_MANAGER and is_reserved(ctx.principal.name):
        # Made before such names were refused: its "own" notifications would be another
        # owner's (the FIB's CHIS notifications, or every unassigned nominal's).
        raise AccessDenied(f"the account name {ctx.principal.name!r} is reserved; use another")
    ctx.require_purpose()
    return owners[ctx.principal.role]


def _view(n: Notification) -> NotificationView:
    return NotificationView(
        **{k: v for k, v in n.__dict__.items() if k != "history"},
        history=[EventView(**e.__dict__) for e in n.history],
    )


@router.get(
    "/notifications", response_model=Page[NotificationView], openapi_extra=PERSONAL_READ_OPENAPI
)
async def list_notifications(
    request: Request,
    ctx: ReadDep,
    state: Literal["new", "seen", "actioned"] | None = None,
    after: Annotated[int, Query(ge=0, le=2**62)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> Response:
    """Your notifications (everyone's for supervisors), oldest first, with their history."""
    owner = _owner_filter(ctx)
    kept, graph, view = _store(request), ctx.store, ctx.policy.filter

    def read() -> tuple[list[Notification], list[str]]:
        shown = kept.listing(owner, state, limit, after, lambda ns: as_seen(graph, view, ns))
        return shown, named_by(graph, shown)

    shown, named = await store_call(graph, read)
    items = [_view(n) for n in shown]
    await ctx.consulted(
        "read notifications",
        sorted({i.nominal_id for i in items}),
        [str(i.seq) for i in items] + named,
    )
    next_after = items[-1].seq if len(items) == limit else None
    return json_response(Page[NotificationView](items=items, limit=limit, next_after=next_after))


@router.post(
    "/notifications/{seq}", response_model=NotificationView, openapi_extra=PERSONAL_READ_OPENAPI
)
async def change_notification(
    request: Request,
    seq: Annotated[int, Path(ge=1, le=2**62)],
    body: StateChange,
    ctx: ReadDep,
) -> Response:
    """Mark a notification seen, or actioned with what was done (kept in its history)."""
    owner = _owner_filter(ctx)
    store = _store(request)
    current = store.get(seq)
    mine = current.owner == owner if owner is not None else current.owner != FIB_OWNER
    graph, view = ctx.store, ctx.policy.filter
    shown = await store_call(graph, lambda: as_seen(graph, view, [current])) if mine else []
    if not shown:  # not theirs, or nothing of it they may see now: as if there were none
        raise NotFound(f"notification {seq} not found")
    changed = replace(
        store.record(seq, body.state, ctx.principal.name, body.action), evidence=shown[0].evidence
    )
    # The answer shows the notification as a read does, so the entry names what a read's
    # would: its cited records and the link's other end.
    named = await store_call(graph, named_by, graph, shown)
    await ctx.recorded(
        Operation.ALTERATION,
        f"notification {body.state}",
        [changed.nominal_id],
        [str(seq), *named],
        notification=seq,
        done=body.action,
    )
    return json_response(_view(changed))

"""Notifications for offender managers: what new intelligence touched their nominals.

An offender manager sees the notifications they own (owner = their account name, as
recorded as the ViSOR offender manager); supervisors see every offender manager's; FIB
reviewers see the unit's CHIS review notifications (a source crossing the threshold),
which nobody else sees. Each is shown as the reader may see it now (`as_seen`: a cited
record they may not see is left out; one whose basis they may not see is not shown, nor
paged over, nor changeable). Reading is a consultation naming what was shown, a change of
state an alteration, both audited.

Notifications are numbered by one sequence for every owner, so a caller is never shown the
number (the gaps between theirs would count everyone else's): each is shown, paged past
and changed by its opaque handle (`graph.handles`); the audit keeps the numbers.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel, Field

from api.accounts import is_reserved
from api.deps import PERSONAL_READ_OPENAPI, PersonalRead, ReadDep, store_call
from api.paging import NEXT_AFTER
from api.schemas import ERRORS, CursorPage, json_response
from graph.access import Role
from graph.audit import Operation
from graph.errors import AccessDenied, NotFound
from graph.handles import HANDLE
from graph.notifications import FIB_OWNER, Notification, NotificationStore, as_seen, named_by
from graph.sharing.decisions import said
from graph.times import Instant

router = APIRouter(tags=["notifications"], responses=ERRORS)


class EventView(BaseModel):
    state: str
    actor: str
    action: str | None
    at: Instant


NOTIFICATION_ID = (
    "The notification's opaque handle: it addresses the notification and tells nothing of "
    "how many others there are."
)
NotificationId = Annotated[str, Path(pattern=HANDLE, description=NOTIFICATION_ID)]
NotificationAfter = Annotated[
    str | None,
    Query(
        pattern=HANDLE,
        description="The `next_after` of the previous page (the `id` of its last item); "
        "omit for the first page.",
    ),
]


class NotificationView(BaseModel):
    id: str = Field(pattern=HANDLE, description=NOTIFICATION_ID)
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
    action: str = said(2000, "What was done.")


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
        **{k: v for k, v in n.__dict__.items() if k not in ("seq", "history")},
        history=[EventView(**e.__dict__) for e in n.history],
    )


class NotificationPage(CursorPage[NotificationView]):
    next_after: str | None = Field(default=None, pattern=HANDLE, description=NEXT_AFTER)


@router.get("/notifications", response_model=NotificationPage, openapi_extra=PERSONAL_READ_OPENAPI)
async def list_notifications(
    request: Request,
    ctx: ReadDep,
    state: Literal["new", "seen", "actioned"] | None = None,
    after: NotificationAfter = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> Response:
    """Your notifications (everyone's for supervisors), oldest first, with their history."""
    owner = _owner_filter(ctx)
    kept, graph, view = _store(request), ctx.store, ctx.policy.filter
    start = kept.seq_of(after) if after else 0

    def read() -> tuple[list[Notification], list[str]]:
        shown = kept.listing(owner, state, limit, start, lambda ns: as_seen(graph, view, ns))
        return shown, named_by(graph, shown)

    shown, named = await store_call(graph, read)
    await ctx.consulted(
        "read notifications",
        sorted({n.nominal_id for n in shown}),
        [str(n.seq) for n in shown] + named,
    )
    items = [_view(n) for n in shown]
    next_after = items[-1].id if len(items) == limit else None
    return json_response(NotificationPage(items=items, limit=limit, next_after=next_after))


@router.post(
    "/notifications/{notification_id}",
    response_model=NotificationView,
    openapi_extra=PERSONAL_READ_OPENAPI,
)
async def change_notification(
    request: Request,
    notification_id: NotificationId,
    body: StateChange,
    ctx: ReadDep,
) -> Response:
    """Mark a notification seen, or actioned with what was done (kept in its history)."""
    owner = _owner_filter(ctx)
    store = _store(request)
    current = store.find(notification_id)
    seq = current.seq
    mine = current.owner == owner if owner is not None else current.owner != FIB_OWNER
    graph, view = ctx.store, ctx.policy.filter
    shown = await store_call(graph, lambda: as_seen(graph, view, [current])) if mine else []
    if not shown:  # not theirs, or nothing of it they may see now: as if there were none
        raise NotFound(f"notification {notification_id} not found")
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

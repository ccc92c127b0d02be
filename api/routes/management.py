"""A person's management status (licence, MAPPA, custody, risk, recent changes) and the
MOSOVO single point of contact's foreign-travel list with the alerts nobody evaluated."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel, Field

from api.deps import PERSONAL_READ_OPENAPI, PersonalRead, ReadDep, store_call, visible
from api.paging import After, Limit, day, page, position
from api.routes.notifications import NOTIFICATION_ID, NotificationAfter
from api.schemas import ERRORS, CursorPage, json_response
from graph.access import Role
from graph.analysis.events import events_of_type
from graph.analysis.management import ManagementStatus, management_status
from graph.analysis.taskings import taskings_with_answers
from graph.errors import AccessDenied
from graph.handles import HANDLE
from graph.markings import Compartment, Marking
from graph.nodes import EventType, MeetingAction, Person, TaskingLevel
from graph.notifications import Notification, NotificationStore, as_seen
from graph.times import Instant

router = APIRouter(tags=["offender management"], responses=ERRORS)
TRAVEL_ROLES = frozenset({Role.OFFENDER_MANAGER, Role.SUPERVISOR})
TRAVEL_KINDS = frozenset({EventType.TRAVEL_NOTIFICATION.value, EventType.BORDER_ALERT.value})


@router.get(
    "/persons/{person_id}/management",
    response_model=ManagementStatus,
    openapi_extra=PERSONAL_READ_OPENAPI,
)
async def get_management(person_id: Annotated[str, Path(max_length=200)], ctx: ReadDep) -> Response:
    """On licence? MAPPA-eligible? Who is their probation offender manager, and what changed
    lately? For every officer who may read the person."""
    person = await visible(ctx, person_id, Person, "person")
    flt = ctx.policy.filter
    today = datetime.now(UTC).date()
    found = await store_call(ctx.store, lambda: management_status(ctx.store, person, flt, today))
    shown = sorted({c.event_id for c in found.recent_changes} | set(found.based_on))
    await ctx.consulted("management status", [person_id], shown)
    return json_response(found)


class TravelItem(BaseModel):
    notification: str = Field(pattern=HANDLE, description=NOTIFICATION_ID)
    nominal_id: str
    kind: str
    reason: str
    raised_at: Instant
    state: str
    overdue: bool


class TravelList(BaseModel):
    owner: str
    overdue_after_hours: int
    items: list[TravelItem]
    limit: int
    next_after: str | None = Field(
        None,
        pattern=HANDLE,
        description="pass as `after` for the next page (the last item's `notification`); "
        "null on the last page",
    )


def _overdue(n: Notification, now: datetime, hours: int) -> bool:
    """A border alert still `new` after the configured hours."""
    return (
        n.kind == EventType.BORDER_ALERT.value
        and n.state == "new"
        and now - datetime.fromisoformat(n.created_at) > timedelta(hours=hours)
    )


@router.get("/travel", response_model=TravelList, openapi_extra=PERSONAL_READ_OPENAPI)
async def get_travel(
    request: Request,
    ctx: ReadDep,
    overdue: Annotated[bool, Query()] = False,
    after: NotificationAfter = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> Response:
    """Travel notifications and border alerts routed to the MOSOVO single point of contact,
    as the caller may see them now (`as_seen`), oldest first, a page at a time (`after` the
    last `notification` of the page before); a border alert still `new` after the
    configured hours is overdue. Evaluate one with `POST /notifications/{notification_id}`
    (seen, or actioned with what was confirmed or closed)."""
    if ctx.principal.role not in TRAVEL_ROLES:
        raise AccessDenied("foreign travel is for offender managers and supervisors")
    ctx.require_purpose()
    settings = request.app.state.settings
    kept: NotificationStore = request.app.state.notifications
    now, hours = datetime.now(UTC), settings.border_alert_hours
    graph, view = ctx.store, ctx.policy.filter
    start = kept.seq_of(after) if after else 0

    def wanted(ns: list[Notification]) -> list[Notification]:
        # Filtered before the page is cut, so a page is full whenever more are wanted.
        shown = as_seen(graph, view, [n for n in ns if n.kind in TRAVEL_KINDS])
        return [n for n in shown if not overdue or _overdue(n, now, hours)]

    routed = await store_call(
        graph,
        lambda: kept.listing(owner=settings.mosovo_spoc, limit=limit, after=start, seen=wanted),
    )
    items = [
        TravelItem(
            notification=n.id,
            nominal_id=n.nominal_id,
            kind=n.kind,
            reason=n.reason,
            raised_at=n.created_at,
            state=n.state,
            overdue=_overdue(n, now, hours),
        )
        for n in routed
    ]
    cited = sorted({e for n in routed for e in n.evidence})  # the events reasons cite
    await ctx.consulted(
        "foreign travel",
        sorted({i.nominal_id for i in items}),
        [str(n.seq) for n in routed] + cited,
    )
    body = TravelList(
        owner=settings.mosovo_spoc,
        overdue_after_hours=hours,
        items=items,
        limit=limit,
        next_after=items[-1].notification if len(items) == limit else None,
    )
    return json_response(body)


class PartnerRequestView(BaseModel):
    event_id: str
    person_id: str
    agency: str | None
    requester: str | None
    purpose: str | None
    checked: str | None
    answer: str | None
    received_on: date
    due_on: date | None
    answered_on: date | None
    sharing_decision: int | None
    overdue: bool


class PartnerRequests(CursorPage[PartnerRequestView]):
    today: date


def _request_position(r: PartnerRequestView) -> bytes:
    """Open first, then by due date (none last), then by request and nominal."""
    return position(str(int(r.answered_on is not None)), day(r.due_on), r.event_id, r.person_id)


@router.get(
    "/partner-requests", response_model=PartnerRequests, openapi_extra=PERSONAL_READ_OPENAPI
)
async def get_partner_requests(
    ctx: ReadDep,
    overdue: Annotated[bool, Query()] = False,
    after: After = None,
    limit: Limit = 100,
) -> Response:
    """Requests for public protection information from partner agencies, open ones first by
    due date (then by id), a page at a time; an unanswered request past its due date is
    overdue."""
    if not ctx.policy.sees(Marking(compartment=Compartment.CONFIDENTIAL)):
        raise AccessDenied("partner requests are for roles that see confidential sections")
    today = datetime.now(UTC).date()
    flt = ctx.policy.filter
    found = await store_call(
        ctx.store, lambda: events_of_type(ctx.store, flt, {EventType.PARTNER_REQUEST})
    )
    items = []
    for e, pid in found:
        late = e.answered_on is None and e.due_on is not None and e.due_on < today
        if overdue and not late:
            continue
        items.append(
            PartnerRequestView(
                event_id=e.id,
                person_id=pid,
                agency=e.agency,
                requester=e.requester,
                purpose=e.purpose,
                checked=e.checked,
                answer=e.answer,
                received_on=e.occurred_on,
                due_on=e.due_on,
                answered_on=e.answered_on,
                sharing_decision=e.sharing_decision,
                overdue=late,
            )
        )
    shown, following = page(items, _request_position, after, limit)
    await ctx.consulted(
        "partner requests", sorted({i.person_id for i in shown}), [i.event_id for i in shown]
    )
    body = PartnerRequests(today=today, items=shown, limit=limit, next_after=following)
    return json_response(body)


class MinutesView(BaseModel):
    event_id: str
    person_id: str
    held_on: date
    level: int | None
    chair: str | None
    attendees: list[str]
    decisions: list[str]
    actions: list[MeetingAction]
    sharing_decisions: list[int]


class MinutesList(BaseModel):
    items: list[MinutesView]


class ActionView(BaseModel):
    event_id: str
    person_id: str
    action: str
    owner: str
    due_on: date
    done_on: date | None
    overdue: bool


class ActionList(CursorPage[ActionView]):
    today: date


def _action_position(item: tuple[int, ActionView]) -> bytes:
    """Open first, then by due date, meeting, nominal and the action's place in the
    minutes (so an action set twice is listed twice)."""
    index, a = item
    return position(
        str(int(a.done_on is not None)), day(a.due_on), a.event_id, a.person_id, f"{index:09d}"
    )


def _managers(ctx: PersonalRead) -> None:
    if not ctx.policy.sees(Marking(compartment=Compartment.MANAGEMENT)):
        raise AccessDenied("MAPP meeting minutes are for those who manage the case")
    ctx.require_purpose()


@router.get(
    "/persons/{person_id}/mapp-minutes",
    response_model=MinutesList,
    openapi_extra=PERSONAL_READ_OPENAPI,
)
async def get_minutes(person_id: Annotated[str, Path(max_length=200)], ctx: ReadDep) -> Response:
    """Minutes of the MAPPA level 2 and 3 meetings about the nominal, oldest first."""
    _managers(ctx)
    await visible(ctx, person_id, Person, "person")
    flt = ctx.policy.filter
    found = await store_call(
        ctx.store, lambda: events_of_type(ctx.store, flt, {EventType.MAPP_MEETING})
    )
    items = [
        MinutesView(
            event_id=e.id,
            person_id=pid,
            held_on=e.occurred_on,
            level=e.meeting_level,
            chair=e.chair,
            attendees=e.attendees,
            decisions=e.decisions,
            actions=e.actions,
            sharing_decisions=e.sharing_decisions,
        )
        for e, pid in found
        if pid == person_id
    ]
    await ctx.consulted("mapp minutes", [person_id], [i.event_id for i in items])
    return json_response(MinutesList(items=items))


@router.get("/mapp/actions", response_model=ActionList, openapi_extra=PERSONAL_READ_OPENAPI)
async def get_actions(
    ctx: ReadDep,
    overdue: Annotated[bool, Query()] = False,
    after: After = None,
    limit: Limit = 100,
) -> Response:
    """Actions set at MAPP meetings, open ones first by due date (then by meeting and the
    action's place in its minutes), a page at a time; not done by its due date is
    overdue."""
    _managers(ctx)
    today = datetime.now(UTC).date()
    flt = ctx.policy.filter
    found = await store_call(
        ctx.store, lambda: events_of_type(ctx.store, flt, {EventType.MAPP_MEETING})
    )
    items: list[tuple[int, ActionView]] = []
    for e, pid in found:
        for index, a in enumerate(e.actions):
            late = a.done_on is None and a.due_on < today
            if overdue and not late:
                continue
            items.append(
                (
                    index,
                    ActionView(
                        event_id=e.id,
                        person_id=pid,
                        action=a.action,
                        owner=a.owner,
                        due_on=a.due_on,
                        done_on=a.done_on,
                        overdue=late,
                    ),
                )
            )
    placed, following = page(items, _action_position, after, limit)
    shown = [a for _, a in placed]
    await ctx.consulted(
        "mapp actions", sorted({i.person_id for i in shown}), sorted({i.event_id for i in shown})
    )
    return json_response(ActionList(today=today, items=shown, limit=limit, next_after=following))


class AnswerView(BaseModel):
    report_id: str
    received_at: Instant
    handling_conditions: str | None = None  # the report's (code C): they travel with it


class TaskingView(BaseModel):
    tasking_id: str
    level: TaskingLevel
    requirement: str
    title: str
    owner: str
    priority: str
    opened_on: date
    due_on: date | None
    state: str
    directed_at: str
    subject_id: str | None
    directed_person_id: str | None
    answered_by: list[AnswerView]
    unanswered: bool
    overdue: bool


class TaskingList(CursorPage[TaskingView]):
    today: date


def _tasking_position(t: TaskingView) -> bytes:
    """Oldest first (by the day opened), then by id."""
    return position(day(t.opened_on), t.tasking_id)


@router.get("/taskings", response_model=TaskingList, openapi_extra=PERSONAL_READ_OPENAPI)
async def get_taskings(
    ctx: ReadDep,
    unanswered: Annotated[bool, Query(description="Only open taskings no report answers.")] = False,
    level: Annotated[TaskingLevel | None, Query(description="Only taskings at this level.")] = None,
    after: After = None,
    limit: Limit = 100,
) -> Response:
    """Intelligence requirements and taskings, oldest first (then by id), a page at a time,
    with the reports answering each (in time order), and what is still unanswered; who a
    member of the public tasked is shows only to the FIB."""
    today = datetime.now(UTC).date()
    flt = ctx.policy.filter
    found = await store_call(ctx.store, lambda: taskings_with_answers(ctx.store, flt))
    answers = {r for s in found for r, _ in s.answered_by}
    reports = await store_call(ctx.store, ctx.store.get_nodes, sorted(answers))
    conditions = {i: n.marking.handling_conditions for i, n in reports.items()}
    items = []
    for s in found:
        t = s.tasking
        open_ = t.state == "open"
        view = TaskingView(
            tasking_id=t.id,
            level=t.level,
            requirement=t.requirement.value,
            title=t.title,
            owner=t.owner,
            priority=t.priority,
            opened_on=t.opened_on,
            due_on=t.due_on,
            state=t.state,
            directed_at=t.directed_at.value,
            subject_id=s.subject_id,
            directed_person_id=s.directed_person_id,
            answered_by=[
                AnswerView(report_id=r, received_at=w, handling_conditions=conditions.get(r))
                for r, w in s.answered_by
            ],
            unanswered=open_ and not s.answered_by,
            overdue=open_ and t.due_on is not None and t.due_on < today,
        )
        if (unanswered and not view.unanswered) or (level and view.level != level):
            continue
        items.append(view)
    shown, following = page(items, _tasking_position, after, limit)
    returned = [i.tasking_id for i in shown] + [a.report_id for i in shown for a in i.answered_by]
    # the subject of a specific requirement, and (FIB only) the member of the public tasked
    people = [p for i in shown for p in (i.subject_id, i.directed_person_id) if p]
    subjects = sorted(set(people))
    await ctx.consulted("taskings", subjects, returned)
    return json_response(TaskingList(today=today, items=shown, limit=limit, next_after=following))

"""The due list and the review itself (with disposal), over what the reviewer may see.

Reports: due `period(group)` after they were received, or after their last review. A
report is in group 1 when it is about any record of a person with a ViSOR nominal record:
entity resolution's entity (`records_of`), as it stands when the group is worked out, so a
report about the nominal's PNC record is kept as the nominal's, and a judgement that splits
the records takes it back to its own group. A review's next date holds for the group it was
made in; when the group has changed since, the current group's period runs from that
review. Only reports received early enough to be due inside the window are read at all
(`reports_received_before` the window's end less the shortest period).

Nominals (persons with a ViSOR record): due on ViSOR's next review date, or a group 1
period after their last review here, whichever is earlier; a review here made on or after
ViSOR's date answers it (a later date ViSOR sets is due again). One with neither is due
now ("no review date"). Their review needs a supervisor, who verifies the
notification-trigger settings each time.

`retention_of` gives any record its group and next review date by the same rules, for the
subject access pack.

Disposal removes a report and every edge only it supported, narrows the edges other
material still supports, and keeps nothing of the erased data (the result lists ids).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from graph.access import AccessPolicy
from graph.edges import EdgeKind
from graph.errors import NotFound, ValidationFailed
from graph.nodes import Node, NodeKind, Person, Report
from graph.retention.policy import (
    RetentionPolicy,
    ReviewGroup,
    first_due,
    report_group,
)
from graph.retention.reviews import RecordKind, RecordReview, ReviewLog, ReviewOutcome
from graph.store import DisposalResult, GraphStore, TraversalFilter

RecordsOf = Callable[[str], Iterable[str]]
"""Every record of a person's entity (`ingest.entities.Resolution.records_of`)."""


def alone(person_id: str) -> list[str]:
    """`RecordsOf` where entity resolution has not run: each record is its own entity."""
    return [person_id]


@dataclass(frozen=True)
class Due:
    record_id: str
    kind: str
    group: ReviewGroup
    due: date
    overdue: bool
    last_review: RecordReview | None
    note: str


def _with_nominals(store: GraphStore, person_ids: Iterable[str], records_of: RecordsOf) -> set[str]:
    """The persons among `person_ids` with a ViSOR nominal record among the records of their
    entity: whichever of those records material is about, it is the nominal's. One lookup
    per entity (its members share the answer)."""
    wanted = set(person_ids)
    entity: dict[str, frozenset[str]] = {}
    for pid in wanted:
        if pid not in entity:
            members = frozenset({pid, *records_of(pid)})
            entity.update(dict.fromkeys(members, members))
    people = store.get_nodes(sorted({r for members in entity.values() for r in members}))
    nominal = {i for i, n in people.items() if isinstance(n, Person) and n.visor is not None}
    return {pid for pid in wanted if entity[pid] & nominal}


def _groups(
    store: GraphStore, reports: list[Report], records_of: RecordsOf
) -> dict[str, ReviewGroup]:
    """Each report's group, over every subject of it (seen by the caller or not) and every
    record of each subject's entity: a report's retention class is its own, whoever looks,
    and follows the person, not the one record it names."""
    about = TraversalFilter(edge_kinds=frozenset({EdgeKind.ABOUT}))
    subjects: dict[str, set[str]] = defaultdict(set)
    for ref in store.incident([r.id for r in reports], about):
        if ref.kind is EdgeKind.ABOUT:
            subjects[ref.src].add(ref.dst)
    nominal = _with_nominals(store, {s for ss in subjects.values() for s in ss}, records_of)
    return {r.id: report_group(r, bool(subjects[r.id] & nominal)) for r in reports}


def _last_reviewed(last: RecordReview) -> str:
    return "last reviewed " + last.reviewed_at.date().isoformat()


def _set_by(last: RecordReview, group: ReviewGroup, policy: RetentionPolicy) -> date | None:
    """The next review `last` set, for a record now in `group`. It set it for the group the
    record was in then; when that has changed since (entity resolution joined or split the
    records of a subject), the current group's period runs from the review instead."""
    if last.next_review is None or last.group == group.value:
        return last.next_review
    return (last.reviewed_at + policy.period(group)).date()


def _report_due(
    report: Report, group: ReviewGroup, last: RecordReview | None, policy: RetentionPolicy
) -> date:
    """A period after it was received, or the next review its last review set."""
    if last and (after_review := _set_by(last, group, policy)):
        return after_review
    return first_due(report.received_at, group, policy)


def _nominal_due(person: Person, last: RecordReview | None, today: date) -> tuple[date, str]:
    """The earlier of ViSOR's next review date and the one the last review here set, with
    why. ViSOR's date stands until a review here reaches it: a review made on or after it
    answers it (else a reviewed nominal stays overdue until ViSOR's date changes)."""
    dates = []
    if last and last.next_review:
        dates.append((last.next_review, _last_reviewed(last)))
    visor = person.visor.next_review if person.visor else None
    if visor and not (last and last.reviewed_at.date() >= visor):
        dates.append((visor, "ViSOR next review date"))
    return min(dates) if dates else (today, "no review date recorded")


def retention_of(
    store: GraphStore,
    log: ReviewLog,
    policy: RetentionPolicy,
    records: Iterable[Node],
    today: date,
    *,
    records_of: RecordsOf,
) -> dict[str, tuple[ReviewGroup, date | None]]:
    """Each record's review group and next review date, as the due list works them out.
    A person who is not a nominal has no review date of their own (None) unless one was
    reviewed here: they are kept while the reports about them are. Their group is the
    nominal's when their entity has a nominal record."""
    reviewed = log.latest()
    nodes = list(records)
    groups = _groups(store, [n for n in nodes if isinstance(n, Report)], records_of)
    others = [n.id for n in nodes if isinstance(n, Person) and n.visor is None]
    of_nominals = _with_nominals(store, others, records_of)
    out: dict[str, tuple[ReviewGroup, date | None]] = {}
    for n in nodes:
        last = reviewed.get(n.id)
        if isinstance(n, Report):
            out[n.id] = (groups[n.id], _report_due(n, groups[n.id], last, policy))
        elif isinstance(n, Person) and n.visor is not None:
            out[n.id] = (ReviewGroup.PUBLIC_PROTECTION, _nominal_due(n, last, today)[0])
        elif isinstance(n, Person):
            group = _person_group(n.id in of_nominals)
            out[n.id] = (group, _set_by(last, group, policy) if last else None)
    return out


def _person_group(of_a_nominal: bool) -> ReviewGroup:
    return ReviewGroup.PUBLIC_PROTECTION if of_a_nominal else ReviewGroup.OTHER


def due_reviews(
    store: GraphStore,
    log: ReviewLog,
    policy: RetentionPolicy,
    today: date,
    within_days: int,
    flt: TraversalFilter,
    *,
    records_of: RecordsOf,
) -> list[Due]:
    """Records due for review by `today + within_days`, overdue first, then by due date."""
    horizon = today + timedelta(days=within_days)
    reviewed = log.latest()
    out: list[Due] = []
    # A day more than the window: a due date follows the received time's own calendar day,
    # which can be the next UTC day's date at a negative offset; the exact check follows.
    end = datetime.combine(horizon + timedelta(days=2), time(), tzinfo=UTC) - policy.shortest
    with store.reading():
        ids = [rid for rid, _ in store.reports_received_before(end, flt)]
        reports = [n for n in store.get_nodes(ids).values() if isinstance(n, Report)]
        groups = _groups(store, reports, records_of)
        persons = flt.model_copy(update={"node_kinds": frozenset({NodeKind.PERSON})})
        graph = store.projection(persons)
        nominal_ids = sorted(n for n, d in graph.nodes(data=True) if d.get("subtype"))
        nominals = store.get_nodes(nominal_ids)
    for r in reports:
        last = reviewed.get(r.id)
        group = groups[r.id]
        when = _report_due(r, group, last, policy)
        if when <= horizon:
            note = _last_reviewed(last) if last else "never reviewed"
            out.append(Due(r.id, "Report", group, when, when < today, last, note))
    for pid in nominal_ids:
        person = nominals.get(pid)
        if not isinstance(person, Person):
            continue
        last = reviewed.get(pid)
        when, note = _nominal_due(person, last, today)
        if when <= horizon:
            group = ReviewGroup.PUBLIC_PROTECTION
            out.append(Due(pid, "Person", group, when, when < today, last, note))
    out.sort(key=lambda d: (not d.overdue, d.due, d.record_id))
    return out


IS = {
    RecordKind.REPORT: "a report",
    RecordKind.NOMINAL: "a nominal (a person with a ViSOR record)",
    RecordKind.PERSON: "a person record (no ViSOR record)",
}
NOT = {
    RecordKind.REPORT: "a report",
    RecordKind.NOMINAL: "a nominal",
    RecordKind.PERSON: "a person record",
}


def record_kind(node: Node) -> RecordKind | None:
    """What reviewing `node` is (None: a record reviewed with the reports it comes from)."""
    if isinstance(node, Report):
        return RecordKind.REPORT
    if isinstance(node, Person):
        return RecordKind.NOMINAL if node.visor is not None else RecordKind.PERSON
    return None


def review(
    store: GraphStore,
    log: ReviewLog,
    policy: RetentionPolicy,
    *,
    record_id: str,
    outcome: ReviewOutcome,
    reviewer: str,
    reviewer_role: str,
    rationale: str,
    triggers_verified: bool,
    viewer: AccessPolicy,
    records_of: RecordsOf,
    at: datetime | None = None,
    as_kind: RecordKind | None = None,
) -> tuple[RecordReview, DisposalResult | None]:
    """Record a review; disposing of a report erases it with its sole-support edges. A
    record the reviewer may not see is not found. `as_kind`: what the caller said the
    record is (the API's body does, so its schema can state each kind's rules); a record
    that is something else is refused, naming what it is."""
    node = store.get_node(record_id)
    if node is None or viewer.node_view(node) is None:
        raise NotFound(f"record {record_id!r} not found")
    if not rationale.strip():
        raise ValidationFailed("rationale is required")
    kind = record_kind(node)
    if kind is None:
        raise ValidationFailed(
            f"record {record_id!r} is a {node.kind} record: those are reviewed with the "
            "reports they come from"
        )
    if as_kind is not None and kind is not as_kind:
        raise ValidationFailed(
            f"record {record_id!r} is {IS[kind]}, not {NOT[as_kind]}: review it with "
            f"record_kind {kind.value}"
        )
    when = (at or datetime.now(UTC)).astimezone(UTC)
    if isinstance(node, Person):
        if node.visor is not None:
            wrong = []
            if reviewer_role != "supervisor":
                wrong.append("a nominal's review is made by a supervisor")
            if not triggers_verified:
                wrong.append(
                    "triggers_verified: the supervisor verifies the notification-trigger "
                    "settings at each review"
                )
            if wrong:
                raise ValidationFailed("; ".join(wrong))
        if outcome is ReviewOutcome.DISPOSE:
            raise ValidationFailed(
                "a person's record is not disposed of here: dispose of the reports about "
                "them (ViSOR holds the nominal record)"
            )
        group = _person_group(bool(_with_nominals(store, [node.id], records_of)))
    else:
        assert isinstance(node, Report)
        group = _groups(store, [node], records_of)[node.id]
    next_review = None if outcome is ReviewOutcome.DISPOSE else (when + policy.period(group)).date()
    made = log.add(
        RecordReview(
            seq=0,
            record_id=record_id,
            kind=str(node.kind),
            group=group.value,
            outcome=outcome,
            reviewer=reviewer,
            reviewer_role=reviewer_role,
            rationale=rationale,
            triggers_verified=triggers_verified,
            reviewed_at=when,
            next_review=next_review,
        )
    )
    disposed = _dispose(store, record_id) if outcome is ReviewOutcome.DISPOSE else None
    return made, disposed


def _dispose(store: GraphStore, report_id: str) -> DisposalResult:
    """The report and what only it supported; and the persons known only from it (whose
    source record is the report itself, e.g. a mention that matched no one), once nothing
    else links to them."""
    linked = TraversalFilter(edge_kinds=frozenset({EdgeKind.ABOUT, EdgeKind.MENTIONS}))
    people = {r.dst for r in store.incident([report_id], linked) if r.src == report_id}
    own = [
        i
        for i, n in store.get_nodes(sorted(people)).items()
        if isinstance(n, Person) and (n.source_record_id or "").startswith(f"{report_id}#")
    ]
    result = store.delete_with_provenance([report_id])
    gone = store.delete_unlinked_nodes(own)
    return result.model_copy(update={"deleted_nodes": sorted({*result.deleted_nodes, *gone})})

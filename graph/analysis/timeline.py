"""A person's timeline: reports about or naming them, address changes, and associations
first and last seen, in time order, over the caller's visible subgraph.

Dates without a time (an address from 2025-01-10, an association first seen on a day)
are placed at the start of that day, UTC. Undated facts come last, so nothing is lost.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time

from graph.analysis.events import day_rank
from graph.edges import Edge, EdgeKind
from graph.nodes import Event, EventType, Report, Tasking
from graph.store import GraphStore, TraversalFilter

TIMELINE_EDGES = frozenset(
    {
        EdgeKind.ABOUT,
        EdgeKind.MENTIONS,
        EdgeKind.RESIDES_AT,
        EdgeKind.ASSOCIATED_WITH,
        EdgeKind.CONCERNS,
        EdgeKind.TASKS,
        EdgeKind.DIRECTED_AT,
    }
)


@dataclass(frozen=True)
class TimelineEvent:
    when: datetime | None
    kind: str  # report_about, mentioned_in_report, address_from, address_to, address_undated,
    # association_first_seen, association_last_seen, association_undated
    node_id: str  # the report, address or other person
    edge_id: str
    summary: str
    handling_conditions: str | None = None  # of the node or the link (code C): they travel


def _conditions(edge: Edge, node: object) -> str | None:
    """The handling conditions an event carries: its node's and its link's, once each."""
    marking = getattr(node, "marking", None)
    found = [m.handling_conditions for m in (marking, edge.marking) if m is not None]
    unique = list(dict.fromkeys(c for c in found if c))
    return "; ".join(unique) or None


def describe_event(e: Event) -> str:
    """One line a frontline officer can read at a glance."""
    what = e.event_type.value.replace("_", " ")
    match e.event_type:
        case EventType.LICENCE_START:
            conditions = "; ".join(e.conditions) or "standard conditions"
            return (
                f"released on licence until {e.licence_end_on} (probation offender manager "
                f"{e.probation_offender_manager}): {conditions}"
            )
        case EventType.RECALL:
            return f"recalled to prison{': ' + e.details if e.details else ''}"
        case EventType.RISK_REASSESSMENT:
            return f"risk re-assessed as {e.risk_level}{': ' + e.details if e.details else ''}"
        case EventType.TRAVEL_NOTIFICATION:
            back = f", back {e.return_on}" if e.return_on else ""
            return f"notified travel to {e.destination}, leaving {e.depart_on}{back}"
        case EventType.BORDER_ALERT:
            return f"border alert: matched at {e.port}"
        case EventType.MAPP_MEETING:
            return (
                f"MAPP meeting (level {e.meeting_level}, chair {e.chair}): "
                f"{len(e.decisions)} decisions, {len(e.actions)} actions"
            )
        case EventType.PARTNER_REQUEST:
            state = f"answered {e.answered_on}" if e.answered_on else f"due {e.due_on}"
            return f"request from {e.agency} ({e.requester}) for {e.purpose}: {state}"
    return what + (f": {e.details}" if e.details else "")


def _day(d: date | None) -> datetime | None:
    return datetime.combine(d, time(0), tzinfo=UTC) if d else None


def timeline(
    store: GraphStore, person_id: str, flt: TraversalFilter | None = None
) -> list[TimelineEvent]:
    """Every dated fact about the person the caller may see, oldest first."""
    base = flt or TraversalFilter()
    kinds = TIMELINE_EDGES if base.edge_kinds is None else TIMELINE_EDGES & base.edge_kinds
    hood = store.neighbours(
        person_id, 1, base.model_copy(update={"edge_kinds": frozenset(kinds)}), None
    )
    nodes = {n.id: n for n in hood.nodes}
    events: list[TimelineEvent] = []
    for edge in hood.edges:
        other = edge.dst if edge.src == person_id else edge.src
        node = nodes.get(other)
        conditions = _conditions(edge, node)
        events += [replace(e, handling_conditions=conditions) for e in _events(edge, other, node)]
    return sorted(
        events,
        key=lambda e: (
            e.when is None,
            e.when or datetime.min.replace(tzinfo=UTC),
            day_rank(e.kind),
            e.kind,
            e.edge_id,
        ),
    )


def _events(edge: Edge, other: str, node: object) -> list[TimelineEvent]:
    prov = edge.provenance
    if edge.kind in (EdgeKind.TASKS, EdgeKind.DIRECTED_AT) and isinstance(node, Tasking):
        how = "about them" if edge.kind is EdgeKind.TASKS else "directed at them"
        summary = f"{node.level} tasking {how}: {node.title} ({node.state}, {node.owner})"
        return [TimelineEvent(_day(node.opened_on), "tasking", other, edge.id, summary)]
    if edge.kind is EdgeKind.CONCERNS and isinstance(node, Event):
        return [
            TimelineEvent(
                _day(node.occurred_on), node.event_type.value, other, edge.id, describe_event(node)
            )
        ]
    if edge.kind in (EdgeKind.ABOUT, EdgeKind.MENTIONS) and isinstance(node, Report):
        kind = "report_about" if edge.kind is EdgeKind.ABOUT else "mentioned_in_report"
        summary = f"report {node.id} graded {node.grading.code}"
        if node.risk_indicators:
            summary += "; indicators: " + ", ".join(i.value for i in node.risk_indicators)
        return [TimelineEvent(node.received_at.astimezone(UTC), kind, other, edge.id, summary)]
    if edge.kind is EdgeKind.RESIDES_AT:
        start = edge.valid_from or prov.first_seen
        out = []
        if start or not edge.valid_to:
            label = "address_from" if start else "address_undated"
            out.append(TimelineEvent(_day(start), label, other, edge.id, f"lives at {other}"))
        if edge.valid_to:
            out.append(
                TimelineEvent(_day(edge.valid_to), "address_to", other, edge.id, f"left {other}")
            )
        return out
    if edge.kind is EdgeKind.ASSOCIATED_WITH:
        what = edge.association_type.value if edge.association_type else "associate"
        text = f"{what} of {other} ({len(edge.report_ids)} report(s))"
        if prov.first_seen is None:
            return [TimelineEvent(None, "association_undated", other, edge.id, text)]
        out = [TimelineEvent(_day(prov.first_seen), "association_first_seen", other, edge.id, text)]
        if prov.last_seen and prov.last_seen != prov.first_seen:
            out.append(
                TimelineEvent(_day(prov.last_seen), "association_last_seen", other, edge.id, text)
            )
        return out
    return []

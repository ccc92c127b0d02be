"""Taskings with the reports that answer them, over a view: what is asked, of whom, and
what is still unanswered."""

from __future__ import annotations

from dataclasses import dataclass, field

from graph.edges import EdgeKind
from graph.nodes import NodeKind, Report, Tasking
from graph.store import GraphStore, TraversalFilter
from graph.stores.rows import utc_text


@dataclass
class TaskingStatus:
    tasking: Tasking
    subject_id: str | None
    directed_person_id: str | None  # only in views that see source identities
    # (report, received as UTC ISO text: in time order when sorted as text)
    answered_by: list[tuple[str, str]] = field(default_factory=list)


def taskings_with_answers(store: GraphStore, flt: TraversalFilter) -> list[TaskingStatus]:
    """Every visible tasking, oldest first, with its answering reports in time order."""
    only = flt.model_copy(update={"node_kinds": frozenset({NodeKind.TASKING})})
    with store.reading():
        ids = sorted(store.projection(only).nodes)
        nodes = store.get_nodes(ids)
        links = flt.model_copy(
            update={
                "edge_kinds": frozenset({EdgeKind.ANSWERS, EdgeKind.TASKS, EdgeKind.DIRECTED_AT})
            }
        )
        refs = store.incident(ids, links)
        answering = sorted({r.src for r in refs if r.kind is EdgeKind.ANSWERS})
        reports = store.get_nodes(answering)
    out = {i: TaskingStatus(n, None, None) for i, n in nodes.items() if isinstance(n, Tasking)}
    for r in refs:
        if r.kind is EdgeKind.TASKS and r.src in out:
            out[r.src].subject_id = r.dst
        elif r.kind is EdgeKind.DIRECTED_AT and r.src in out:
            out[r.src].directed_person_id = r.dst
        elif r.kind is EdgeKind.ANSWERS and r.dst in out:
            report = reports.get(r.src)
            if isinstance(report, Report):
                out[r.dst].answered_by.append((report.id, utc_text(report.received_at)))
    for status in out.values():
        status.answered_by.sort(key=lambda x: (x[1], x[0]))
    return sorted(out.values(), key=lambda s: (s.tasking.opened_on, s.tasking.id))

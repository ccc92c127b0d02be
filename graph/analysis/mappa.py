"""The MAPPA annual figures, from what is recorded in Mosaic.

- Category 1, 2 and 3 offenders **in the community** on the period's last day: ViSOR
  nominals with that MAPPA category whose latest custody event on or before that day is
  not a `custody_start` or `recall` (no custody event at all counts as in the community);
  events on one day follow `graph.analysis.events.ORDER_OF_THE_DAY`.
- **Serious further offences**, and breaches of **licence conditions**, of the
  **notification requirements** and of **preventive orders** (sexual risk orders, sexual
  harm prevention orders): events of that type in the period (inclusive) concerning a
  MAPPA nominal, also broken down by the nominal's category.

Events arrive as optional `event` records of the interchange format. Figures are counted
over the caller's visible subgraph, like every other aggregate.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from graph.analysis.events import chronological
from graph.edges import EdgeKind
from graph.nodes import Event, EventType, NodeKind, Person
from graph.store import GraphStore, TraversalFilter

CUSTODY = frozenset({EventType.CUSTODY_START, EventType.RECALL, EventType.CUSTODY_END})
"""Events that change whether a nominal is in custody (a recall is a start of custody)."""
COUNTED = (
    EventType.SERIOUS_FURTHER_OFFENCE,
    EventType.LICENCE_BREACH,
    EventType.NOTIFICATION_BREACH,
    EventType.PREVENTIVE_ORDER_BREACH,
)


@dataclass
class MappaFigures:
    start: date
    end: date
    in_community: dict[int, int] = field(default_factory=dict)  # category -> offenders
    events: dict[str, int] = field(default_factory=dict)  # event type -> count
    events_by_category: dict[str, dict[int, int]] = field(default_factory=dict)

    def rows(self) -> list[tuple[str, str, int]]:
        """(measure, category, value) rows: what the CSV export holds."""
        out = [
            (f"category {c} offenders in the community", str(c), n)
            for c, n in sorted(self.in_community.items())
        ]
        for kind in COUNTED:
            out.append((kind.value.replace("_", " "), "all", self.events.get(kind.value, 0)))
            for c in (1, 2, 3):
                out.append(
                    (
                        kind.value.replace("_", " "),
                        str(c),
                        self.events_by_category.get(kind.value, {}).get(c, 0),
                    )
                )
        return out

    def csv(self) -> str:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["period_start", "period_end", "measure", "category", "value"])
        for measure, category, value in self.rows():
            w.writerow([self.start.isoformat(), self.end.isoformat(), measure, category, value])
        return buf.getvalue()


def mappa_figures(
    store: GraphStore, start: date, end: date, flt: TraversalFilter | None = None
) -> MappaFigures:
    if start > end:
        raise ValueError("the period starts after it ends")
    flt = flt or TraversalFilter()
    view = flt.model_copy(
        update={
            "node_kinds": frozenset({NodeKind.PERSON, NodeKind.EVENT}),
            "edge_kinds": frozenset({EdgeKind.CONCERNS}),
        }
    )
    with store.reading():
        graph = store.projection(view)
        nominal_ids = [
            n
            for n, d in graph.nodes(data=True)
            if d.get("kind") == NodeKind.PERSON and d.get("subtype")
        ]
        event_ids = [n for n, d in graph.nodes(data=True) if d.get("kind") == NodeKind.EVENT]
        nodes = store.get_nodes([*nominal_ids, *event_ids])
    category: dict[str, int] = {}
    for pid in nominal_ids:
        person = nodes.get(pid)
        if isinstance(person, Person) and person.visor and person.visor.mappa_category:
            category[pid] = person.visor.mappa_category
    concerns: dict[str, list[str]] = {}
    for src, dst in graph.edges():
        if src in nodes and dst in category:
            concerns.setdefault(src, []).append(dst)
    custody: dict[str, Event] = {}  # person -> their latest custody event, in `chronological`
    figures = MappaFigures(start, end)
    counted: Counter[str] = Counter()
    by_category: dict[str, Counter[int]] = {k.value: Counter() for k in COUNTED}
    for eid in event_ids:
        event = nodes.get(eid)
        if not isinstance(event, Event):
            continue
        for pid in concerns.get(eid, []):
            kind = event.event_type
            if kind in CUSTODY and event.occurred_on <= end:
                # Same-day events in the order of the day: a release after a sentence, a
                # recall after a release (never by how the ids sort).
                if pid not in custody or chronological(event) > chronological(custody[pid]):
                    custody[pid] = event
            elif kind in COUNTED and start <= event.occurred_on <= end:
                counted[kind.value] += 1
                by_category[kind.value][category[pid]] += 1
    community: Counter[int] = Counter(
        c
        for pid, c in category.items()
        if not (pid in custody and custody[pid].event_type is not EventType.CUSTODY_END)
    )
    figures.in_community = {c: community.get(c, 0) for c in (1, 2, 3)}
    figures.events = {k.value: counted.get(k.value, 0) for k in COUNTED}
    figures.events_by_category = {k: dict(sorted(v.items())) for k, v in by_category.items()}
    return figures

"""Management events of given types, with the person each concerns, over a view: what the
partner-request and MAPP-action lists are built from."""

from __future__ import annotations

from collections.abc import Collection

from graph.edges import EdgeKind
from graph.nodes import Event, EventType, NodeKind
from graph.store import GraphStore, TraversalFilter


def events_of_type(
    store: GraphStore, flt: TraversalFilter, types: Collection[EventType]
) -> list[tuple[Event, str]]:
    """(event, person id) for each visible event of these types, by date then id."""
    wanted = {t.value for t in types}
    events = flt.model_copy(update={"node_kinds": frozenset({NodeKind.EVENT})})
    concerns = flt.model_copy(update={"edge_kinds": frozenset({EdgeKind.CONCERNS})})
    with store.reading():
        graph = store.projection(events)
        ids = sorted(n for n, d in graph.nodes(data=True) if d.get("subtype") in wanted)
        nodes = store.get_nodes(ids)
        # the person each concerns, if the caller may see that person and the link
        person = {r.src: r.dst for r in store.incident(ids, concerns) if r.src in nodes}
    found = [(e, person[i]) for i, e in nodes.items() if isinstance(e, Event) and i in person]
    return sorted(found, key=lambda x: (x[0].occurred_on, x[0].id))

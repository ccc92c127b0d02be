"""Management events: the order they happened in (one rule for the management status and
the MAPPA figures, since events carry a date and several can fall on one day), and events
of given types with the person each concerns, over a view (what the partner-request and
MAPP-action lists are built from)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

from graph.edges import EdgeKind
from graph.nodes import Event, EventType, NodeKind
from graph.store import GraphStore, TraversalFilter

ORDER_OF_THE_DAY = (
    EventType.LICENCE_END,
    EventType.CUSTODY_START,
    EventType.CUSTODY_END,
    EventType.LICENCE_START,
    EventType.LICENCE_BREACH,
    EventType.NOTIFICATION_BREACH,
    EventType.PREVENTIVE_ORDER_BREACH,
    EventType.SERIOUS_FURTHER_OFFENCE,
    EventType.RECALL,
    EventType.RISK_REASSESSMENT,
)
"""How events on one day follow each other (they carry a date, not a time). A licence
ending goes first, so a new licence starting that day is the one in force. A custody start
(a remand or sentence) comes before a release, so being sentenced to time already served
and released at court leaves the person in the community. A licence starts on release;
breaches lead to a recall, and a recall (which revokes a licence: it presupposes a
release) comes after a release that day, so released and recalled the same day is in
custody; a re-assessment follows the recall it was made on. Other types come after these;
ties within a type by id, only so that the order is fixed."""
_RANK = {t: i for i, t in enumerate(ORDER_OF_THE_DAY)}


_RANK_BY_NAME = {t.value: i for i, t in enumerate(ORDER_OF_THE_DAY)}


def chronological(event: Event) -> tuple[date, int, str]:
    """Sort key of management events: by day, then the order of the day, then id."""
    return (event.occurred_on, _RANK.get(event.event_type, len(_RANK)), event.id)


def day_rank(kind: str) -> int:
    """Where an entry of this kind (an event type's name, or any other label) falls in the
    order of the day: the timeline shows same-day events as management status reads them."""
    return _RANK_BY_NAME.get(kind, len(_RANK_BY_NAME))


def events_of_type(
    store: GraphStore, flt: TraversalFilter, types: Collection[EventType]
) -> list[tuple[Event, str]]:
    """(event, person id) for each visible event of these types, in `chronological`
    order."""
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
    return sorted(found, key=lambda x: chronological(x[0]))

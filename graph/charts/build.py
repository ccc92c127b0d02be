"""Build a link chart: the caller's visible neighbourhood of a person, capped and styled.

The walk runs in the store with the caller's filter (their visible subgraph narrowed by
the link types, grade and date they chose), so nothing hidden is reached, counted or
drawn. Nodes are kept nearest first (then persons, reports, locations, objects, sources;
then by id) up to the cap; every node says how many of its links are not drawn, so an
analyst knows where to expand. Hub locations are not walked through unless asked, as for
associates.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date

from graph.access import AccessPolicy
from graph.analysis.associates import HUB_LOCATION_TYPES
from graph.charts.model import DEFAULT_NODE_CAP, MAX_CHART_DEPTH, Chart, ChartEdge, ChartNode
from graph.charts.style import describe_edge, describe_node
from graph.markings import Classification
from graph.nodes import NodeKind
from graph.store import DEFAULT_MAX_FANOUT, EdgeRef, GraphStore, TraversalFilter
from graph.stores.traversal import read_edges, read_nodes
from graph.times import utc_today

KIND_ORDER = {
    NodeKind.PERSON: 0,
    NodeKind.REPORT: 1,
    NodeKind.LOCATION: 2,
    NodeKind.OBJECT: 3,
    NodeKind.SOURCE: 4,
    NodeKind.EVENT: 5,
    NodeKind.TASKING: 6,
}
FLOOR = Classification.OFFICIAL_SENSITIVE
"""A chart gathers public protection material about people: never marked below this."""


def build_chart(
    store: GraphStore,
    subject: str,
    policy: AccessPolicy,
    *,
    depth: int = 2,
    flt: TraversalFilter | None = None,
    include_hubs: bool = False,
    cap: int = DEFAULT_NODE_CAP,
    expand: Sequence[str] = (),
    max_fanout: int | None = DEFAULT_MAX_FANOUT,
    today: date | None = None,
) -> Chart:
    """The chart around `subject` within `depth` hops, plus the direct links of each node
    in `expand` that the walk reached (what "expand a node" adds). `flt` must already be (a
    narrowing of) `policy.filter`; `policy` then redacts fields of what is drawn."""
    if not 1 <= depth <= MAX_CHART_DEPTH:
        raise ValueError(f"depth must be between 1 and {MAX_CHART_DEPTH}, got {depth}")
    if cap < 1:
        raise ValueError("cap must be at least 1")
    flt = flt or policy.filter
    hubs = frozenset() if include_hubs else HUB_LOCATION_TYPES
    walk = flt.model_copy(update={"exclude_location_types": flt.exclude_location_types | hubs})
    with store.reading():
        frame = store.frame(subject, depth, walk, max_fanout)
        hops = dict(frame.depth)
        rank = dict(frame.depth)  # nearness to the subject or to an expanded node
        kinds = dict(frame.kinds)
        capped = dict(frame.capped)
        links: dict[str, EdgeRef] = dict(frame.edges)
        complete = {n for n, d in frame.depth.items() if d < depth and n not in capped}
        for target in dict.fromkeys(expand):
            if target not in hops or target in complete or target in capped:
                continue  # not reached (so maybe not visible), or already fully drawn
            more = store.frame(target, 1, walk, max_fanout)
            capped.update(more.capped)
            links.update(more.edges)
            for n, d in more.depth.items():
                if n not in hops:
                    hops[n], kinds[n] = hops[target] + d, more.kinds[n]
                rank[n] = min(rank.get(n, d), d)
            if target not in more.capped:
                complete.add(target)
        order = sorted(rank, key=lambda n: (rank[n], KIND_ORDER.get(kinds[n], 9), n))
        kept = order[:cap]
        kept_set = set(kept)
        # Links of nodes not walked through were not fetched; ask for them (not for nodes
        # over the fan-out cap: their degree is known and their links are not drawn).
        leaves = [n for n in kept if n not in complete and n not in capped]
        links.update((ref.id, ref) for ref in store.incident(leaves, walk))
        drawn = sorted(
            (r for r in links.values() if r.src in kept_set and r.dst in kept_set),
            key=lambda r: r.id,
        )
        nodes = read_nodes(store, frame, kept)
        edges = read_edges(store, frame, [r.id for r in drawn])
    day = today or utc_today()
    touching: Counter[str] = Counter()
    for ref in links.values():
        touching[ref.src] += 1
        touching[ref.dst] += 1
    shown: Counter[str] = Counter()
    for ref in drawn:
        shown[ref.src] += 1
        shown[ref.dst] += 1
    chart_nodes: list[ChartNode] = []
    for nid in kept:
        node = nodes.get(nid)
        view = policy.node_view(node) if node is not None else None
        if view is None:
            continue  # gone since the walk (a disposal), or hidden: never drawn
        total = capped.get(nid, touching[nid])
        chart_nodes.append(
            describe_node(view, hops[nid], max(0, total - shown[nid]), nid == subject, day)
        )
    present = {n.id for n in chart_nodes}
    chart_edges: list[ChartEdge] = [
        describe_edge(edges[r.id])
        for r in drawn
        if r.id in edges and r.src in present and r.dst in present
    ]
    markings = [n.marking for n in nodes.values() if n.id in present]
    markings += [edges[e.id].marking for e in chart_edges]
    classification = max([FLOOR, *(m.classification for m in markings)], key=_rank)
    conditions = {c for e in chart_edges for c in e.conditions}
    conditions |= {m.handling_conditions for m in markings if m.handling_conditions}
    left_out = len(order) - len(kept)
    return Chart(
        subject=subject,
        depth=depth,
        cap=cap,
        nodes=chart_nodes,
        edges=chart_edges,
        left_out=left_out,
        high_fanout=dict(sorted(capped.items())),
        classification=str(classification),
        handling_conditions=sorted(conditions),
        note=_note(left_out, cap, capped, include_hubs),
    )


def _rank(c: Classification) -> int:
    return list(Classification).index(c)


def _note(left_out: int, cap: int, capped: dict[str, int], include_hubs: bool) -> str:
    parts = []
    if left_out:
        parts.append(
            f"{left_out} more nodes are within reach but over the cap of {cap}: narrow the "
            "link types, grade or date, lower the depth, or expand a node (its 'more' count "
            "says how many links are not drawn)."
        )
    if capped:
        parts.append(
            f"{len(capped)} nodes have more links than the fan-out cap and were not expanded."
        )
    if not include_hubs:
        parts.append("Hub locations (custody, hospitals, hostels, prisons, ...) are not walked.")
    return " ".join(parts) or "Everything within reach is drawn."

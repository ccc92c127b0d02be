"""Every shortest path between two people, and the network connecting several.

Paths run through the same kinds of link as associates (direct associations, shared
reports, addresses and objects; never through sources, and through hubs only when asked)
and over the caller's visible subgraph, so a hidden node can never be a hop.

All shortest paths come from one bounded breadth-first neighbourhood of the start: every
edge from a node at level d to one at level d+1 lies on some shortest path, so the paths
to the target are the routes back through those edges. They are listed in a fixed order
(by their edge ids), so both backends give the same list.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from itertools import combinations

from graph.analysis.associates import step_filter
from graph.edges import Edge
from graph.nodes import Node
from graph.store import DEFAULT_MAX_FANOUT, MAX_DEPTH, GraphStore, TraversalFilter

MAX_PATHS = 50


@dataclass
class Paths:
    source: str
    target: str
    length: int | None  # edges on each shortest path; None when there is none within reach
    paths: list[list[Edge]] = field(default_factory=list)
    nodes: dict[str, Node] = field(default_factory=dict)
    truncated: bool = False  # more than MAX_PATHS shortest paths
    high_fanout: dict[str, int] = field(default_factory=dict)


def shortest_paths(
    store: GraphStore,
    source: str,
    target: str,
    *,
    max_len: int = 4,
    flt: TraversalFilter | None = None,
    include_hubs: bool = False,
    max_fanout: int | None = DEFAULT_MAX_FANOUT,
    max_paths: int = MAX_PATHS,
) -> Paths:
    """All shortest paths of at most `max_len` edges from `source` to `target`, two
    different people: a person is not "connected" to themselves, and an empty answer would
    read as "no path"."""
    if not 1 <= max_len <= MAX_DEPTH:
        raise ValueError(f"max_len must be between 1 and {MAX_DEPTH}, got {max_len}")
    if source == target:
        raise ValueError(f"source and target are the same person ({source})")
    hood = store.neighbours(
        source, max_len, step_filter(flt or TraversalFilter(), include_hubs), max_fanout
    )
    result = Paths(source=source, target=target, length=None, high_fanout=dict(hood.capped))
    if target not in hood.depth:
        return result
    depth = hood.depth
    into: dict[str, list[Edge]] = defaultdict(list)  # node -> edges arriving from one level up
    for edge in sorted(hood.edges, key=lambda e: e.id):
        for a, b in ((edge.src, edge.dst), (edge.dst, edge.src)):
            if a in depth and b in depth and depth[b] == depth[a] + 1:
                into[b].append(edge)
    found: list[list[Edge]] = []

    def back(node: str, tail: list[Edge]) -> None:
        if len(found) > max_paths:
            return
        if node == source:
            found.append(tail)
            return
        for edge in into[node]:
            previous = edge.src if edge.dst == node else edge.dst
            back(previous, [edge, *tail])

    back(target, [])
    found.sort(key=lambda path: [e.id for e in path])
    result.length = depth[target]
    result.truncated = len(found) > max_paths
    result.paths = found[:max_paths]
    by_id = {n.id: n for n in hood.nodes}
    result.nodes = {n: by_id[n] for path in result.paths for e in path for n in (e.src, e.dst)}
    return result


@dataclass
class ConnectingNetwork:
    """The union of the shortest paths between every pair of the people asked about."""

    people: list[str]
    nodes: dict[str, Node]
    edges: list[Edge]
    unconnected: list[tuple[str, str]]  # pairs with no path within reach
    high_fanout: dict[str, int]


def people_problem(people: list[str]) -> str | None:
    """What is wrong with a list of people to connect, if anything: a repeat would be
    dropped silently (so `["P1", "P1"]` looked like a network of one with nothing to say),
    and fewer than two distinct people have no network."""
    repeated = sorted({p for p in people if people.count(p) > 1})
    problems = []
    if repeated:
        problems.append(f"people must be distinct: {', '.join(repeated)} given more than once")
    if len(set(people)) < 2:
        problems.append("a connecting network needs at least two distinct people")
    return "; ".join(problems) or None


def connecting_network(
    store: GraphStore,
    people: list[str],
    *,
    max_len: int = 4,
    flt: TraversalFilter | None = None,
    include_hubs: bool = False,
    max_fanout: int | None = DEFAULT_MAX_FANOUT,
) -> ConnectingNetwork:
    """The network between at least two distinct people, each named once."""
    problem = people_problem(people)
    if problem:
        raise ValueError(problem)
    nodes: dict[str, Node] = {}
    edges: dict[str, Edge] = {}
    unconnected: list[tuple[str, str]] = []
    capped: dict[str, int] = {}
    for a, b in combinations(sorted(people), 2):
        found = shortest_paths(
            store,
            a,
            b,
            max_len=max_len,
            flt=flt,
            include_hubs=include_hubs,
            max_fanout=max_fanout,
        )
        capped |= found.high_fanout
        if not found.paths:
            unconnected.append((a, b))
        nodes |= found.nodes
        edges |= {e.id: e for path in found.paths for e in path}
    return ConnectingNetwork(
        people=sorted(people),
        nodes=dict(sorted(nodes.items())),
        edges=[edges[i] for i in sorted(edges)],
        unconnected=unconnected,
        high_fanout=capped,
    )

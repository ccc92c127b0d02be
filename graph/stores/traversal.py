"""Bounded breadth-first expansion, shared by every backend.

A backend supplies one query, "the qualifying edges incident to these frontier nodes"; the
order, tie-breaking and fan-out rules live here once, so both backends return the same
neighbourhood, ids and order included.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import cast

from graph.edges import EDGE_ENDPOINTS, Edge, EdgeKind
from graph.nodes import Node, NodeKind
from graph.store import (
    DEFAULT_MAX_FANOUT,
    EdgeRef,
    Frame,
    GraphStore,
    Neighbourhood,
    TraversalFilter,
    check_depth,
)
from graph.stores.rows import parse_edge, parse_node

EDGE_KIND: dict[str, EdgeKind] = {k.value: k for k in EdgeKind}
"""Stored kind text -> EdgeKind, by dict look-up (faster than calling the enum)."""


@dataclass
class Expansion:
    depth: dict[str, int]
    parent_edge: dict[str, str] = field(default_factory=dict)
    edges: dict[str, EdgeRef] = field(default_factory=dict)
    capped: dict[str, int] = field(default_factory=dict)


@dataclass
class Incident:
    """A level walked by the backend itself: the edges of the frontier nodes under the cap,
    and the degree of those over it (whose edges it did not fetch)."""

    edges: list[EdgeRef]
    over_cap: dict[str, int]


IncidentQuery = Callable[[list[str]], list[EdgeRef] | Incident]


def expand(start: str, depth: int, max_fanout: int | None, incident: IncidentQuery) -> Expansion:
    """Expand level by level from `start`.

    A frontier node with more qualifying edges than `max_fanout` is recorded in `capped`
    and not expanded. Every edge of an expanded node is kept; a node first reached at level
    d gets as parent the smallest-id edge from level d-1.
    """
    result = Expansion(depth={start: 0})
    frontier = [start]
    for level in range(1, depth + 1):
        if not frontier:
            break
        incident_to: dict[str, dict[str, EdgeRef]] = defaultdict(dict)
        in_frontier = set(frontier)
        found = incident(frontier)
        over_cap = found.over_cap if isinstance(found, Incident) else {}
        for edge in found.edges if isinstance(found, Incident) else found:
            if edge.src in in_frontier:
                incident_to[edge.src][edge.id] = edge
            if edge.dst in in_frontier:
                incident_to[edge.dst][edge.id] = edge
        reached: dict[str, str] = {}
        for node in sorted(frontier):
            edges = incident_to.get(node, {})
            if node in over_cap:
                result.capped[node] = over_cap[node]
                continue
            if max_fanout is not None and len(edges) > max_fanout:
                result.capped[node] = len(edges)
                continue
            for edge_id, edge in edges.items():
                result.edges[edge_id] = edge
                other = edge.dst if edge.src == node else edge.src
                if other in result.depth:
                    continue
                best = reached.get(other)
                if best is None or edge_id < best:
                    reached[other] = edge_id
        for node, edge_id in reached.items():
            result.depth[node] = level
            result.parent_edge[node] = edge_id
        frontier = sorted(reached)
    return result


def to_frame(
    start: str,
    start_kind: str,
    exp: Expansion,
    node_data: dict[str, str] | None = None,
    edge_data: dict[str, str] | None = None,
) -> Frame:
    """The expansion as a `Frame`; a reached node's kind follows from the schema and the
    kind of the edge it was reached by."""
    kinds = {start: NodeKind(start_kind)}
    for node, edge_id in exp.parent_edge.items():
        edge = exp.edges[edge_id]
        ends = EDGE_ENDPOINTS[edge.kind]
        kinds[node] = ends[0] if node == edge.src else ends[1]
    return Frame(
        start,
        exp.depth,
        exp.parent_edge,
        exp.capped,
        exp.edges,
        kinds,
        node_data or {},
        edge_data or {},
    )


def read_nodes(store: GraphStore, frame: Frame, ids: Iterable[str]) -> dict[str, Node]:
    """These nodes of the frame, decoded from what the walk fetched or read from the store."""
    wanted = set(ids)
    found = {i: parse_node(frame.node_data[i]) for i in wanted if i in frame.node_data}
    missing = wanted - found.keys()
    return found | (store.get_nodes(missing) if missing else {})


def read_edges(store: GraphStore, frame: Frame, ids: Iterable[str]) -> dict[str, Edge]:
    """These edges of the frame, decoded from what the walk fetched or read from the store."""
    wanted = set(ids)
    found = {i: parse_edge(frame.edge_data[i]) for i in wanted if i in frame.edge_data}
    missing = wanted - found.keys()
    return found | (store.get_edges(missing) if missing else {})


def fill(frame: Frame, store: GraphStore) -> Neighbourhood:
    """A frame with its nodes and edges read: what `neighbours` returns on every backend."""
    nodes = read_nodes(store, frame, frame.depth)
    edges = read_edges(store, frame, frame.edges)
    return Neighbourhood(
        start=frame.start,
        nodes=sorted(nodes.values(), key=lambda n: (frame.depth[n.id], n.id)),
        edges=[edges[i] for i in sorted(edges)],
        depth=frame.depth,
        parent_edge=frame.parent_edge,
        capped=frame.capped,
    )


class Walks:
    """`frame` and `neighbours` for a backend that supplies `_frame` (one walk, the filter
    given) and `reading`, so every backend wraps and fills its walks the same way."""

    def reading(self) -> AbstractContextManager[None]:
        raise NotImplementedError

    def _frame(
        self,
        node_id: str,
        depth: int,
        flt: TraversalFilter,
        max_fanout: int | None,
        last: TraversalFilter,
    ) -> Frame:
        raise NotImplementedError

    def step_frame(
        self, node_id: str, depth: int, walk: TraversalFilter, max_fanout: int | None
    ) -> Frame | None:
        """No person-step walk of its own: callers use `frame` (see `GraphStore`)."""
        return None

    def frame(
        self,
        node_id: str,
        depth: int = 1,
        flt: TraversalFilter | None = None,
        max_fanout: int | None = DEFAULT_MAX_FANOUT,
        last: TraversalFilter | None = None,
    ) -> Frame:
        check_depth(depth)
        flt = flt or TraversalFilter()
        with self.reading():  # every level from one connection (SQLite: one snapshot)
            return self._frame(node_id, depth, flt, max_fanout, last or flt)

    def neighbours(
        self,
        node_id: str,
        depth: int = 1,
        flt: TraversalFilter | None = None,
        max_fanout: int | None = DEFAULT_MAX_FANOUT,
    ) -> Neighbourhood:
        with self.reading():
            return fill(self.frame(node_id, depth, flt, max_fanout), cast(GraphStore, self))

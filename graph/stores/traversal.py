"""Bounded breadth-first expansion, shared by every backend.

A backend supplies one query, "the qualifying edges incident to these frontier nodes"; the
order, tie-breaking and fan-out rules live here once, so both backends return the same
neighbourhood, ids and order included.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class IncidentEdge:
    id: str
    src: str
    dst: str


@dataclass
class Expansion:
    depth: dict[str, int]
    parent_edge: dict[str, str] = field(default_factory=dict)
    edge_ids: set[str] = field(default_factory=set)
    capped: dict[str, int] = field(default_factory=dict)


IncidentQuery = Callable[[list[str]], list[IncidentEdge]]


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
        incident_to: dict[str, dict[str, str]] = defaultdict(dict)
        in_frontier = set(frontier)
        for edge in incident(frontier):
            if edge.src in in_frontier:
                incident_to[edge.src][edge.id] = edge.dst
            if edge.dst in in_frontier:
                incident_to[edge.dst][edge.id] = edge.src
        reached: dict[str, str] = {}
        for node in sorted(frontier):
            edges = incident_to.get(node, {})
            if max_fanout is not None and len(edges) > max_fanout:
                result.capped[node] = len(edges)
                continue
            for edge_id, other in edges.items():
                result.edge_ids.add(edge_id)
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

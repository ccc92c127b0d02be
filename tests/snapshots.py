"""A comparable picture of everything in a store: every node and edge, in full."""

from __future__ import annotations

from graph.store import GraphStore


def snapshot(store: GraphStore) -> dict[str, str]:
    """id -> full JSON of every node and edge (ids of nodes and edges never collide here
    because edge ids are prefixed with their kind)."""
    graph = store.projection()
    node_ids = list(graph.nodes)
    edge_ids = [key for _, _, key in graph.edges(keys=True)]
    found = {i: n.model_dump_json() for i, n in store.get_nodes(node_ids).items()}
    found |= {f"edge:{i}": e.model_dump_json() for i, e in store.get_edges(edge_ids).items()}
    return found

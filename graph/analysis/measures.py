"""Whole-graph network measures and communities, computed in batch and kept with the time.

They are computed on a networkx projection of one **view** (a role's visible subgraph:
need-to-know holds for rankings too) with the same links as associates (associations,
reports, addresses, objects; never sources, hubs left out), taken as an undirected simple
graph. Per node: degree, reports (how many reports are about or name the person), in- and
out-degree on the directed projection, betweenness, closeness, eigenvector centrality,
k-core number, triangles, and a community (Louvain, seeded, so runs repeat).

Betweenness is exact up to `EXACT_BETWEENNESS_MAX` nodes and sampled (k pivots, fixed
seed) above it, because exact betweenness grows with nodes x edges.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, get_args

import networkx as nx

from graph.access import ROLE_RULES, AccessPolicy, Permission, Principal, Role
from graph.analysis.associates import step_filter
from graph.edges import EdgeKind
from graph.sqlite_files import open_sqlite, write_transaction
from graph.store import GraphStore, TraversalFilter

Measure = Literal[
    "degree",
    "reports",
    "in_degree",
    "out_degree",
    "betweenness",
    "closeness",
    "eigenvector",
    "core",
    "triangles",
]
MEASURES: tuple[str, ...] = get_args(Measure)
EXACT_BETWEENNESS_MAX = 3000
SAMPLE_PIVOTS = 500
SEED = 20260301
MEASURES_VERSION = "mosaic-measures-1"
"""Named in the audit entry of each run: change it when a measure or the method changes."""

SCHEMA = """
CREATE TABLE IF NOT EXISTS measure_runs (
    view TEXT PRIMARY KEY,
    computed_at TEXT NOT NULL,
    nodes INTEGER NOT NULL,
    edges INTEGER NOT NULL,
    notes TEXT NOT NULL,
    visibility INTEGER
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS measures (
    view TEXT NOT NULL,
    node_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    subtype TEXT,
    community INTEGER NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (view, node_id)
) WITHOUT ROWID;
"""


@dataclass(frozen=True)
class NodeMeasures:
    node_id: str
    kind: str
    subtype: str | None
    community: int
    values: dict[str, float]


@dataclass(frozen=True)
class MeasureRun:
    view: str
    computed_at: str
    nodes: int
    edges: int
    notes: str
    visibility: int | None = None
    """The store's `visibility_changes()` when the run began (None: a run kept before it
    was recorded)."""

    def current(self, store: GraphStore) -> bool:
        """Whether no stored record has been re-marked or deleted since the run began:
        otherwise its figures may count records the view no longer shows (a degree that
        counts a hidden link is a leak), and it must not be shown until run again."""
        return self.visibility is not None and self.visibility == store.visibility_changes()


def compute(store: GraphStore, flt: TraversalFilter) -> tuple[list[NodeMeasures], str]:
    """Every measure for every node of the view; returns them and a note on the method."""
    directed = store.projection(step_filter(flt, include_hubs=False))
    # Built in sorted order: Louvain and sampled betweenness follow iteration order, and a
    # backend may return rows in any order (Neo4j did), so the same seed must see the same
    # graph for every backend and every run to agree.
    graph: nx.Graph = nx.Graph()
    graph.add_nodes_from(sorted(directed.nodes(data=True)))
    graph.add_edges_from(sorted((min(u, v), max(u, v)) for u, v in directed.edges() if u != v))
    n = graph.number_of_nodes()
    note = "exact betweenness"
    if n > EXACT_BETWEENNESS_MAX:
        between = nx.betweenness_centrality(graph, k=SAMPLE_PIVOTS, seed=SEED)
        note = f"betweenness sampled from {SAMPLE_PIVOTS} pivots (seed {SEED})"
    else:
        between = nx.betweenness_centrality(graph)
    closeness = nx.closeness_centrality(graph) if n <= EXACT_BETWEENNESS_MAX else {}
    if n > EXACT_BETWEENNESS_MAX:
        note += "; closeness not computed above that size"
    try:
        eigen = nx.eigenvector_centrality(graph, max_iter=500, tol=1e-6) if n else {}
    except nx.PowerIterationFailedConvergence:
        eigen, note = {}, note + "; eigenvector did not converge"
    core = nx.core_number(graph) if n else {}
    triangles = nx.triangles(graph) if n else {}
    communities = nx.community.louvain_communities(graph, seed=SEED) if n else []
    community_of = {
        node: i
        for i, members in enumerate(sorted(communities, key=lambda c: (-len(c), min(c))))
        for node in members
    }
    reports: dict[str, int] = {}
    for _src, dst, data in directed.edges(data=True):
        if data.get("kind") in (EdgeKind.ABOUT.value, EdgeKind.MENTIONS.value):
            reports[dst] = reports.get(dst, 0) + 1
    out = []
    for node, data in sorted(graph.nodes(data=True)):
        out.append(
            NodeMeasures(
                node_id=node,
                kind=data.get("kind", ""),
                subtype=data.get("subtype"),
                community=community_of.get(node, -1),
                values={
                    "degree": float(graph.degree(node)),
                    "reports": float(reports.get(node, 0)),
                    "in_degree": float(directed.in_degree(node)),
                    "out_degree": float(directed.out_degree(node)),
                    "betweenness": round(between.get(node, 0.0), 9),
                    "closeness": round(closeness.get(node, 0.0), 9),
                    "eigenvector": round(eigen.get(node, 0.0), 9),
                    "core": float(core.get(node, 0)),
                    "triangles": float(triangles.get(node, 0)),
                },
            )
        )
    return out, note


class MeasureStore:
    """Stored results, one set per view, replaced whole by each run."""

    def __init__(self, path: Path) -> None:
        self._conn = open_sqlite(path, "analysis results")
        self._conn.executescript(SCHEMA)
        columns = {row[1] for row in self._conn.execute("PRAGMA table_info(measure_runs)")}
        if "visibility" not in columns:  # a file from before runs recorded it: stale runs
            self._conn.execute("ALTER TABLE measure_runs ADD COLUMN visibility INTEGER")
        self._lock = threading.Lock()

    def close(self) -> None:
        self._conn.close()

    def forget(self, node_ids: Iterable[str]) -> int:
        """Drop erased nodes from every stored view (after a disposal); the rest of each
        snapshot stays until the next run. Returns how many rows went."""
        ids = sorted(set(node_ids))
        with write_transaction(self._conn, self._lock) as conn:
            return sum(
                conn.execute(
                    f"DELETE FROM measures WHERE node_id IN ({','.join('?' * len(chunk))})", chunk
                ).rowcount
                for chunk in (ids[i : i + 500] for i in range(0, len(ids), 500))
            )

    def save(
        self,
        view: str,
        rows: Iterable[NodeMeasures],
        edges: int,
        note: str,
        visibility: int,
    ) -> MeasureRun:
        rows = list(rows)
        at = datetime.now(UTC).isoformat(timespec="seconds")
        with write_transaction(self._conn, self._lock) as conn:
            conn.execute("DELETE FROM measures WHERE view = ?", (view,))
            conn.executemany(
                "INSERT INTO measures (view, node_id, kind, subtype, community, data) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (view, r.node_id, r.kind, r.subtype, r.community, json.dumps(r.values))
                    for r in rows
                ],
            )
            conn.execute(
                "INSERT OR REPLACE INTO measure_runs "
                "(view, computed_at, nodes, edges, notes, visibility) VALUES (?, ?, ?, ?, ?, ?)",
                (view, at, len(rows), edges, note, visibility),
            )
        return MeasureRun(view, at, len(rows), edges, note, visibility)

    def run(self, view: str) -> MeasureRun | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT view, computed_at, nodes, edges, notes, visibility FROM measure_runs "
                "WHERE view = ?",
                (view,),
            ).fetchone()
        return MeasureRun(*row) if row else None

    def kinds(self, view: str) -> dict[str, int]:
        """How many nodes of each kind the view's stored run measured."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT kind, count(*) FROM measures WHERE view = ? GROUP BY kind ORDER BY kind",
                (view,),
            ).fetchall()
        return {kind: n for kind, n in rows}

    def top(
        self, view: str, measure: str, kind: str | None = None, limit: int = 20, offset: int = 0
    ) -> list[NodeMeasures]:
        """Nodes ranked by `measure` (highest first, then id), from the `offset`-th."""
        if measure not in MEASURES:
            raise ValueError(f"unknown measure {measure!r}; one of {', '.join(MEASURES)}")
        sql = "SELECT node_id, kind, subtype, community, data FROM measures WHERE view = ?"
        params: list[Any] = [view]
        if kind:
            sql += " AND kind = ?"
            params.append(kind)
        sql += f" ORDER BY json_extract(data, '$.{measure}') DESC, node_id LIMIT ? OFFSET ?"
        params += [limit, offset]
        with self._lock:
            rows = self._conn.execute(sql, params).fetchall()
        return [NodeMeasures(r[0], r[1], r[2], r[3], json.loads(r[4])) for r in rows]

    def community(self, view: str, node_id: str) -> list[str]:
        """The members of a node's community (empty when the node is not in the view)."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT m.node_id FROM measures m JOIN measures n ON m.view = n.view AND "
                "m.community = n.community WHERE n.view = ? AND n.node_id = ? ORDER BY m.node_id",
                (view, node_id),
            ).fetchall()
        return [r[0] for r in rows]


def role_views() -> dict[str, TraversalFilter]:
    """One view per role that may read personal data (service accounts: the general one)."""
    return {
        role.value: AccessPolicy(Principal("analyse", role)).filter
        for role in Role
        if Permission.READ_PERSONAL in ROLE_RULES[role].permissions or role is Role.SERVICE
    }


def analyse(
    store: GraphStore, measures: MeasureStore, views: dict[str, TraversalFilter]
) -> list[MeasureRun]:
    """Compute and keep the measures of each view (`mosaic analyse`)."""
    runs = []
    for view, flt in sorted(views.items()):
        # Read first: a re-marking while the view is computed leaves the run stale, never
        # a run that looks current but counted a record since hidden.
        visibility = store.visibility_changes()
        rows, note = compute(store, flt)
        edges = store.projection(step_filter(flt, include_hubs=False)).number_of_edges()
        runs.append(measures.save(view, rows, edges, note, visibility))
    return runs

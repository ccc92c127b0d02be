"""Associates at depth 2 through the embedded store, against networkx `ego_graph` on the
same graph held in memory (the baseline, measured in the same run).

    python -m bench.bench_associates [--nodes 1000000] [--queries 200] [--write-results]

The graph is a town-shaped synthetic one: people in neighbourhoods of 2,000, each living
at an address (a few per address), with a couple of associations inside their
neighbourhood and reports about one or two of them. Depth 2 (two person steps) is at
most four graph hops; the baseline walks the same person steps over the networkx
adjacency held in memory (`ego_graph` alone would also count a chain of three direct
associations as depth 2), and its answer is checked equal for every query.

Target (issue 5): store p50 <= 3x the `ego_graph` p50; on Neo4j, <= 1.5x a hand-written
Cypher query for the same answer (the associates with their evidence path; an ids-only
query is timed too, for context).
"""

from __future__ import annotations

import argparse
import logging
import random
import resource
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import networkx as nx

from bench.results import publish
from graph.analysis.associates import associates
from graph.edges import AssociationType, CreatedBy, CreatorKind, Edge, EdgeKind, Provenance, Support
from graph.markings import Grading3x5x2
from graph.nodes import Location, Name, Node, Person, Report
from graph.store import GraphStore
from graph.stores.neo4j import Neo4jGraphStore
from graph.stores.sqlite import SqliteGraphStore
from tests.support.neo4j_testserver import start

HOOD = 2000  # people per neighbourhood
BY = CreatedBy(kind=CreatorKind.INGEST, name="bench", version="1")
STRUCTURED = Provenance(supports=[Support(source_system="bench")], created_by=BY)
GRADE = Grading3x5x2.parse("2BP")
WHEN = datetime(2026, 3, 1, tzinfo=UTC)


def build(n_nodes: int, seed: int, store: GraphStore) -> nx.Graph:
    """Write the graph to the store in neighbourhood batches; return it as networkx."""
    rng = random.Random(seed)
    people = int(n_nodes * 0.6)
    places = int(n_nodes * 0.2)
    reports = n_nodes - people - places
    graph: nx.Graph = nx.Graph()
    hoods = max(1, people // HOOD)
    per_places, per_reports = places // hoods, reports // hoods
    for h in range(hoods):
        nodes: list[Node] = []
        edges: list[Edge] = []
        ps = [f"P{h}-{i}" for i in range(HOOD)]
        ls = [f"L{h}-{i}" for i in range(per_places)]
        rs = [f"R{h}-{i}" for i in range(per_reports)]
        nodes += [Person(id=p, names=[Name(given="G", family=p)]) for p in ps]
        nodes += [Location(id=x, address=x) for x in ls]
        nodes += [Report(id=r, received_at=WHEN, grading=GRADE) for r in rs]
        graph.add_nodes_from(ps, person=True)
        graph.add_nodes_from([*ls, *rs], person=False)

        def link(
            kind: EdgeKind,
            a: str,
            b: str,
            assoc: AssociationType | None = None,
            edges: list[Edge] = edges,
        ) -> None:
            eid = f"{kind.value}:{a}:{b}"
            edges.append(
                Edge(id=eid, kind=kind, src=a, dst=b, association_type=assoc, provenance=STRUCTURED)
            )
            graph.add_edge(a, b)

        for p in ps:
            link(EdgeKind.RESIDES_AT, p, rng.choice(ls))
            for _ in range(rng.choice((0, 1, 1, 2))):
                other = rng.choice(ps)
                if other != p and not graph.has_edge(p, other):
                    link(EdgeKind.ASSOCIATED_WITH, p, other, AssociationType.ASSOCIATE)
        for r in rs:
            for p in rng.sample(ps, rng.choice((1, 1, 2))):
                link(EdgeKind.ABOUT, r, p)
        store.upsert(nodes, edges)
    return graph


def in_memory(graph: nx.Graph, person: str, depth: int = 2) -> set[str]:
    """The same answer from the networkx graph held in memory: people reached in `depth`
    person steps (a direct link, or a shared address or report)."""
    is_person = graph.nodes
    seen, frontier = {person}, {person}
    for _ in range(depth):
        reached: set[str] = set()
        for u in frontier:
            for v in graph.adj[u]:
                if is_person[v]["person"]:
                    reached.add(v)
                else:
                    reached.update(w for w in graph.adj[v] if is_person[w]["person"])
        frontier = reached - seen
        seen |= frontier
    return seen - {person}


# The same people as `associates(depth=2)` (no filters, no hubs in this graph), written by
# hand in Cypher: people one step away, then one step from those. Ids only.
STEP = "RESIDES_AT|ABOUT|MENTIONS|USED_BY"
HAND_CYPHER = f"""
MATCH (p:Node {{id: $id}})
CALL (p) {{
  MATCH (p)-[:ASSOCIATED_WITH]-(q:Person) RETURN q
  UNION
  MATCH (p)-[:{STEP}]-(x)-[:{STEP}]-(q:Person) RETURN q
}}
WITH p, collect(DISTINCT q) AS first
UNWIND first AS f
CALL (f) {{
  MATCH (f)-[:ASSOCIATED_WITH]-(q:Person) RETURN q
  UNION
  MATCH (f)-[:{STEP}]-(x)-[:{STEP}]-(q:Person) RETURN q
}}
WITH p, first, collect(DISTINCT q) AS second
RETURN [n IN first + second WHERE n <> p | n.id] AS ids
"""

# The same answer with its evidence, as `associates` gives it: each associate's record and
# the records of the edges on one shortest path to them (fewest edges, then smallest ids).
HAND_CYPHER_EVIDENCE = f"""
MATCH (p:Node {{id: $id}})
CALL (p) {{
  MATCH (p)-[r:ASSOCIATED_WITH]-(q:Person) RETURN q, [r] AS rels
  UNION ALL
  MATCH (p)-[r1:{STEP}]-(x)-[r2:{STEP}]-(q:Person) WHERE q <> p RETURN q, [r1, r2] AS rels
}}
WITH p, q, rels ORDER BY size(rels), [r IN rels | r.id]
WITH p, q, head(collect(rels)) AS rels
WITH p, collect({{q: q, rels: rels}}) AS first
WITH p, first, [f IN first | f.q] AS near
UNWIND first AS f
OPTIONAL CALL (p, f, near) {{
  WITH f.q AS m, f.rels AS before
  MATCH (m)-[r:ASSOCIATED_WITH]-(q:Person) WHERE q <> p AND NOT q IN near
  RETURN q, before + [r] AS rels
  UNION ALL
  WITH f.q AS m, f.rels AS before
  MATCH (m)-[r1:{STEP}]-(x)-[r2:{STEP}]-(q:Person) WHERE q <> p AND NOT q IN near
  RETURN q, before + [r1, r2] AS rels
}}
WITH first, q, rels ORDER BY size(rels), [r IN rels | r.id]
WITH first, q, head(collect(rels)) AS rels
WITH first, [x IN collect({{q: q, rels: rels}}) WHERE x.q IS NOT NULL] AS second
UNWIND first + second AS a
RETURN a.q.id AS id, a.q.data AS data, [r IN a.rels | r.data] AS evidence
"""


def bench_neo4j(n_nodes: int, queries: int, seed: int) -> list[str]:
    """Associates through the Neo4j store against the hand-written query, same server."""
    logging.getLogger("neo4j").setLevel(logging.ERROR)  # plan notifications, not errors
    server = start()
    try:
        store = Neo4jGraphStore.connect(server.uri)
        started = time.perf_counter()
        graph = build(n_nodes, seed, store)
        build_s = time.perf_counter() - started
        people = [n for n, d in graph.nodes(data=True) if d["person"]]
        sample = random.Random(seed + 2).sample(people, queries)
        mine: list[float] = []
        hand: list[float] = []
        full: list[float] = []
        driver = store._driver  # the same driver and server for both
        for person in sample:
            t0 = time.perf_counter()
            with driver.session(database=store.database) as session:
                rec = session.run(HAND_CYPHER, id=person).single()
            hand.append((time.perf_counter() - t0) * 1000)
            expected = set(rec["ids"]) if rec else set()
            t0 = time.perf_counter()
            with driver.session(database=store.database) as session:
                rows = list(session.run(HAND_CYPHER_EVIDENCE, id=person))
            full.append((time.perf_counter() - t0) * 1000)
            with_evidence = {r["id"] for r in rows}
            t0 = time.perf_counter()
            got = {
                a.person.id
                for a in associates(store, person, depth=2, limit=10**6, max_fanout=None).associates
            }
            mine.append((time.perf_counter() - t0) * 1000)
            assert got == expected == with_evidence == in_memory(graph, person), person
        store.close()
    finally:
        server.stop()
    p50m, p50h, p50f = (statistics.median(x) for x in (mine, hand, full))
    return [
        "",
        f"Neo4j ({n_nodes:,} nodes loaded with batched writes in {build_s:.0f} s; "
        f"{queries} queries; every answer equal to both hand-written queries' and networkx's):",
        "",
        "| | p50 ms | p99 ms |",
        "|---|---|---|",
        f"| `associates(depth=2)` through the Neo4j store | {p50m:.2f} | "
        f"{percentile(mine, 0.99):.2f} |",
        f"| hand-written Cypher, same associates with their evidence (baseline) | {p50f:.2f} | "
        f"{percentile(full, 0.99):.2f} |",
        f"| hand-written Cypher, associate ids only (context) | {p50h:.2f} | "
        f"{percentile(hand, 0.99):.2f} |",
        "",
        f"- ratio p50 store / hand-written Cypher with evidence: **{p50m / p50f:.2f}x** "
        f"(target <= 1.5x: {'met' if p50m / p50f <= 1.5 else 'NOT met'}); against the ids-only "
        f"query: {p50m / p50h:.2f}x",
    ]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--nodes", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--neo4j-nodes", type=int, default=100_000)
    parser.add_argument("--skip-neo4j", action="store_true")
    parser.add_argument("--write-results", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mosaic-bench-associates-") as tmp:
        store = SqliteGraphStore(Path(tmp) / "g.db", synchronous="OFF")
        started = time.perf_counter()
        graph = build(args.nodes, args.seed, store)
        build_s = time.perf_counter() - started
        rng = random.Random(args.seed + 1)
        people = [n for n, d in graph.nodes(data=True) if d["person"]]
        sample = rng.sample(people, args.queries)
        store_ms: list[float] = []
        base_ms: list[float] = []
        ego_ms: list[float] = []
        sizes: list[int] = []
        for person in sample:
            t0 = time.perf_counter()
            expected = in_memory(graph, person)
            base_ms.append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            nx.ego_graph(graph, person, radius=4)
            ego_ms.append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            found = associates(store, person, depth=2, limit=1_000_000, max_fanout=None)
            store_ms.append((time.perf_counter() - t0) * 1000)
            got = {a.person.id for a in found.associates}
            assert got == expected, f"{person}: {len(got)} != {len(expected)}"
            sizes.append(len(got))
        counts = store.counts()
        store.close()
    p50s, p50b = statistics.median(store_ms), statistics.median(base_ms)
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"## Associates at depth 2 ({now})",
        "",
        f"- command: `python -m bench.bench_associates --nodes {args.nodes} --queries "
        f"{args.queries}`",
        f"- graph: {counts.total_nodes:,} nodes, {counts.total_edges:,} edges (embedded store, "
        f"built and loaded in {build_s:.0f} s); associates per query: median "
        f"{statistics.median(sizes):.0f}, max {max(sizes)}; every answer equal to the baseline's",
        f"- peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB "
        "(the networkx baseline holds the whole graph)",
        "",
        "| | p50 ms | p99 ms |",
        "|---|---|---|",
        f"| `associates(depth=2)` through the embedded store | {p50s:.2f} | "
        f"{percentile(store_ms, 0.99):.2f} |",
        f"| networkx adjacency in memory, same steps (baseline) | {p50b:.2f} | "
        f"{percentile(base_ms, 0.99):.2f} |",
        f"| networkx `ego_graph(radius=4)` in memory (context: a superset) | "
        f"{statistics.median(ego_ms):.2f} | {percentile(ego_ms, 0.99):.2f} |",
        "",
        f"- ratio p50 store / `ego_graph` (the issue's baseline): "
        f"**{p50s / statistics.median(ego_ms):.2f}x** (target <= 3x: "
        f"{'met' if p50s / statistics.median(ego_ms) <= 3 else 'NOT met'}); against the "
        f"same-steps walk: {p50s / p50b:.2f}x",
    ]
    if not args.skip_neo4j:
        lines += bench_neo4j(args.neo4j_nodes, min(args.queries, 100), args.seed)
    publish(lines, args.write_results)


if __name__ == "__main__":
    main()

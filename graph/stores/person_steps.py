"""Person steps walked on the Neo4j server: the associates walk in one statement that
returns only what an associate list is built from.

The generic walk (`walk_query`) returns every edge of `2 * depth` hop levels with its
record, and Python then finds the person steps in them. Here the server walks person
steps directly, as a hand-written associates query would: from each frontier person, its
direct associations and the people sharing a report, address or object with it, to
people not reached before. It returns those candidate steps (edge ids, ends, kinds and
records), the reached people's records and nothing else; `associates` then picks each
person's best step in Python, with the same rule as for a generic walk, so the answer
(ids, paths and order) is the same on every backend.

The two walks agree exactly when no node the steps go through is over the fan-out cap:
every edge a person step uses is then in both. So with a cap the statement also checks the
qualifying degree of each frontier person and each node between two people, and when one
is over the cap it says so and the caller takes the generic walk, which records what it
did not expand.
"""

from __future__ import annotations

import functools
from typing import Any

from graph.edges import EDGE_ENDPOINTS
from graph.nodes import NodeKind
from graph.store import EdgeRef, Frame, TraversalFilter
from graph.stores.conditions import CypherRenderer, edge_conditions, node_conditions
from graph.stores.traversal import EDGE_KIND

_ROW = "[{r}.id, startNode({r}).id, endNode({r}).id, type({r}), {r}.data]"


@functools.lru_cache(maxsize=256)
def person_steps_query(
    depth: int, walk: TraversalFilter, capped: bool
) -> tuple[str, dict[str, Any]]:
    """The statement for `depth` person steps under the `walk` filter, and its parameters
    (kept: a filter is immutable, and associates ask with the same few again and again;
    callers must not change the parameters). With `capped`, each level also reports
    whether a node it steps through has more qualifying edges than `$cap`."""
    cy = CypherRenderer()
    types = "|".join(sorted(k.value for k in walk.edge_kinds or ()))
    rel = f":{types}" if types else ""
    # Conditions the pattern already enforces (the relationship types; a person label)
    # are left out: each would read a property of every relationship or person walked.
    edges = edge_conditions(walk.model_copy(update={"edge_kinds": None}) if types else walk)
    nodes = node_conditions(walk)
    people = nodes
    if walk.node_kinds is None or NodeKind.PERSON in walk.node_kinds:
        people = node_conditions(walk.model_copy(update={"node_kinds": None}))

    def node(var: str) -> str:
        return cy.render(people if var == "q" else nodes, var)

    def edge(var: str) -> str:
        return cy.render(edges, var)

    cap_check = ""
    if capped:
        cap_check = f"""
CALL (frontier) {{
  UNWIND frontier AS a
  OPTIONAL MATCH (a)-[r{rel}]-(b:Node) WHERE {edge("r")} AND {node("b")}
  WITH a, count(r) AS degree, collect(DISTINCT CASE WHEN NOT b:Person THEN b END) AS between
  UNWIND CASE WHEN between = [] THEN [null] ELSE between END AS x
  WITH degree, CASE WHEN x IS NULL THEN 0 ELSE
    COUNT {{ (x)-[r3{rel}]-(n:Node) WHERE {edge("r3")} AND {node("n")} }} END AS x_degree
  RETURN count(CASE WHEN degree > $cap OR x_degree > $cap THEN 1 END) > 0 AS over_here
}}
WITH kind, frontier, seen, levels, persons, over OR over_here AS over"""
    level = f"""{cap_check}
OPTIONAL CALL (frontier, seen) {{
  UNWIND frontier AS a
  MATCH (a)-[r{rel}]-(q:Person) WHERE {edge("r")} AND {node("q")} AND NOT q IN seen
  RETURN a.id AS p, q, [{_ROW.format(r="r")}] AS rels, null AS via
  UNION ALL
  UNWIND frontier AS a
  MATCH (a)-[r{rel}]-(x:Node) WHERE NOT x:Person AND {edge("r")} AND {node("x")}
  MATCH (x)-[r2{rel}]-(q:Person)
    WHERE q <> a AND NOT q IN seen AND {edge("r2")} AND {node("q")}
  RETURN a.id AS p, q, [{_ROW.format(r="r")}, {_ROW.format(r="r2")}] AS rels, x.id AS via
}}
WITH kind, seen, levels, persons, over,
  collect(CASE WHEN q IS NOT NULL THEN [p, q.id, rels, via] END) AS steps,
  collect(DISTINCT q) AS reached
WITH kind, levels + [steps] AS levels, seen + reached AS seen,
  persons + [n IN reached | [n.id, n.data]] AS persons, reached AS frontier, over
"""
    query = (
        f"MATCH (s:Node {{id: $id}}) WHERE {node('s')}\n"
        "WITH s.kind AS kind, [s] AS frontier, [s] AS seen, [] AS levels, [] AS persons, "
        "false AS over\n" + level * depth + "RETURN kind, levels, persons, over"
    )
    return query, cy.params


def step_frame(start: str, row: Any) -> Frame:
    """The statement's answer as a `Frame` holding just the candidate steps: what
    `associates` reads (edges, kinds, records) is all there, and nothing is capped."""
    edges: dict[str, EdgeRef] = {}
    edge_data: dict[str, str] = {}
    kinds: dict[str, NodeKind] = {start: NodeKind(row["kind"])}
    for level in row["levels"]:
        for _p, _q, rels, _via in level:
            for eid, src, dst, kind, data in rels:
                if eid in edges:
                    continue
                ref = EdgeRef(eid, EDGE_KIND[kind], src, dst)
                edges[eid] = ref
                edge_data[eid] = data
                ends = EDGE_ENDPOINTS[ref.kind]
                kinds.setdefault(src, ends[0])
                kinds.setdefault(dst, ends[1])
    return Frame(
        start=start,
        depth={},
        parent_edge={},
        capped={},
        edges=edges,
        kinds=kinds,
        node_data={pid: data for pid, data in row["persons"]},
        edge_data=edge_data,
    )

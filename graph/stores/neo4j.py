"""The production backend: Neo4j 5.26 through the official driver.

Writes are batched with `UNWIND` inside one transaction per `upsert` call (all-or-nothing,
thousands of rows per statement). The integrity check runs inside that same transaction, so
several Mosaic processes can share one database (or cluster) safely: nothing here assumes
this process owns the data. The database name is passed on every session.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from types import TracebackType
from typing import Any

import networkx as nx
from neo4j import READ_ACCESS, Driver, GraphDatabase, ManagedTransaction, Result, Session
from neo4j.exceptions import ClientError, ConstraintError, Neo4jError, ServiceUnavailable

from graph.edges import Edge, EdgeKind
from graph.edges import narrowed as narrow
from graph.errors import NotFound, StoreUnavailable
from graph.nodes import Node, NodeKind, Report
from graph.store import (
    Contact,
    DisposalResult,
    EdgeRef,
    Frame,
    SourceProfile,
    StoreCounts,
    TraversalFilter,
    UpsertResult,
)
from graph.stores import source_profiles as profiles
from graph.stores.conditions import CypherRenderer, View, edge_conditions, node_conditions
from graph.stores.person_steps import person_steps_query, step_frame
from graph.stores.rows import (
    StoredEdgeEnds,
    check_batch,
    classify_rows,
    edge_row,
    endpoint_ids,
    last_wins,
    names_text,
    node_row,
    parse_edge,
    parse_node,
    utc_text,
)
from graph.stores.traversal import EDGE_KIND, Incident, Walks, expand, to_frame

ROWS_PER_STATEMENT = 5000


def _batches(rows: Sequence[Any], size: int = ROWS_PER_STATEMENT) -> Iterator[Sequence[Any]]:
    for i in range(0, len(rows), size):
        yield rows[i : i + size]


def _edge_props(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k not in ("src", "dst")}


def _edge_param(row: dict[str, Any]) -> dict[str, Any]:
    return {"src": row["src"], "dst": row["dst"], "id": row["id"], "props": _edge_props(row)}


def _moved(result: Result) -> int:
    """How many items a CHANGED_* statement re-marked (0 for the NEW_* ones)."""
    record = result.single()
    return int(record.get("moved", 0)) if record is not None else 0


def _count_change(tx: ManagedTransaction) -> None:
    tx.run(COUNT_CHANGE, key=VISIBILITY_KEY).consume()


def _by_kind(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        groups[row["kind"]].append(row)
    return groups


# Labels and relationship types come from our own enums, never from input.
NEW_NODE = "UNWIND $rows AS r CREATE (n:Node:{label}) SET n = r"
_MOVED = (
    "({old}.classification <> {new}.classification OR {old}.compartment <> {new}.compartment "
    "OR coalesce({old}.handling_code, '') <> coalesce({new}.handling_code, ''))"
)
"""Whether a stored item's marking differs from its row's (`visibility_changes`)."""
CHANGED_NODE = (
    "UNWIND $rows AS r MATCH (n:Node {{id: r.id}}) "
    f"WITH n, r, {_MOVED.format(old='n', new='r')} AS moved SET n = r "
    "RETURN count(CASE WHEN moved THEN 1 END) AS moved"
)
NEW_EDGE = (
    "UNWIND $rows AS r MATCH (a:Node {{id: r.src}}) MATCH (b:Node {{id: r.dst}}) "
    "CREATE (a)-[e:{type}]->(b) SET e = r.props"
)
CHANGED_EDGE = (
    "UNWIND $rows AS r MATCH (:Node {{id: r.src}})-[e:{type} {{id: r.id}}]->() "
    f"WITH e, r, {_MOVED.format(old='e', new='r.props')} AS moved SET e = r.props "
    "RETURN count(CASE WHEN moved THEN 1 END) AS moved"
)
VISIBILITY_KEY = "visibility_changes"
_FRESH_COUNT = "toInteger(rand() * 9007199254740991)"
COUNT_START = f"MERGE (m:MosaicMeta {{key: $key}}) ON CREATE SET m.value = {_FRESH_COUNT}"
COUNT_CHANGE = f"{COUNT_START} ON MATCH SET m.value = m.value + 1"
"""`visibility_changes`, on a node outside the graph (no `Node` label), in the writing
transaction. It starts from a random number (when the schema is made, or again if the
node was deleted with everything else): a wiped and reloaded database never repeats a
reading an old analysis run recorded."""


_EDGE_BY_ID = " UNION ALL ".join(
    f"UNWIND $ids AS i MATCH (a)-[r:{k.value} {{id: i}}]->(b) "
    "RETURN r.id AS id, r.kind AS kind, a.id AS src, b.id AS dst, r.digest AS digest, "
    "r.data AS data"
    for k in EdgeKind
)


CONTACTS_CYPHER = """
MATCH (s:Source) WHERE {chosen} AND {seen_s}
WITH s, COUNT {{ (s)<-[:PROVIDED_BY]-(:Report) }} AS n
WHERE n >= $min OR s.juvenile OR s.vulnerable
{seen_bar}
WITH s, COLLECT {{
    MATCH (s)-[ip:IS_PERSON]->(p:Person) WHERE {seen_person} RETURN p.id ORDER BY p.id LIMIT 1
}} AS pid
MATCH (s)<-[pb:PROVIDED_BY]-(r:Report) WHERE {seen_pr}
RETURN s.id AS sid, s.subtype AS stype, s.chis_status AS status, s.juvenile AS juvenile,
    s.vulnerable AS vulnerable, head(pid) AS pid, r.id AS rid, r.received_at AS received_at,
    r.channel AS channel, r.initiated_by AS initiated_by, r.police_request AS police_request,
    r.how_obtained AS how_obtained, r.rewarded AS rewarded,
    COLLECT {{
        MATCH (r)-[a:ABOUT]->(p:Person) WHERE {seen_subject} RETURN DISTINCT p.id ORDER BY p.id
    }} AS subjects,
    COLLECT {{
        MATCH (r)-[a:AT_LOCATION]->(l:Location) WHERE {seen_place}
        RETURN DISTINCT l.id ORDER BY l.id
    }} AS locations
ORDER BY sid, received_at, rid
"""
"""Contact rows, counted in Cypher: a source's reports are read only when it is over the
bar (or juvenile or vulnerable); the scalars come from node properties (`contact_props`).
With a view, as `CONTACTS_SQL`: only what it shows counts or is read."""

SEEN_BAR_CYPHER = """
WITH s, COUNT {{ (s)<-[pb:PROVIDED_BY]-(r:Report) WHERE {seen_pr} }} AS n
WHERE n >= $min OR s.juvenile OR s.vulnerable
"""


def contacts_cypher(view: View, chosen: bool) -> str:
    """`CONTACTS_CYPHER` for the sources in `$ids` (if `chosen`) seen through `view`."""
    seen_pr = view.cypher("pb", "r")
    return CONTACTS_CYPHER.format(
        chosen="s.id IN $ids" if chosen else "true",
        seen_s=view.cypher("s"),
        seen_bar=SEEN_BAR_CYPHER.format(seen_pr=seen_pr) if view.restricts else "",
        seen_person=view.cypher("ip", "p"),
        seen_pr=seen_pr,
        seen_subject=view.cypher("a", "p"),
        seen_place=view.cypher("a", "l"),
    )


def walk_query(depth: int, start: str, edge: tuple[str, str], last: tuple[str, str]) -> str:
    """A breadth-first walk of `depth` levels in one statement. Each level lists, per
    frontier node, its qualifying degree and (when not over `$cap`) its edges as
    [id, src, dst, kind, data]; the next frontier is the far ends not seen before. The
    reached nodes' records come back too, so a caller needs no second round trip. `start`
    is the filter's condition on the start node `s`; `edge` (and `last`, for the final
    level) a condition on an edge `r` with its far node `b` and the edge kinds ("A|B")
    put in the pattern, where the planner expands only those relationship types."""

    def level(cond: str, types: str) -> str:
        return f"""
CALL (frontier) {{
  UNWIND frontier AS fid
  MATCH (a:Node {{id: fid}})
  OPTIONAL MATCH (a)-[r{":" + types if types else ""}]-(b:Node) WHERE {cond}
  WITH fid, collect(CASE WHEN r IS NOT NULL
    THEN [r.id, startNode(r).id, endNode(r).id, type(r), r.data] END) AS inc
  RETURN collect([fid, size(inc),
    CASE WHEN $cap IS NOT NULL AND size(inc) > $cap THEN [] ELSE inc END]) AS lvl
}}
CALL (lvl, seen) {{
  UNWIND lvl AS x
  UNWIND x[2] AS e
  WITH CASE WHEN e[1] = x[0] THEN e[2] ELSE e[1] END AS far
  WHERE NOT far IN seen
  RETURN collect(DISTINCT far) AS reached
}}
WITH kind, levels + [lvl] AS levels, seen + reached AS seen, reached AS frontier
"""

    return (
        f"MATCH (s:Node {{id: $id}}) WHERE {start}\n"
        "WITH s.kind AS kind, [s.id] AS frontier, [s.id] AS seen, [] AS levels\n"
        + level(*edge) * (depth - 1)
        + level(*last)
        + "CALL (seen) { UNWIND seen AS i MATCH (n:Node {id: i}) "
        "RETURN collect([n.id, n.data]) AS nodes }\n"
        "RETURN kind, levels, nodes"
    )


class Neo4jGraphStore(Walks):
    """`GraphStore` on a Neo4j 5.26 database."""

    backend = "neo4j"

    def __init__(self, driver: Driver, database: str = "neo4j", owns_driver: bool = True) -> None:
        self._driver = driver
        self.database = database
        self._owns_driver = owns_driver
        self._local = threading.local()  # the thread's open read session, if any
        self._ensure_schema()

    @classmethod
    def connect(
        cls, uri: str, user: str = "neo4j", password: str = "", database: str = "neo4j"
    ) -> Neo4jGraphStore:
        auth = (user, password) if password else None
        try:
            driver = GraphDatabase.driver(uri, auth=auth)
            driver.verify_connectivity()
        except (Neo4jError, ServiceUnavailable, OSError, ValueError) as exc:
            raise StoreUnavailable(f"cannot reach Neo4j at {uri}: {exc}") from exc
        return cls(driver, database)

    def _ensure_schema(self) -> None:
        statements = [
            "CREATE CONSTRAINT mosaic_node_id IF NOT EXISTS FOR (n:Node) REQUIRE n.id IS UNIQUE",
            "CREATE INDEX mosaic_node_kind IF NOT EXISTS FOR (n:Node) ON (n.kind, n.subtype)",
            "CREATE INDEX mosaic_report_received IF NOT EXISTS FOR (n:Report) ON (n.received_at)",
            "CREATE CONSTRAINT mosaic_meta_key IF NOT EXISTS "
            "FOR (m:MosaicMeta) REQUIRE m.key IS UNIQUE",
        ]
        statements += [
            f"CREATE CONSTRAINT mosaic_{k.value.lower()}_id IF NOT EXISTS "
            f"FOR ()-[r:{k.value}]-() REQUIRE r.id IS UNIQUE"
            for k in EdgeKind
        ]
        with self._driver.session(database=self.database) as session:
            for statement in statements:
                try:
                    session.run(statement).consume()
                except ClientError as exc:
                    raise StoreUnavailable(f"cannot create Neo4j schema: {exc}") from exc
            session.run("CALL db.awaitIndexes(300)").consume()
            session.run(COUNT_START, key=VISIBILITY_KEY).consume()

    # -- lifecycle ---------------------------------------------------------------------

    def close(self) -> None:
        if self._owns_driver:
            self._driver.close()

    def __enter__(self) -> Neo4jGraphStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _read(self, query: str, **params: Any) -> list[Any]:
        session: Session | None = getattr(self._local, "session", None)
        if session is not None:
            return list(session.run(query, **params))
        with self._driver.session(database=self.database) as session:
            return session.execute_read(lambda tx: list(tx.run((query), **params)))

    @contextmanager
    def reading(self) -> Iterator[None]:
        """One session for every read in the block (per thread), each read auto-committed:
        a session and a transaction round trip saved per read. Neo4j reads are read
        committed even inside one transaction, so an explicit one would add nothing."""
        if getattr(self._local, "session", None) is not None:
            yield
            return
        with self._driver.session(
            database=self.database, default_access_mode=READ_ACCESS
        ) as session:
            self._local.session = session
            try:
                yield
            finally:
                self._local.session = None

    # -- writes ------------------------------------------------------------------------

    def upsert(self, nodes: Sequence[Node] = (), edges: Sequence[Edge] = ()) -> UpsertResult:
        nodes = last_wins(nodes)
        edges = last_wins(edges)
        if not nodes and not edges:
            return UpsertResult()
        node_rows = [node_row(n) for n in nodes]
        edge_rows = [edge_row(e) for e in edges]

        def work(tx: ManagedTransaction) -> UpsertResult:
            result = UpsertResult()
            stored_nodes = self._node_kinds(tx, sorted(endpoint_ids(nodes, edges)))
            stored_edges = self._edge_ends(tx, [e.id for e in edges])
            check_batch(
                nodes,
                edges,
                {i: k for i, (k, _) in stored_nodes.items()},
                {i: ends for i, (ends, _) in stored_edges.items()},
            )
            new_nodes, changed_nodes = classify_rows(
                node_rows, {i: d for i, (_, d) in stored_nodes.items()}, result
            )
            new_edges, changed_edges = classify_rows(
                edge_rows, {i: d for i, (_, d) in stored_edges.items()}, result
            )
            # Rows found new inside this transaction are CREATEd (no MERGE lookup, no
            # eager buffering); changed rows are matched and their properties replaced.
            moved = 0
            for rows, node_stmt in ((new_nodes, NEW_NODE), (changed_nodes, CHANGED_NODE)):
                for kind, group in _by_kind(rows).items():
                    query = node_stmt.format(label=NodeKind(kind).value)
                    for batch in _batches(group):
                        moved += _moved(tx.run(query, rows=list(batch)))
            for rows, edge_stmt in ((new_edges, NEW_EDGE), (changed_edges, CHANGED_EDGE)):
                for kind, group in _by_kind(rows).items():
                    query = edge_stmt.format(type=EdgeKind(kind).value)
                    for batch in _batches(group):
                        moved += _moved(tx.run(query, rows=[_edge_param(r) for r in batch]))
            if moved:
                _count_change(tx)
            return result

        try:
            with self._driver.session(database=self.database) as session:
                return session.execute_write(work)
        except ConstraintError:
            # Another process created one of these ids after we looked: look again.
            with self._driver.session(database=self.database) as session:
                return session.execute_write(work)

    @staticmethod
    def _node_kinds(tx: ManagedTransaction, ids: list[str]) -> dict[str, tuple[str, str]]:
        found: dict[str, tuple[str, str]] = {}
        for batch in _batches(ids):
            for rec in tx.run(
                "UNWIND $ids AS i MATCH (n:Node {id: i}) RETURN n.id AS id, n.kind AS kind, "
                "n.digest AS digest",
                ids=list(batch),
            ):
                found[rec["id"]] = (rec["kind"], rec["digest"])
        return found

    @staticmethod
    def _edge_ends(tx: ManagedTransaction, ids: list[str]) -> dict[str, tuple[StoredEdgeEnds, str]]:
        found: dict[str, tuple[StoredEdgeEnds, str]] = {}
        for batch in _batches(ids):
            for rec in tx.run(_EDGE_BY_ID, ids=list(batch)):
                found[rec["id"]] = (
                    StoredEdgeEnds(rec["kind"], rec["src"], rec["dst"]),
                    rec["digest"],
                )
        return found

    def delete_with_provenance(self, report_ids: Iterable[str]) -> DisposalResult:
        ids = sorted(set(report_ids))

        def work(tx: ManagedTransaction) -> DisposalResult:
            reports = sorted(
                rec["id"]
                for rec in tx.run(
                    "UNWIND $ids AS i MATCH (n:Node {id: i}) WHERE n.kind = 'Report' "
                    "RETURN n.id AS id",
                    ids=ids,
                )
            )
            gone = set(reports)
            own = {
                rec["id"]
                for rec in tx.run(
                    "UNWIND $ids AS i MATCH (n:Node {id: i})-[r]-() RETURN DISTINCT r.id AS id",
                    ids=reports,
                )
            }
            # Support lists are not indexable; disposal is a rare batch job, so a scan of
            # relationships that carry report support is acceptable here.
            supported = {
                rec["id"]: rec["data"]
                for rec in tx.run(
                    "MATCH ()-[r]->() WHERE size(r.report_ids) > 0 AND "
                    "any(x IN r.report_ids WHERE x IN $ids) RETURN r.id AS id, r.data AS data",
                    ids=reports,
                )
            }
            deleted = set(own)
            updates: list[dict[str, Any]] = []
            for edge_id in sorted(set(supported) - own):
                edge = parse_edge(supported[edge_id])
                keep = [s for s in edge.provenance.supports if s.report_id not in gone]
                if not keep:
                    deleted.add(edge_id)
                    continue
                narrowed = narrow(edge, keep)
                updates.append(edge_row(narrowed))
            for row in updates:
                tx.run(
                    (f"MATCH ()-[e:{EdgeKind(row['kind']).value} {{id: $id}}]->() SET e += $props"),
                    id=row["id"],
                    props=_edge_props(row),
                ).consume()
            ends = self._edge_ends(tx, sorted(deleted))
            by_kind: dict[str, list[str]] = defaultdict(list)
            for edge_id, (stored, _) in ends.items():
                by_kind[stored.kind].append(edge_id)
            for kind, edge_ids in by_kind.items():
                tx.run(
                    (
                        f"UNWIND $ids AS i MATCH ()-[e:{EdgeKind(kind).value} {{id: i}}]->() "
                        "DELETE e"
                    ),
                    ids=edge_ids,
                ).consume()
            tx.run("UNWIND $ids AS i MATCH (n:Node {id: i}) DETACH DELETE n", ids=reports).consume()
            if reports or deleted or updates:
                _count_change(tx)
            return DisposalResult(
                deleted_nodes=reports,
                deleted_edges=sorted(deleted),
                updated_edges=sorted(u["id"] for u in updates),
            )

        with self._driver.session(database=self.database) as session:
            return session.execute_write(work)

    def delete_edges(self, edge_ids: Iterable[str]) -> list[str]:
        ids = sorted(set(edge_ids))

        def work(tx: ManagedTransaction) -> list[str]:
            by_kind: dict[str, list[str]] = defaultdict(list)
            for edge_id, (stored, _) in self._edge_ends(tx, ids).items():
                by_kind[stored.kind].append(edge_id)
            for kind, group in by_kind.items():
                tx.run(
                    f"UNWIND $ids AS i MATCH ()-[e:{EdgeKind(kind).value} {{id: i}}]->() DELETE e",
                    ids=group,
                ).consume()
            if by_kind:
                _count_change(tx)
            return sorted(i for group in by_kind.values() for i in group)

        with self._driver.session(database=self.database) as session:
            return session.execute_write(work)

    def delete_unlinked_nodes(self, node_ids: Iterable[str]) -> list[str]:
        ids = sorted(set(node_ids))
        if not ids:
            return []

        def work(tx: ManagedTransaction) -> list[str]:
            removed = [
                rec["id"]
                for rec in tx.run(
                    "UNWIND $ids AS i MATCH (n:Node {id: i}) WHERE NOT (n)--() "
                    "DELETE n RETURN i AS id",
                    ids=ids,
                )
            ]
            if removed:
                _count_change(tx)
            return removed

        with self._driver.session(database=self.database) as session:
            return sorted(session.execute_write(work))

    # -- reads -------------------------------------------------------------------------

    def get_node(self, node_id: str) -> Node | None:
        return self.get_nodes([node_id]).get(node_id)

    def get_nodes(self, node_ids: Iterable[str]) -> dict[str, Node]:
        ids = sorted(set(node_ids))
        found: dict[str, Node] = {}
        for batch in _batches(ids):
            for rec in self._read(
                "UNWIND $ids AS i MATCH (n:Node {id: i}) RETURN n.id AS id, n.data AS data",
                ids=list(batch),
            ):
                found[rec["id"]] = parse_node(rec["data"])
        return found

    def get_edge(self, edge_id: str) -> Edge | None:
        return self.get_edges([edge_id]).get(edge_id)

    def get_edges(self, edge_ids: Iterable[str]) -> dict[str, Edge]:
        ids = sorted(set(edge_ids))
        found: dict[str, Edge] = {}
        for batch in _batches(ids):
            for rec in self._read(_EDGE_BY_ID, ids=list(batch)):
                found[rec["id"]] = parse_edge(rec["data"])
        return found

    def step_frame(
        self, node_id: str, depth: int, walk: TraversalFilter, max_fanout: int | None
    ) -> Frame | None:
        """Person steps walked on the server (`person_steps`): one statement returning only
        what an associate list is built from; None when a node on the way is over the cap."""
        query, params = person_steps_query(depth, walk, capped=max_fanout is not None)
        rows = self._read(query, id=node_id, cap=max_fanout, **params)
        if not rows:
            raise NotFound(f"node {node_id!r} not found")
        return None if rows[0]["over"] else step_frame(node_id, rows[0])

    def _frame(
        self,
        node_id: str,
        depth: int,
        flt: TraversalFilter,
        max_fanout: int | None,
        last: TraversalFilter,
    ) -> Frame:
        """One query walks every level on the server (`walk_query`); the shared `expand`
        then replays the levels it returned, so the rules stay in one place."""
        cy = CypherRenderer()
        edge, final = (
            (
                f"{cy.render(edge_conditions(f), 'r')} AND {cy.render(node_conditions(f), 'b')}",
                "|".join(sorted(k.value for k in f.edge_kinds or ())),
            )
            for f in (flt, last)
        )
        query = walk_query(depth, cy.render(node_conditions(flt), "s"), edge, final)
        rows = self._read(query, id=node_id, cap=max_fanout, **cy.params)
        if not rows:
            raise NotFound(f"node {node_id!r} not found")
        levels = iter(rows[0]["levels"])
        edge_data: dict[str, str] = {}

        def incident(_frontier: list[str]) -> Incident:
            level = next(levels)
            edge_data.update((e[0], e[4]) for x in level for e in x[2])
            return Incident(
                [EdgeRef(e[0], EDGE_KIND[e[3]], e[1], e[2]) for x in level for e in x[2]],
                {x[0]: x[1] for x in level if not x[2] and x[1]},
            )

        exp = expand(node_id, depth, max_fanout, incident)
        node_data = {n[0]: n[1] for n in rows[0]["nodes"]}
        return to_frame(node_id, rows[0]["kind"], exp, node_data, edge_data)

    def incident(
        self, node_ids: Iterable[str], flt: TraversalFilter | None = None
    ) -> list[EdgeRef]:
        flt = flt or TraversalFilter()
        cy = CypherRenderer()
        where = f"{cy.render(edge_conditions(flt), 'r')} AND {cy.render(node_conditions(flt), 'b')}"
        types = "|".join(sorted(k.value for k in flt.edge_kinds or ()))
        rows = self._read(
            f"UNWIND $ids AS i MATCH (a:Node {{id: i}})-[r{':' + types if types else ''}]-"
            f"(b:Node) WHERE {where} RETURN DISTINCT r.id AS id, startNode(r).id AS src, "
            "endNode(r).id AS dst, type(r) AS kind ORDER BY id",
            ids=sorted(set(node_ids)),
            **cy.params,
        )
        return [EdgeRef(r["id"], EDGE_KIND[r["kind"]], r["src"], r["dst"]) for r in rows]

    def edges_between(
        self, node_ids: Iterable[str], flt: TraversalFilter | None = None
    ) -> list[Edge]:
        ids = sorted(set(node_ids))
        flt = flt or TraversalFilter()
        cy = CypherRenderer()
        nconds = node_conditions(flt)
        where = (
            f"b.id IN $ids AND {cy.render(edge_conditions(flt), 'r')} AND "
            f"{cy.render(nconds, 'a')} AND {cy.render(nconds, 'b')}"
        )
        records = self._read(
            f"UNWIND $ids AS i MATCH (a:Node {{id: i}})-[r]->(b:Node) WHERE {where} "
            "RETURN r.id AS id, r.data AS data ORDER BY id",
            ids=ids,
            **cy.params,
        )
        return [parse_edge(rec["data"]) for rec in records]

    def _reports_linked(self, target: str, kinds: Sequence[EdgeKind]) -> list[Report]:
        records = self._read(
            "MATCH (t:Node {id: $id})<-[r]-(n:Report) WHERE type(r) IN $kinds "
            "WITH DISTINCT n RETURN n.data AS data ORDER BY n.received_at, n.id",
            id=target,
            kinds=[k.value for k in kinds],
        )
        reports = [parse_node(rec["data"]) for rec in records]
        return [r for r in reports if isinstance(r, Report)]

    def reports_by_source(self, source_id: str) -> list[Report]:
        return self._reports_linked(source_id, [EdgeKind.PROVIDED_BY])

    def source_contacts(
        self,
        source_ids: Sequence[str] | None = None,
        min_reports: int = 1,
        view: TraversalFilter | None = None,
    ) -> list[Contact]:
        seen = View.of(view)
        rows = self._read(
            contacts_cypher(seen, source_ids is not None),
            ids=sorted(set(source_ids or ())),
            min=min_reports,
            **seen.cypher_params(),
        )
        return [
            Contact(
                source_id=r["sid"],
                source_type=r["stype"],
                chis_status=r["status"] or "none",
                juvenile=bool(r["juvenile"]),
                vulnerable=bool(r["vulnerable"]),
                person_id=r["pid"],
                report_id=r["rid"],
                received_at=r["received_at"],
                channel=r["channel"],
                initiated_by=r["initiated_by"],
                police_request=r["police_request"],
                how_obtained=r["how_obtained"],
                rewarded=bool(r["rewarded"]),
                subjects=tuple(r["subjects"]),
                locations=tuple(r["locations"]),
            )
            for r in rows
        ]

    def source_profiles(
        self,
        min_reports: int,
        hub_location_types: Collection[str],
        personal_relationships: Collection[str],
        view: TraversalFilter | None = None,
    ) -> list[SourceProfile]:
        seen = View.of(view)
        return profiles.from_neo4j(
            self._read(
                profiles.cypher_statement(seen),
                min=min_reports,
                hubs=profiles.as_list(hub_location_types),
                personal=profiles.as_list(personal_relationships),
                **seen.cypher_params(),
            )
        )

    def reports_about(self, person_id: str, include_mentions: bool = True) -> list[Report]:
        kinds = [EdgeKind.ABOUT, EdgeKind.MENTIONS] if include_mentions else [EdgeKind.ABOUT]
        return self._reports_linked(person_id, kinds)

    def reports_received_before(
        self, cutoff: datetime, flt: TraversalFilter | None = None
    ) -> list[tuple[str, str]]:
        cy = CypherRenderer()
        cond = cy.render(node_conditions(flt or TraversalFilter()), "n")
        rows = self._read(
            f"MATCH (n:Report) WHERE n.received_at < $cutoff AND {cond} "
            "RETURN n.id AS id, n.received_at AS at ORDER BY at, id",
            cutoff=utc_text(cutoff),
            **cy.params,
        )
        return [(r["id"], r["at"]) for r in rows]

    def person_names(self, flt: TraversalFilter | None = None) -> list[tuple[str, str]]:
        cy = CypherRenderer()
        cond = cy.render(node_conditions(flt or TraversalFilter()), "n")
        rows = self._read(
            f"MATCH (n:Person) WHERE {cond} RETURN n.id AS id, n.data AS data ORDER BY id",
            **cy.params,
        )
        return [(r["id"], names_text(r["data"])) for r in rows]

    def projection(self, flt: TraversalFilter | None = None) -> nx.MultiDiGraph:
        flt = flt or TraversalFilter()
        graph = nx.MultiDiGraph()
        cy = CypherRenderer()
        nconds = node_conditions(flt)
        with self._driver.session(database=self.database) as session:
            for rec in session.run(
                (
                    f"MATCH (n:Node) WHERE {cy.render(nconds, 'n')} "
                    "RETURN n.id AS id, n.kind AS kind, n.subtype AS subtype"
                ),
                **cy.params,
            ):
                graph.add_node(rec["id"], kind=rec["kind"], subtype=rec["subtype"])
            cy = CypherRenderer()
            for rec in session.run(
                (
                    f"MATCH (a:Node)-[r]->(b:Node) WHERE {cy.render(edge_conditions(flt), 'r')} "
                    "RETURN r.id AS id, r.kind AS kind, a.id AS src, b.id AS dst, "
                    "r.subtype AS subtype"
                ),
                **cy.params,
            ):
                if rec["src"] in graph and rec["dst"] in graph:
                    graph.add_edge(
                        rec["src"],
                        rec["dst"],
                        key=rec["id"],
                        kind=rec["kind"],
                        subtype=rec["subtype"],
                    )
        return graph

    def visibility_changes(self) -> int:
        (rec,) = self._read(
            "OPTIONAL MATCH (m:MosaicMeta {key: $key}) RETURN coalesce(m.value, -1) AS value",
            key=VISIBILITY_KEY,
        )
        return int(rec["value"])

    def counts(self) -> StoreCounts:
        nodes: dict[str, int] = {}
        edges: dict[str, int] = {}
        for kind in NodeKind:
            (rec,) = self._read(f"MATCH (n:{kind.value}) RETURN count(n) AS c")
            if rec["c"]:
                nodes[kind.value] = rec["c"]
        for ekind in EdgeKind:
            (rec,) = self._read(f"MATCH ()-[r:{ekind.value}]->() RETURN count(r) AS c")
            if rec["c"]:
                edges[ekind.value] = rec["c"]
        return StoreCounts(nodes=dict(sorted(nodes.items())), edges=dict(sorted(edges.items())))

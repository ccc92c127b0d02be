"""The production backend: Neo4j 5.26 through the official driver.

Writes are batched with `UNWIND` inside one transaction per `upsert` call (all-or-nothing,
thousands of rows per statement). The integrity check runs inside that same transaction, so
several Mosaic processes can share one database (or cluster) safely: nothing here assumes
this process owns the data. The database name is passed on every session.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from types import TracebackType
from typing import Any

import networkx as nx
from neo4j import Driver, GraphDatabase, ManagedTransaction
from neo4j.exceptions import ClientError, ConstraintError, Neo4jError, ServiceUnavailable

from graph.edges import Edge, EdgeKind
from graph.errors import NotFound, StoreUnavailable
from graph.nodes import Node, NodeKind, Report
from graph.store import (
    DEFAULT_MAX_FANOUT,
    DisposalResult,
    Neighbourhood,
    StoreCounts,
    TraversalFilter,
    UpsertResult,
    check_depth,
)
from graph.stores.conditions import CypherRenderer, edge_conditions, node_conditions
from graph.stores.rows import (
    StoredEdgeEnds,
    check_batch,
    classify_rows,
    edge_row,
    endpoint_ids,
    last_wins,
    node_row,
    parse_edge,
    parse_node,
)
from graph.stores.traversal import IncidentEdge, expand

ROWS_PER_STATEMENT = 5000


def _batches(rows: Sequence[Any], size: int = ROWS_PER_STATEMENT) -> Iterator[Sequence[Any]]:
    for i in range(0, len(rows), size):
        yield rows[i : i + size]


def _edge_props(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k not in ("src", "dst")}


def _edge_param(row: dict[str, Any]) -> dict[str, Any]:
    return {"src": row["src"], "dst": row["dst"], "id": row["id"], "props": _edge_props(row)}


def _by_kind(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        groups[row["kind"]].append(row)
    return groups


# Labels and relationship types come from our own enums, never from input.
NEW_NODE = "UNWIND $rows AS r CREATE (n:Node:{label}) SET n = r"
CHANGED_NODE = "UNWIND $rows AS r MATCH (n:Node {{id: r.id}}) SET n = r"
NEW_EDGE = (
    "UNWIND $rows AS r MATCH (a:Node {{id: r.src}}) MATCH (b:Node {{id: r.dst}}) "
    "CREATE (a)-[e:{type}]->(b) SET e = r.props"
)
CHANGED_EDGE = (
    "UNWIND $rows AS r MATCH (:Node {{id: r.src}})-[e:{type} {{id: r.id}}]->() SET e = r.props"
)


_EDGE_BY_ID = " UNION ALL ".join(
    f"UNWIND $ids AS i MATCH (a)-[r:{k.value} {{id: i}}]->(b) "
    "RETURN r.id AS id, r.kind AS kind, a.id AS src, b.id AS dst, r.digest AS digest, "
    "r.data AS data"
    for k in EdgeKind
)


class Neo4jGraphStore:
    """`GraphStore` on a Neo4j 5.26 database."""

    backend = "neo4j"

    def __init__(self, driver: Driver, database: str = "neo4j", owns_driver: bool = True) -> None:
        self._driver = driver
        self.database = database
        self._owns_driver = owns_driver
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
        with self._driver.session(database=self.database) as session:
            return session.execute_read(lambda tx: list(tx.run((query), **params)))

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
            for rows, node_stmt in ((new_nodes, NEW_NODE), (changed_nodes, CHANGED_NODE)):
                for kind, group in _by_kind(rows).items():
                    query = node_stmt.format(label=NodeKind(kind).value)
                    for batch in _batches(group):
                        tx.run(query, rows=list(batch)).consume()
            for rows, edge_stmt in ((new_edges, NEW_EDGE), (changed_edges, CHANGED_EDGE)):
                for kind, group in _by_kind(rows).items():
                    query = edge_stmt.format(type=EdgeKind(kind).value)
                    for batch in _batches(group):
                        tx.run(query, rows=[_edge_param(r) for r in batch]).consume()
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
                narrowed = edge.model_copy(
                    update={"provenance": edge.provenance.model_copy(update={"supports": keep})}
                )
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
            return sorted(i for group in by_kind.values() for i in group)

        with self._driver.session(database=self.database) as session:
            return session.execute_write(work)

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

    def neighbours(
        self,
        node_id: str,
        depth: int = 1,
        flt: TraversalFilter | None = None,
        max_fanout: int | None = DEFAULT_MAX_FANOUT,
    ) -> Neighbourhood:
        check_depth(depth)
        flt = flt or TraversalFilter()
        cy = CypherRenderer()
        nwhere = cy.render(node_conditions(flt), "n")
        if not self._read(
            f"MATCH (n:Node {{id: $id}}) WHERE {nwhere} RETURN n.id", id=node_id, **cy.params
        ):
            raise NotFound(f"node {node_id!r} not found")
        cy = CypherRenderer()
        where = f"{cy.render(edge_conditions(flt), 'r')} AND {cy.render(node_conditions(flt), 'b')}"
        query = (
            "UNWIND $frontier AS fid MATCH (a:Node {id: fid})-[r]-(b:Node) "
            f"WHERE {where} "
            "RETURN r.id AS id, startNode(r).id AS src, endNode(r).id AS dst, r.data AS data"
        )
        edge_data: dict[str, str] = {}

        def incident(frontier: list[str]) -> list[IncidentEdge]:
            out = []
            for rec in self._read(query, frontier=frontier, **cy.params):
                edge_data[rec["id"]] = rec["data"]
                out.append(IncidentEdge(rec["id"], rec["src"], rec["dst"]))
            return out

        exp = expand(node_id, depth, max_fanout, incident)
        nodes = self.get_nodes(exp.depth)
        return Neighbourhood(
            start=node_id,
            nodes=sorted(nodes.values(), key=lambda n: (exp.depth[n.id], n.id)),
            edges=[parse_edge(edge_data[i]) for i in sorted(exp.edge_ids)],
            depth=exp.depth,
            parent_edge=exp.parent_edge,
            capped=exp.capped,
        )

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

    def reports_about(self, person_id: str, include_mentions: bool = True) -> list[Report]:
        kinds = [EdgeKind.ABOUT, EdgeKind.MENTIONS] if include_mentions else [EdgeKind.ABOUT]
        return self._reports_linked(person_id, kinds)

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

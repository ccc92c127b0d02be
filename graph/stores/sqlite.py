"""The embedded backend: SQLite (WAL) as the system of record, networkx for algorithms.

Needs no server. Each batch is one `BEGIN IMMEDIATE ... COMMIT`, so a process killed in the
middle of a batch leaves the last committed state and nothing of the half batch. Adjacency
is indexed both ways, so a neighbourhood costs a few index range scans per level.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from functools import lru_cache
from operator import itemgetter
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

import networkx as nx

from graph.edges import Edge, EdgeKind
from graph.edges import narrowed as narrow
from graph.errors import NotFound
from graph.nodes import Node, Report
from graph.sqlite_files import open_sqlite, write_transaction
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
from graph.stores.conditions import SqlRenderer, View, edge_conditions, node_conditions
from graph.stores.rows import (
    StoredEdgeEnds,
    check_batch,
    classify_rows,
    edge_row,
    endpoint_ids,
    joined_names,
    last_wins,
    node_row,
    parse_edge,
    parse_node,
    support_pairs,
    utc_text,
)
from graph.stores.sqlite_person_steps import walk_steps
from graph.stores.traversal import EDGE_KIND, Walks, expand, to_frame

SCHEMA = """
CREATE TABLE IF NOT EXISTS nodes (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    subtype TEXT,
    classification TEXT NOT NULL,
    compartment TEXT NOT NULL,
    handling_code TEXT,
    received_at TEXT,
    data TEXT NOT NULL,
    digest TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS nodes_kind ON nodes(kind, subtype);
CREATE TABLE IF NOT EXISTS edges (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    src TEXT NOT NULL,
    dst TEXT NOT NULL,
    subtype TEXT,
    first_seen TEXT,
    last_seen TEXT,
    best_se TEXT,
    best_ia TEXT,
    ungraded INTEGER NOT NULL,
    e_only INTEGER NOT NULL,
    classification TEXT NOT NULL,
    compartment TEXT NOT NULL,
    handling_code TEXT,
    data TEXT NOT NULL,
    digest TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS edges_src ON edges(src, kind);
CREATE INDEX IF NOT EXISTS edges_dst ON edges(dst, kind);
CREATE TABLE IF NOT EXISTS edge_supports (
    report_id TEXT NOT NULL,
    edge_id TEXT NOT NULL,
    PRIMARY KEY (report_id, edge_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS store_meta (
    key TEXT PRIMARY KEY,
    value INTEGER NOT NULL
) WITHOUT ROWID;
-- Starts from a random number, so a store made afresh (a deleted file) never repeats a
-- reading an old analysis run recorded.
INSERT OR IGNORE INTO store_meta (key, value) VALUES ('visibility_changes', random());
"""

_COUNT_CHANGE = "UPDATE store_meta SET value = value + 1 WHERE key = 'visibility_changes';"
VISIBILITY_TRIGGERS = "".join(
    f"CREATE TRIGGER IF NOT EXISTS {table}_marking_changed "
    f"AFTER UPDATE OF classification, compartment, handling_code ON {table} "
    "WHEN OLD.classification IS NOT NEW.classification "
    "OR OLD.compartment IS NOT NEW.compartment OR OLD.handling_code IS NOT NEW.handling_code "
    f"BEGIN {_COUNT_CHANGE} END;\n"
    f"CREATE TRIGGER IF NOT EXISTS {table}_gone AFTER DELETE ON {table} "
    f"BEGIN {_COUNT_CHANGE} END;\n"
    for table in ("nodes", "edges")
)
"""`GraphStore.visibility_changes` kept by triggers, so that every write path (upsert,
disposal, withdrawal) counts a re-marked or deleted node or edge, in the same transaction."""

NODE_COLS = (
    "id",
    "kind",
    "subtype",
    "classification",
    "compartment",
    "handling_code",
    "received_at",
    "data",
    "digest",
)
EDGE_COLS = (
    "id",
    "kind",
    "src",
    "dst",
    "subtype",
    "first_seen",
    "last_seen",
    "best_se",
    "best_ia",
    "ungraded",
    "e_only",
    "classification",
    "compartment",
    "handling_code",
    "data",
    "digest",
)
# SQLite allows 32766 host parameters; stay well under it.
CHUNK = 900

Synchronous = Literal["OFF", "NORMAL", "FULL", "EXTRA"]


def _json_or_none(text: str | None) -> Any:
    """A value SQLite gave as JSON text (`data -> '$.field'`), or None where it gave NULL
    (no such field). Text read this way keeps a NUL character, which json_extract's SQL
    text would end at."""
    return None if text is None else json.loads(text)


def _chunks(items: Sequence[str]) -> Iterator[Sequence[str]]:
    for i in range(0, len(items), CHUNK):
        yield items[i : i + CHUNK]


# Rows are dicts (the Neo4j store sends the same rows as parameters), but SQLite binds
# positional parameters from tuples about twice as fast as named ones from dicts: 4 against
# 8-10 us a 16-column row, most of a row's INSERT. `itemgetter` makes the tuples in C.
NODE_VALUES = itemgetter(*NODE_COLS)
EDGE_VALUES = itemgetter(*EDGE_COLS)


def _insert_sql(table: str, cols: tuple[str, ...]) -> str:
    return f"INSERT INTO {table} ({','.join(cols)}) VALUES ({','.join('?' * len(cols))})"


def _upsert_sql(table: str, cols: tuple[str, ...]) -> str:
    updates = ",".join(f"{c}=excluded.{c}" for c in cols if c != "id")
    return f"{_insert_sql(table, cols)} ON CONFLICT(id) DO UPDATE SET {updates}"


CONTACTS_SQL = """
WITH chosen AS (
    SELECT s.id, s.subtype, s.data,
        (SELECT count(*) FROM edges p WHERE p.dst = s.id AND p.kind = 'PROVIDED_BY') AS n
    FROM nodes s WHERE s.kind = 'Source' {chosen} AND {seen_s}
)
SELECT s.id, s.subtype, json_extract(s.data, '$.chis_status'),
    json_extract(s.data, '$.juvenile'), json_extract(s.data, '$.vulnerable'),
    (SELECT min(ip.dst) FROM edges ip {person}
        WHERE ip.src = s.id AND ip.kind = 'IS_PERSON'),
    r.id, r.received_at, json_extract(r.data, '$.channel'),
    json_extract(r.data, '$.initiated_by'), r.data -> '$.police_request',
    json_extract(r.data, '$.how_obtained'), {rewarded},
    (SELECT json_group_array(dst) FROM (SELECT DISTINCT a.dst FROM edges a {subject}
        WHERE a.src = r.id AND a.kind = 'ABOUT' ORDER BY a.dst)),
    (SELECT json_group_array(dst) FROM (SELECT DISTINCT l.dst FROM edges l {place}
        WHERE l.src = r.id AND l.kind = 'AT_LOCATION' ORDER BY l.dst))
FROM chosen s
JOIN edges p ON p.dst = s.id AND p.kind = 'PROVIDED_BY'
JOIN nodes r ON r.id = p.src
WHERE {over_bar} {seen_bar} AND {seen_pr}
ORDER BY s.id, r.received_at, r.id
"""
"""Contact rows: sources counted by the `edges_dst` index first, reports read only for
those over the bar (or juvenile or vulnerable). Subjects and places come as JSON arrays:
an id may hold any character, a separator included. The free-text police request comes
as JSON too (`->`, decoded by `_json_or_none`): json_extract's SQL text ends at a NUL
character; the enums and flags read with it cannot hold one. With a view, only what it
shows is a contact (source, report and the edge between them), a subject or a place, and
the bar is counted again over the visible reports, for the sources the index count let
through."""

OVER_BAR = (
    "({n} >= :min OR json_extract(s.data, '$.juvenile') OR json_extract(s.data, '$.vulnerable'))"
)
VISIBLE_REPORTS = (
    "(SELECT count(*) FROM edges vp JOIN nodes vr ON vr.id = vp.src "
    "WHERE vp.dst = s.id AND vp.kind = 'PROVIDED_BY' AND {seen})"
)


def contacts_sql(view: View, ids: int) -> str:
    """`CONTACTS_SQL` for `ids` chosen sources (0: every source) seen through `view`;
    its parameters are `:min`, `:id0`... and the view's. The joins that only check what
    the view shows are left out when it shows everything."""

    def far(edge: str, node: str) -> str:
        if not view.restricts:
            return ""
        return f"JOIN nodes {node} ON {node}.id = {edge}.dst AND {view.sql(edge, node)}"

    chosen = f"AND s.id IN ({','.join(f':id{i}' for i in range(ids))})" if ids else ""
    seen_bar = ""
    if view.restricts:
        seen_bar = "AND " + OVER_BAR.format(n=VISIBLE_REPORTS.format(seen=view.sql("vp", "vr")))
    return CONTACTS_SQL.format(
        chosen=chosen,
        seen_s=view.sql("s"),
        person=far("ip", "pn"),
        subject=far("a", "an"),
        place=far("l", "ln"),
        over_bar=OVER_BAR.format(n="s.n"),
        seen_bar=seen_bar,
        seen_pr=view.sql("p", "r"),
        rewarded=profiles.REWARDED_SQL,
    )


class SqliteGraphStore(Walks):
    """`GraphStore` on one SQLite file. Thread-safe by serialising access to one connection."""

    backend = "embedded"

    def __init__(
        self,
        path: str | Path,
        synchronous: Synchronous = "FULL",
        cache_mib: int = 256,
        mmap_mib: int = 4096,
    ) -> None:
        self.path = Path(path)
        # Larger pages: fewer pages dirtied per batch by the adjacency indexes' random
        # inserts (measured ~1.5x faster loads). Only takes effect when the file is new.
        self._conn = open_sqlite(self.path, "the embedded store", "page_size=16384")
        self._lock = threading.RLock()
        self._conn.execute(f"PRAGMA synchronous={synchronous}")
        # Index pages for adjacency must stay in memory during large loads (default: 2 MiB).
        self._conn.execute(f"PRAGMA cache_size=-{cache_mib * 1024}")
        # Reads through a memory map: a walk touches scattered pages and mapping them saves
        # a copy each (measured 5.8-6.2 -> 4.1-4.5 ms p50 associates on 1M nodes).
        self._conn.execute(f"PRAGMA mmap_size={mmap_mib * 1024 * 1024}")
        # Fewer, larger checkpoints: each one is an fsync of the database file.
        self._conn.execute("PRAGMA wal_autocheckpoint=10000")
        self._conn.executescript(SCHEMA + VISIBILITY_TRIGGERS)

    # -- lifecycle ---------------------------------------------------------------------

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> SqliteGraphStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        return write_transaction(self._conn, self._lock)

    def _query(self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> list[sqlite3.Row]:
        with self._lock:
            cur = self._conn.execute(sql, params)
            return cur.fetchall()

    # -- writes ------------------------------------------------------------------------

    def upsert(self, nodes: Sequence[Node] = (), edges: Sequence[Edge] = ()) -> UpsertResult:
        nodes = last_wins(nodes)
        edges = last_wins(edges)
        node_rows = [node_row(n) for n in nodes]
        edge_rows = [edge_row(e) for e in edges]
        result = UpsertResult()
        with self._transaction() as conn:
            kinds = self._node_kinds(conn, sorted(endpoint_ids(nodes, edges)))
            stored_edges = self._edge_ends(conn, [e.id for e in edges])
            check_batch(
                nodes,
                edges,
                {i: k for i, (k, _) in kinds.items()},
                {i: ends for i, (ends, _) in stored_edges.items()},
            )
            new_nodes, changed_nodes = classify_rows(
                node_rows, {i: d for i, (_, d) in kinds.items()}, result
            )
            new_edges, changed_edges = classify_rows(
                edge_rows, {i: d for i, (_, d) in stored_edges.items()}, result
            )
            stale = self._stored_support_pairs(conn, [r["id"] for r in changed_edges])
            conn.executemany("DELETE FROM edge_supports WHERE report_id = ? AND edge_id = ?", stale)
            conn.executemany(_insert_sql("nodes", NODE_COLS), map(NODE_VALUES, new_nodes))
            conn.executemany(_upsert_sql("nodes", NODE_COLS), map(NODE_VALUES, changed_nodes))
            conn.executemany(_insert_sql("edges", EDGE_COLS), map(EDGE_VALUES, new_edges))
            conn.executemany(_upsert_sql("edges", EDGE_COLS), map(EDGE_VALUES, changed_edges))
            conn.executemany(
                "INSERT INTO edge_supports (report_id, edge_id) VALUES (?, ?)",
                [pair for r in (*new_edges, *changed_edges) for pair in support_pairs(r)],
            )
        return result

    def _stored_support_pairs(
        self, conn: sqlite3.Connection, edge_ids: Sequence[str]
    ) -> list[tuple[str, str]]:
        """The support index entries currently held for these edges (read from the record)."""
        pairs: list[tuple[str, str]] = []
        for chunk in _chunks(sorted(edge_ids)):
            marks = ",".join("?" * len(chunk))
            for edge_id, src, dst, data in conn.execute(
                f"SELECT id, src, dst, data FROM edges WHERE id IN ({marks})", chunk
            ):
                supports = json.loads(data)["provenance"]["supports"]
                row = {"id": edge_id, "src": src, "dst": dst}
                row["report_ids"] = sorted({s["report_id"] for s in supports if s.get("report_id")})
                pairs += support_pairs(row)
        return pairs

    def _node_kinds(
        self, conn: sqlite3.Connection, ids: Sequence[str]
    ) -> dict[str, tuple[str, str]]:
        found: dict[str, tuple[str, str]] = {}
        for chunk in _chunks(ids):
            marks = ",".join("?" * len(chunk))
            for row in conn.execute(
                f"SELECT id, kind, digest FROM nodes WHERE id IN ({marks})", chunk
            ):
                found[row[0]] = (row[1], row[2])
        return found

    def _edge_ends(
        self, conn: sqlite3.Connection, ids: Sequence[str]
    ) -> dict[str, tuple[StoredEdgeEnds, str]]:
        found: dict[str, tuple[StoredEdgeEnds, str]] = {}
        for chunk in _chunks(ids):
            marks = ",".join("?" * len(chunk))
            for row in conn.execute(
                f"SELECT id, kind, src, dst, digest FROM edges WHERE id IN ({marks})", chunk
            ):
                found[row[0]] = (StoredEdgeEnds(row[1], row[2], row[3]), row[4])
        return found

    def delete_with_provenance(self, report_ids: Iterable[str]) -> DisposalResult:
        ids = sorted(set(report_ids))
        result = DisposalResult()
        with self._transaction() as conn:
            reports = []
            for chunk in _chunks(ids):
                marks = ",".join("?" * len(chunk))
                reports += [
                    r[0]
                    for r in conn.execute(
                        f"SELECT id FROM nodes WHERE kind='Report' AND id IN ({marks})", chunk
                    )
                ]
            gone = set(reports)
            own_edges: set[str] = set()
            supported: set[str] = set()
            for chunk in _chunks(reports):
                marks = ",".join("?" * len(chunk))
                own_edges.update(
                    r[0]
                    for r in conn.execute(
                        f"SELECT id FROM edges WHERE src IN ({marks}) OR dst IN ({marks})",
                        [*chunk, *chunk],
                    )
                )
                supported.update(
                    r[0]
                    for r in conn.execute(
                        f"SELECT edge_id FROM edge_supports WHERE report_id IN ({marks})", chunk
                    )
                )
            deleted = set(own_edges)
            updates: list[dict[str, Any]] = []
            for edge_id in sorted(supported - own_edges):
                (data,) = conn.execute("SELECT data FROM edges WHERE id=?", (edge_id,)).fetchone()
                edge = parse_edge(data)
                keep = [s for s in edge.provenance.supports if s.report_id not in gone]
                if not keep:
                    deleted.add(edge_id)
                    continue
                narrowed = narrow(edge, keep)
                updates.append(edge_row(narrowed))
            stale = self._stored_support_pairs(conn, sorted(deleted | {u["id"] for u in updates}))
            conn.executemany("DELETE FROM edge_supports WHERE report_id = ? AND edge_id = ?", stale)
            conn.executemany(_upsert_sql("edges", EDGE_COLS), map(EDGE_VALUES, updates))
            conn.executemany(
                "INSERT INTO edge_supports (report_id, edge_id) VALUES (?, ?)",
                [pair for u in updates for pair in support_pairs(u)],
            )
            for chunk in _chunks(sorted(deleted)):
                marks = ",".join("?" * len(chunk))
                conn.execute(f"DELETE FROM edges WHERE id IN ({marks})", chunk)
            for chunk in _chunks(reports):
                marks = ",".join("?" * len(chunk))
                conn.execute(f"DELETE FROM nodes WHERE id IN ({marks})", chunk)
        result.deleted_nodes = sorted(gone)
        result.deleted_edges = sorted(deleted)
        result.updated_edges = sorted(u["id"] for u in updates)
        return result

    def delete_edges(self, edge_ids: Iterable[str]) -> list[str]:
        ids = sorted(set(edge_ids))
        with self._transaction() as conn:
            found: list[str] = []
            for chunk in _chunks(ids):
                marks = ",".join("?" * len(chunk))
                found += [
                    r[0] for r in conn.execute(f"SELECT id FROM edges WHERE id IN ({marks})", chunk)
                ]
            stale = self._stored_support_pairs(conn, found)
            conn.executemany("DELETE FROM edge_supports WHERE report_id = ? AND edge_id = ?", stale)
            for chunk in _chunks(found):
                marks = ",".join("?" * len(chunk))
                conn.execute(f"DELETE FROM edges WHERE id IN ({marks})", chunk)
        return sorted(found)

    def delete_unlinked_nodes(self, node_ids: Iterable[str]) -> list[str]:
        ids = sorted(set(node_ids))
        if not ids:
            return []
        removed: list[str] = []
        with self._transaction() as conn:
            for chunk in _chunks(ids):
                marks = ",".join("?" * len(chunk))
                removed += [
                    r[0]
                    for r in conn.execute(
                        f"DELETE FROM nodes WHERE id IN ({marks}) AND NOT EXISTS "
                        "(SELECT 1 FROM edges e WHERE e.src = nodes.id) AND NOT EXISTS "
                        "(SELECT 1 FROM edges e WHERE e.dst = nodes.id) RETURNING id",
                        chunk,
                    )
                ]
        return sorted(removed)

    # -- reads -------------------------------------------------------------------------

    def get_node(self, node_id: str) -> Node | None:
        """One primary-key look-up: the API's hot path, so without `get_nodes`' batching."""
        rows = self._query("SELECT data FROM nodes WHERE id = ?", (node_id,))
        return parse_node(rows[0][0]) if rows else None

    def get_nodes(self, node_ids: Iterable[str]) -> dict[str, Node]:
        ids = sorted(set(node_ids))
        found: dict[str, Node] = {}
        for chunk in _chunks(ids):
            marks = ",".join("?" * len(chunk))
            for row in self._query(f"SELECT id, data FROM nodes WHERE id IN ({marks})", chunk):
                found[row[0]] = parse_node(row[1])
        return found

    def get_edge(self, edge_id: str) -> Edge | None:
        return self.get_edges([edge_id]).get(edge_id)

    def get_edges(self, edge_ids: Iterable[str]) -> dict[str, Edge]:
        ids = sorted(set(edge_ids))
        found: dict[str, Edge] = {}
        for chunk in _chunks(ids):
            marks = ",".join("?" * len(chunk))
            for row in self._query(f"SELECT id, data FROM edges WHERE id IN ({marks})", chunk):
                found[row[0]] = parse_edge(row[1])
        return found

    def _visible_kind(self, node_id: str, flt: TraversalFilter) -> str | None:
        """The node's kind if the filter lets the caller see it."""
        sql = SqlRenderer()
        where = sql.render(node_conditions(flt), "n")
        rows = self._query(
            f"SELECT n.kind FROM nodes n WHERE n.id = ? AND {where}", [node_id, *sql.params]
        )
        return str(rows[0][0]) if rows else None

    def _incident(self, frontier: list[str], where: tuple[str, tuple[Any, ...]]) -> list[EdgeRef]:
        """Qualifying edges at the frontier, both directions in one statement. CROSS JOIN
        keeps SQLite's planner from starting at `nodes` (by kind) instead of at the
        frontier's edges: measured 40 ms -> 0.5 ms a level on a 50k-node graph with a
        node-kind filter. `where` is the filter rendered once per walk (`_walk_where`)."""
        found: list[EdgeRef] = []
        clause, params = where
        kind = EDGE_KIND
        for chunk in _chunks(frontier):
            marks = ",".join("?" * len(chunk))
            rows = self._query(
                "SELECT e.id, e.src, e.dst, e.kind FROM edges e CROSS JOIN nodes n "
                f"ON n.id = e.dst WHERE e.src IN ({marks}) AND {clause} UNION ALL "
                "SELECT e.id, e.src, e.dst, e.kind FROM edges e CROSS JOIN nodes n "
                f"ON n.id = e.src WHERE e.dst IN ({marks}) AND {clause}",
                [*chunk, *params, *chunk, *params],
            )
            found.extend(EdgeRef(r[0], kind[r[3]], r[1], r[2]) for r in rows)
        return found

    @staticmethod
    @lru_cache(maxsize=256)
    def _walk_where(flt: TraversalFilter) -> tuple[str, tuple[Any, ...]]:
        """The filter on an edge `e` and its far node `n`, as SQL and its parameters (kept:
        a filter is immutable, and a walk renders it once a level)."""
        sql = SqlRenderer()
        clause = (
            f"{sql.render(edge_conditions(flt), 'e')} AND {sql.render(node_conditions(flt), 'n')}"
        )
        return clause, tuple(sql.params)

    @contextmanager
    def reading(self) -> Iterator[None]:
        with self._lock:
            if self._conn.in_transaction:
                yield
                return
            self._conn.execute("BEGIN")  # deferred: a read snapshot under WAL
            try:
                yield
            finally:
                self._conn.execute("COMMIT")

    def step_frame(
        self, node_id: str, depth: int, walk: TraversalFilter, max_fanout: int | None
    ) -> Frame | None:
        """Person steps walked in one statement a step (`sqlite_person_steps`); None when a
        node on the way is over the cap, and at depth 1, where the hop walk is only two
        levels and cheaper (associates p50 0.86 against 1.40 ms on the 1M-node graph; at
        depth 2 the step walk is 17% faster, at depth 3 42%)."""
        if depth < 2:
            return None
        kind = self._visible_kind(node_id, walk)
        if kind is None:
            raise NotFound(f"node {node_id!r} not found")
        with self.reading():
            return walk_steps(self._conn, node_id, kind, depth, walk, max_fanout)

    def _frame(
        self,
        node_id: str,
        depth: int,
        flt: TraversalFilter,
        max_fanout: int | None,
        last: TraversalFilter,
    ) -> Frame:
        kind = self._visible_kind(node_id, flt)
        if kind is None:
            raise NotFound(f"node {node_id!r} not found")
        wheres = [self._walk_where(flt)] * (depth - 1) + [self._walk_where(last)]
        levels = iter(wheres)  # `expand` asks once a level, in order
        exp = expand(node_id, depth, max_fanout, lambda f: self._incident(f, next(levels)))
        return to_frame(node_id, kind, exp)

    def incident(
        self, node_ids: Iterable[str], flt: TraversalFilter | None = None
    ) -> list[EdgeRef]:
        found = self._incident(sorted(set(node_ids)), self._walk_where(flt or TraversalFilter()))
        return sorted({e.id: e for e in found}.values(), key=lambda e: e.id)

    def edges_between(
        self, node_ids: Iterable[str], flt: TraversalFilter | None = None
    ) -> list[Edge]:
        ids = sorted(set(node_ids))
        flt = flt or TraversalFilter()
        wanted = set(ids)
        found: list[EdgeRef] = []
        for chunk in _chunks(ids):
            marks = ",".join("?" * len(chunk))
            sql = SqlRenderer()
            ewhere = sql.render(edge_conditions(flt), "e")
            rows = self._query(
                f"SELECT e.id, e.src, e.dst, e.kind FROM edges e "
                f"WHERE e.src IN ({marks}) AND {ewhere}",
                [*chunk, *sql.params],
            )
            found.extend(EdgeRef(r[0], EDGE_KIND[r[3]], r[1], r[2]) for r in rows if r[2] in wanted)
        visible = set(self._filter_nodes(wanted, flt))
        keep = [e.id for e in found if e.src in visible and e.dst in visible]
        edges = self.get_edges(keep)
        return [edges[i] for i in sorted(edges)]

    def _filter_nodes(self, ids: set[str], flt: TraversalFilter) -> list[str]:
        out: list[str] = []
        for chunk in _chunks(sorted(ids)):
            marks = ",".join("?" * len(chunk))
            sql = SqlRenderer()
            nwhere = sql.render(node_conditions(flt), "n")
            out += [
                r[0]
                for r in self._query(
                    f"SELECT n.id FROM nodes n WHERE n.id IN ({marks}) AND {nwhere}",
                    [*chunk, *sql.params],
                )
            ]
        return out

    def _reports_linked(self, target: str, kinds: Sequence[EdgeKind]) -> list[Report]:
        marks = ",".join("?" * len(kinds))
        rows = self._query(
            "SELECT DISTINCT n.data, n.received_at, n.id FROM edges e CROSS JOIN nodes n "
            "ON n.id = e.src "
            f"WHERE e.dst = ? AND e.kind IN ({marks}) ORDER BY n.received_at, n.id",
            [target, *(k.value for k in kinds)],
        )
        reports = [parse_node(r[0]) for r in rows]
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
        if source_ids is None:
            return self._contacts(min_reports, None, seen)
        ids = sorted(set(source_ids))
        return [c for chunk in _chunks(ids) for c in self._contacts(min_reports, chunk, seen)]

    def _contacts(self, min_reports: int, ids: Sequence[str] | None, view: View) -> list[Contact]:
        params = {"min": min_reports, **{f"id{i}": v for i, v in enumerate(ids or ())}}
        rows = self._query(contacts_sql(view, len(ids or ())), params | view.sql_params())
        return [
            Contact(
                source_id=r[0],
                source_type=r[1],
                chis_status=r[2],
                juvenile=bool(r[3]),
                vulnerable=bool(r[4]),
                person_id=r[5],
                report_id=r[6],
                received_at=r[7],
                channel=r[8],
                initiated_by=r[9],
                police_request=_json_or_none(r[10]),
                how_obtained=r[11],
                rewarded=bool(r[12]),
                subjects=tuple(json.loads(r[13])),
                locations=tuple(json.loads(r[14])),
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
        params = {"min": min_reports, **seen.sql_params()}
        hubs = json.dumps(profiles.as_list(hub_location_types))
        personal = json.dumps(profiles.as_list(personal_relationships))
        sources, subjects, places, households = profiles.sqlite_statements(seen)
        with self.reading():
            return profiles.from_sqlite(
                self._query(sources, params | {"personal": personal}),
                self._query(subjects, params),
                self._query(places, params),
                self._query(households, params | {"hubs": hubs}),
            )

    def reports_about(self, person_id: str, include_mentions: bool = True) -> list[Report]:
        kinds = [EdgeKind.ABOUT, EdgeKind.MENTIONS] if include_mentions else [EdgeKind.ABOUT]
        return self._reports_linked(person_id, kinds)

    def reports_received_before(
        self, cutoff: datetime, flt: TraversalFilter | None = None
    ) -> list[tuple[str, str]]:
        sql = SqlRenderer()
        where = sql.render(node_conditions(flt or TraversalFilter()), "n")
        rows = self._query(
            "SELECT n.id, n.received_at FROM nodes n WHERE n.kind = 'Report' "
            f"AND n.received_at < ? AND {where} ORDER BY n.received_at, n.id",
            [utc_text(cutoff), *sql.params],
        )
        return [(r[0], r[1]) for r in rows]

    def person_names(self, flt: TraversalFilter | None = None) -> list[tuple[str, str]]:
        sql = SqlRenderer()
        where = sql.render(node_conditions(flt or TraversalFilter()), "n")
        # The names as JSON, joined in Python as on Neo4j: json_extract of a name part
        # would end it at a NUL character.
        rows = self._query(
            f"SELECT n.id, n.data -> '$.names' FROM nodes n WHERE n.kind = 'Person' AND {where} "
            "ORDER BY n.id",
            sql.params,
        )
        return [(r[0], joined_names(_json_or_none(r[1]) or ())) for r in rows]

    def projection(self, flt: TraversalFilter | None = None) -> nx.MultiDiGraph:
        flt = flt or TraversalFilter()
        graph = nx.MultiDiGraph()
        sql = SqlRenderer()
        nwhere = sql.render(node_conditions(flt), "n")
        with self._lock:
            for nid, kind, subtype in self._conn.execute(
                f"SELECT n.id, n.kind, n.subtype FROM nodes n WHERE {nwhere}", sql.params
            ):
                graph.add_node(nid, kind=kind, subtype=subtype)
            sql = SqlRenderer()
            ewhere = sql.render(edge_conditions(flt), "e")
            for eid, kind, src, dst, subtype in self._conn.execute(
                f"SELECT e.id, e.kind, e.src, e.dst, e.subtype FROM edges e WHERE {ewhere}",
                sql.params,
            ):
                if src in graph and dst in graph:
                    graph.add_edge(src, dst, key=eid, kind=kind, subtype=subtype)
        return graph

    def visibility_changes(self) -> int:
        (row,) = self._query("SELECT value FROM store_meta WHERE key = 'visibility_changes'")
        return int(row[0])

    def counts(self) -> StoreCounts:
        nodes = {k: c for k, c in self._query("SELECT kind, count(*) FROM nodes GROUP BY kind")}
        edges = {k: c for k, c in self._query("SELECT kind, count(*) FROM edges GROUP BY kind")}
        return StoreCounts(nodes=dict(sorted(nodes.items())), edges=dict(sorted(edges.items())))

"""What ingest remembers between loads, in one SQLite file beside the store.

- `records`: every accepted record's fingerprint and the edges it asserted, so a re-load
  of an identical record costs one lookup, and a changed record can withdraw the claims it
  no longer makes.
- `quarantine`: every rejected line with its file, line number, record id and a reason a
  person can act on, until a corrected record with the same id is accepted.
- `mentions`: how each mention in a report was resolved. Decisions are committed before
  the graph batch that uses them, so a load killed and restarted reuses them and ends in
  the same state as one that ran straight through.
- `person_facts` / `location_text`: the matching features of every person, so entity
  resolution and mention matching need no scan of the graph store.
- `waiting`: the lines of an unfinished load that wait for a forward reference, so that
  the load run again defers them too and matches mentions in the same order (a line
  leaves the table when it is accepted or quarantined).

Kept apart from the graph store because it serves both backends alike.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from graph.sqlite_files import open_sqlite, write_transaction

SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    raw_hash TEXT NOT NULL,
    canonical_hash TEXT NOT NULL,
    edge_ids TEXT NOT NULL,
    file TEXT,
    line INTEGER,
    loaded_at TEXT NOT NULL,
    PRIMARY KEY (kind, id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS records_id ON records(id);
CREATE TABLE IF NOT EXISTS quarantine (
    seq INTEGER PRIMARY KEY,
    file TEXT NOT NULL,
    line INTEGER NOT NULL,
    record_id TEXT,
    kind TEXT,
    code TEXT NOT NULL,
    reason TEXT NOT NULL,
    raw TEXT NOT NULL,
    raw_hash TEXT NOT NULL,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    resolved_at TEXT,
    UNIQUE (file, line, raw_hash)
);
CREATE INDEX IF NOT EXISTS quarantine_record ON quarantine(record_id);
CREATE TABLE IF NOT EXISTS mentions (
    key TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    person_id TEXT NOT NULL,
    score REAL,
    decided_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS person_facts (
    id TEXT PRIMARY KEY,
    facts TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS unresolved (
    id TEXT PRIMARY KEY
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS location_text (
    id TEXT PRIMARY KEY,
    address TEXT NOT NULL,
    postcode TEXT
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS disposed (
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    disposed_at TEXT NOT NULL,
    PRIMARY KEY (kind, id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS waiting (
    file TEXT NOT NULL,
    line INTEGER NOT NULL,
    raw_hash TEXT NOT NULL,
    PRIMARY KEY (file, line)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS record_warnings (
    record_id TEXT NOT NULL,
    warning TEXT NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (record_id, warning)
) WITHOUT ROWID;
"""

CHUNK = 500


def digest(text: bytes | str) -> str:
    data = text.encode() if isinstance(text, str) else text
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class KnownRecord:
    raw_hash: str
    canonical_hash: str
    edge_ids: list[str]


@dataclass(frozen=True)
class QuarantineEntry:
    seq: int
    file: str
    line: int
    record_id: str | None
    kind: str | None
    code: str
    reason: str
    raw: str
    first_seen: str
    last_seen: str
    resolved_at: str | None


@dataclass(frozen=True)
class Rejection:
    """One rejected line, as the loader reports it."""

    file: str
    line: int
    record_id: str | None
    kind: str | None
    code: str
    reason: str
    raw: str


@dataclass(frozen=True)
class MentionDecision:
    fingerprint: str
    person_id: str
    score: float | None


class IngestState:
    """The ingest bookkeeping file. One writer at a time (the loader holds the lock)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._conn = open_sqlite(path, "ingest state", "synchronous=FULL")
        self._conn.executescript(SCHEMA)
        self._lock = threading.RLock()

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> IngestState:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        return write_transaction(self._conn, self._lock)

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """The connection for reads (one thread at a time; no write lock taken)."""
        with self._lock:
            yield self._conn

    def ensure_schema(self, script: str) -> None:
        """Create the tables another module keeps in this file (idempotent DDL)."""
        with self._lock:
            self._conn.executescript(script)

    def _select_in(self, sql: str, keys: Sequence[Any]) -> Iterator[sqlite3.Row]:
        with self._lock:
            for start in range(0, len(keys), CHUNK):
                chunk = keys[start : start + CHUNK]
                yield from self._conn.execute(sql.format(marks=",".join("?" * len(chunk))), chunk)

    # -- records -------------------------------------------------------------------------

    def mark_disposed(self, kind: str, ids: Sequence[str]) -> None:
        """Records disposed of after review: their fingerprints, the edge ids they claimed,
        their mention decisions, the warnings kept with them and their quarantine entries
        (whose raw lines are earlier versions of them) go, and a tombstone stays, so that
        loading the file again says they were disposed of instead of bringing them back or
        calling them unchanged (that refusal keeps no raw line)."""
        at = now()
        with self.transaction() as conn:
            for rid in ids:
                conn.execute("DELETE FROM records WHERE kind = ? AND id = ?", (kind, rid))
                conn.execute("DELETE FROM record_warnings WHERE record_id = ?", (rid,))
                conn.execute("DELETE FROM quarantine WHERE kind = ? AND record_id = ?", (kind, rid))
                conn.execute(
                    "DELETE FROM mentions WHERE key >= ? AND key < ?", (f"{rid}#", f"{rid}$")
                )
            conn.executemany(
                "INSERT OR IGNORE INTO disposed (kind, id, disposed_at) VALUES (?, ?, ?)",
                [(kind, rid, at) for rid in ids],
            )

    def disposed(self) -> dict[tuple[str, str], str]:
        """(kind, id) -> when, for every record disposed of after review."""
        with self._lock:
            rows = self._conn.execute("SELECT kind, id, disposed_at FROM disposed").fetchall()
        return {(k, i): at for k, i, at in rows}

    def known_records(self, kind: str, ids: Sequence[str]) -> dict[str, KnownRecord]:
        found: dict[str, KnownRecord] = {}
        sql = (
            "SELECT id, raw_hash, canonical_hash, edge_ids FROM records "
            "WHERE kind = ? AND id IN ({marks})"
        )
        with self._lock:
            for start in range(0, len(ids), CHUNK):
                chunk = list(ids[start : start + CHUNK])
                marks = ",".join("?" * len(chunk))
                for rid, raw, canonical, edges in self._conn.execute(
                    sql.format(marks=marks), [kind, *chunk]
                ):
                    found[rid] = KnownRecord(raw, canonical, json.loads(edges))
        return found

    def node_kinds(self, ids: Sequence[str]) -> dict[str, str]:
        """Kinds of nodes the loader has written (association records are not nodes)."""
        return {
            rid: kind
            for rid, kind in self._select_in(
                "SELECT id, kind FROM records WHERE kind != 'association' AND id IN ({marks})",
                list(ids),
            )
        }

    def warn(self, warnings: dict[str, str]) -> None:
        """Keep a warning with each record (record id -> warning); repeats are kept once."""
        at = now()
        with self.transaction() as conn:
            conn.executemany(
                "INSERT OR IGNORE INTO record_warnings (record_id, warning, at) VALUES (?, ?, ?)",
                [(rid, text, at) for rid, text in sorted(warnings.items())],
            )

    def warnings(self, record_ids: Iterable[str]) -> dict[str, list[str]]:
        """The warnings kept with these records."""
        ids = sorted(set(record_ids))
        out: dict[str, list[str]] = {}
        with self.reading() as conn:
            for i in range(0, len(ids), CHUNK):
                chunk = ids[i : i + CHUNK]
                marks = ",".join("?" * len(chunk))
                for rid, text in conn.execute(
                    "SELECT record_id, warning FROM record_warnings "
                    f"WHERE record_id IN ({marks}) ORDER BY record_id, at, warning",
                    chunk,
                ):
                    out.setdefault(rid, []).append(text)
        return out

    def save_records(self, conn: sqlite3.Connection, rows: Iterable[tuple[Any, ...]]) -> None:
        """rows: (kind, id, raw_hash, canonical_hash, edge_ids json, file, line)."""
        at = now()
        conn.executemany(
            "INSERT INTO records (kind, id, raw_hash, canonical_hash, edge_ids, file, line, "
            "loaded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (kind, id) DO UPDATE SET "
            "raw_hash=excluded.raw_hash, canonical_hash=excluded.canonical_hash, "
            "edge_ids=excluded.edge_ids, file=excluded.file, line=excluded.line, "
            "loaded_at=excluded.loaded_at",
            [(*row, at) for row in rows],
        )

    # -- quarantine ----------------------------------------------------------------------

    def quarantine(self, rejections: Sequence[Rejection]) -> None:
        """Keep rejected lines; the same line rejected again is one entry, seen again (its
        kind and id read again: an entry kept before they were read from broken lines gets
        them then)."""
        if not rejections:
            return
        at = now()
        with self.transaction() as conn:
            conn.executemany(
                "INSERT INTO quarantine (file, line, record_id, kind, code, reason, raw, raw_hash, "
                "first_seen, last_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (file, line, raw_hash) DO UPDATE SET last_seen=excluded.last_seen, "
                "record_id=excluded.record_id, kind=excluded.kind, "
                "code=excluded.code, reason=excluded.reason, resolved_at=NULL",
                [
                    (
                        r.file,
                        r.line,
                        r.record_id,
                        r.kind,
                        r.code,
                        r.reason,
                        r.raw,
                        digest(r.raw),
                        at,
                        at,
                    )
                    for r in rejections
                ],
            )

    def resolve_quarantined(
        self, conn: sqlite3.Connection, accepted: Iterable[tuple[str, str]]
    ) -> None:
        """A corrected record with the same kind and id was accepted: close its entries.

        A `duplicate_id` entry stays open: the record it duplicated being accepted is not a
        fix for the second line that reused the id."""
        at = now()  # once a batch: a load closes entries for every record it accepts
        conn.executemany(
            "UPDATE quarantine SET resolved_at = ? WHERE resolved_at IS NULL AND record_id = ? "
            "AND (kind = ? OR kind IS NULL) AND code != 'duplicate_id'",
            [(at, rid, kind) for kind, rid in accepted],
        )

    def quarantined(
        self, include_resolved: bool = False, limit: int | None = None, after: int = 0
    ) -> list[QuarantineEntry]:
        sql = (
            "SELECT seq, file, line, record_id, kind, code, reason, raw, first_seen, last_seen, "
            "resolved_at FROM quarantine WHERE seq > ?"
        )
        if not include_resolved:
            sql += " AND resolved_at IS NULL"
        sql += " ORDER BY seq"
        params: list[Any] = [after]
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        with self._lock:
            return [QuarantineEntry(*row) for row in self._conn.execute(sql, params)]

    # -- lines waiting for a forward reference ---------------------------------------------

    def waiting(self) -> dict[tuple[str, int], str]:
        """(file, line) -> raw hash of every line an unfinished load left waiting (few: a
        load that finishes leaves none)."""
        with self._lock:
            rows = self._conn.execute("SELECT file, line, raw_hash FROM waiting").fetchall()
        return {(f, n): h for f, n, h in rows}

    def save_waiting(
        self,
        conn: sqlite3.Connection,
        waits: Iterable[tuple[str, int, str]],
        settled: Iterable[tuple[str, int]],
    ) -> None:
        """Lines that wait (file, line, raw hash), and lines that no longer do."""
        conn.executemany("DELETE FROM waiting WHERE file = ? AND line = ?", list(settled))
        conn.executemany(
            "INSERT INTO waiting (file, line, raw_hash) VALUES (?, ?, ?) "
            "ON CONFLICT (file, line) DO UPDATE SET raw_hash=excluded.raw_hash",
            list(waits),
        )

    # -- mentions ------------------------------------------------------------------------

    def mention_decisions(self, keys: Sequence[str]) -> dict[str, MentionDecision]:
        return {
            key: MentionDecision(fp, pid, score)
            for key, fp, pid, score in self._select_in(
                "SELECT key, fingerprint, person_id, score FROM mentions WHERE key IN ({marks})",
                list(keys),
            )
        }

    def save_mention_decisions(self, decisions: dict[str, MentionDecision]) -> None:
        if not decisions:
            return
        at = now()
        with self.transaction() as conn:
            conn.executemany(
                "INSERT INTO mentions (key, fingerprint, person_id, score, decided_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET "
                "fingerprint=excluded.fingerprint, person_id=excluded.person_id, "
                "score=excluded.score, decided_at=excluded.decided_at",
                [(k, d.fingerprint, d.person_id, d.score, at) for k, d in decisions.items()],
            )

    # -- matching features ---------------------------------------------------------------

    def save_person_facts(self, conn: sqlite3.Connection, rows: Iterable[tuple[str, str]]) -> None:
        """Keep the features and mark the person for the next resolution run (in the same
        transaction, so a load killed before resolving leaves the work to be done)."""
        rows = list(rows)
        conn.executemany(
            "INSERT INTO person_facts (id, facts) VALUES (?, ?) "
            "ON CONFLICT (id) DO UPDATE SET facts=excluded.facts",
            rows,
        )
        conn.executemany(
            "INSERT OR IGNORE INTO unresolved (id) VALUES (?)", [(r[0],) for r in rows]
        )

    def unresolved(self) -> list[str]:
        with self._lock:
            return [r[0] for r in self._conn.execute("SELECT id FROM unresolved ORDER BY id")]

    def mark_resolved(self, conn: sqlite3.Connection, ids: Sequence[str]) -> None:
        conn.executemany("DELETE FROM unresolved WHERE id = ?", [(i,) for i in ids])

    def forget_persons(self, ids: Sequence[str]) -> None:
        """Person records that are gone from the graph (known only from material that was
        withdrawn or disposed of): their features, pending resolution, the mention
        decisions that made them and, when entity resolution keeps its tables here, their
        scored pairs, entity rows and the judgements naming them (with the reasons given:
        the record they were about is gone). The next re-cluster names entities afresh."""
        if not ids:
            return
        with self.transaction() as conn:
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
            for start in range(0, len(ids), CHUNK):
                chunk = list(ids[start : start + CHUNK])
                marks = ",".join("?" * len(chunk))
                conn.execute(f"DELETE FROM person_facts WHERE id IN ({marks})", chunk)
                conn.execute(f"DELETE FROM unresolved WHERE id IN ({marks})", chunk)
                conn.execute(f"DELETE FROM mentions WHERE person_id IN ({marks})", chunk)
                if "match_pairs" in tables:
                    conn.execute(
                        f"DELETE FROM match_pairs WHERE a IN ({marks}) OR b IN ({marks})",
                        [*chunk, *chunk],
                    )
                if "entities" in tables:
                    conn.execute(f"DELETE FROM entities WHERE person_id IN ({marks})", chunk)
                if "judgement_erasures" in tables:
                    # Judgements are append-only but for an erased record: the trigger lets
                    # a row go only while a person it names is listed here.
                    conn.executemany(
                        "INSERT OR IGNORE INTO judgement_erasures (person_id) VALUES (?)",
                        [(i,) for i in chunk],
                    )
                    conn.execute(
                        f"DELETE FROM judgements WHERE a IN ({marks}) OR b IN ({marks})",
                        [*chunk, *chunk],
                    )
                    conn.execute("DELETE FROM judgement_erasures")

    def scored_pairs_among(self, ids: Sequence[str]) -> list[tuple[str, str, float, str]]:
        """(a, b, score, outcome) of each pair entity resolution keeps (`match_pairs`, in
        `ingest.entities`) whose two records are both in `ids`, by pair: the links inside a
        few records' entity, without reading every pair kept."""
        wanted = sorted(set(ids))
        if len(wanted) < 2:
            return []
        rows = self._select_in(
            "SELECT a, b, score, outcome FROM match_pairs WHERE a IN ({marks})", wanted
        )
        keep = set(wanted)
        return sorted((a, b, s, o) for a, b, s, o in rows if b in keep)

    def person_fact_digests(self, conn: sqlite3.Connection | None = None) -> dict[str, bytes]:
        """A short digest of every person's stored facts, to tell later which records
        changed (digests, not the texts: a full resolve holds two of these at once): read
        through `conn` inside the caller's transaction, or on its own."""
        sql = "SELECT id, facts FROM person_facts"

        def digests(c: sqlite3.Connection) -> dict[str, bytes]:
            return {
                pid: hashlib.blake2b(facts.encode(), digest_size=16).digest()
                for pid, facts in c.execute(sql)
            }

        if conn is not None:
            return digests(conn)
        with self._lock:
            return digests(self._conn)

    def all_person_facts(self) -> Iterator[tuple[str, dict[str, Any]]]:
        with self._lock:
            rows = self._conn.execute("SELECT id, facts FROM person_facts ORDER BY id").fetchall()
        for pid, facts in rows:
            yield pid, json.loads(facts)

    def save_location_text(
        self, conn: sqlite3.Connection, rows: Iterable[tuple[str, str, str | None]]
    ) -> None:
        conn.executemany(
            "INSERT INTO location_text (id, address, postcode) VALUES (?, ?, ?) "
            "ON CONFLICT (id) DO UPDATE SET address=excluded.address, postcode=excluded.postcode",
            list(rows),
        )

    def location_text(self, ids: Sequence[str]) -> dict[str, tuple[str, str | None]]:
        return {
            lid: (address, postcode)
            for lid, address, postcode in self._select_in(
                "SELECT id, address, postcode FROM location_text WHERE id IN ({marks})", list(ids)
            )
        }

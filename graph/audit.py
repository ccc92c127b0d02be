"""The append-only, hash-chained audit log required by the Data Protection Act 2018 s62.

Every collection, alteration, consultation, disclosure, combination and erasure is written
here, with time, actor, purpose and (for disclosures) recipients, before the caller gets an
answer. Each entry carries the hash of the one before, so a changed, deleted or reordered
entry breaks the chain at that point and `verify` names it. SQLite triggers refuse UPDATE
and DELETE, so tampering needs deliberate access to the file, and is then detected.

Removing entries from the end of the log leaves a valid but shorter chain, and whoever can
write the file can recompute every hash after a change, or append entries, with the public
algorithm: to detect that, record `head()` somewhere else (a daily witness) and pass it to
`verify(expect_head=...)`, which checks that the chain still passes through it. Entries
after the last witnessed head are protected by the triggers and file access only.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import json
import queue
import sqlite3
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from graph.errors import StoreUnavailable
from graph.sqlite_files import open_sqlite

GENESIS = "0" * 64


class Operation(StrEnum):
    """The s62 processing operations that must be logged."""

    COLLECTION = "collection"
    ALTERATION = "alteration"
    CONSULTATION = "consultation"
    DISCLOSURE = "disclosure"
    COMBINATION = "combination"
    ERASURE = "erasure"


class AuditEvent(BaseModel):
    """What the caller asks to record; the log adds sequence, time and hashes."""

    operation: Operation
    actor: str
    role: str
    purpose: str | None = None
    action: str
    outcome: str = "ok"
    subjects: list[str] = Field(default_factory=list)  # persons (or records) concerned
    returned: list[str] = Field(default_factory=list)  # ids disclosed to the caller
    recipients: list[str] = Field(default_factory=list)  # for disclosures
    details: dict[str, Any] = Field(default_factory=dict)


class AuditEntry(AuditEvent):
    seq: int
    at: datetime
    prev_hash: str
    hash: str


class ChainReport(BaseModel):
    ok: bool
    entries: int
    first_broken: int | None = None
    reason: str | None = None


_CANONICAL_JSON = json.JSONEncoder(sort_keys=True, separators=(",", ":"), default=str)
"""Built once: `json.dumps` with these options builds an encoder on every call, which was a
fifth of writing an entry."""


def _canonical(body: dict[str, Any]) -> str:
    return _CANONICAL_JSON.encode(body)


def _chain(prev_hash: str, canonical: str) -> str:
    return hashlib.sha256(f"{prev_hash}|{canonical}".encode()).hexdigest()


def _entry_hash(prev_hash: str, body: dict[str, Any]) -> str:
    """The hash an entry must carry, given the one before it."""
    return _chain(prev_hash, _canonical(body))


Waiter = threading.Event | tuple[asyncio.AbstractEventLoop, "asyncio.Future[None]"]


@dataclass
class _Pending:
    """Entries one caller waits on in the group-commit queue."""

    events: list[AuditEvent]
    waiter: Waiter
    entries: list[AuditEntry] = field(default_factory=list)
    error: Exception | None = None

    def result(self) -> list[AuditEntry]:
        if self.error is not None:
            raise StoreUnavailable(
                f"the audit entry could not be written: {self.error}"
            ) from self.error
        return self.entries


def _entry(seq: int, prev: str, event: AuditEvent) -> tuple[AuditEntry, tuple[Any, ...]]:
    """The entry for `event` after `prev`, and its audit table row (its `audit_subject`
    rows are `_named(event)`)."""
    at = datetime.now(UTC)
    body = {"seq": seq, "at": at.isoformat(), **event.model_dump(mode="json")}
    canonical = _canonical(body)
    digest = _chain(prev, canonical)
    row = (seq, body["at"], event.actor, event.operation.value, canonical, prev, digest)
    # The event was validated when it was made: no need to validate it again. Its `__dict__`
    # holds every field (no extras are kept), and is several times cheaper than `dict(event)`.
    entry = AuditEntry.model_construct(
        **event.__dict__, seq=seq, at=at, prev_hash=prev, hash=digest
    )
    return entry, row


def _named(subjects: Sequence[Any], returned: Sequence[Any]) -> set[str]:
    """The ids the subject index holds for an entry: its subjects and returned ids (from
    the event, or from a stored body, which `verify` checks them against)."""
    return {i for i in (*subjects, *returned) if isinstance(i, str)}


def _listed(body: dict[str, Any]) -> set[str]:
    """`_named` for a stored entry's body."""
    lists = [body.get(k) for k in ("subjects", "returned")]
    return _named(*(v if isinstance(v, list) else [] for v in lists))


_AUDIT_COLUMNS = "seq, at, actor, operation, body, prev_hash, hash"
_ROWS_PER_INSERT = 30000 // 7  # SQLite allows 32766 parameters per statement


_SUBJECT_SQL = "INSERT OR IGNORE INTO audit_subject (subject, seq) VALUES (?, ?)"
"""One row a call, by `executemany`: a multi-row INSERT sized to each batch would be a new
prepared statement for almost every batch, and the sqlite3 module caches up to 128 of
them (a 200k-report load's peak RSS rose by 0.25 GiB)."""


@functools.lru_cache(maxsize=64)
def _insert_sql(rows: int) -> str:
    """A multi-row INSERT into `audit` for `rows` rows."""
    marks = ",".join(["(?,?,?,?,?,?,?)"] * rows)
    return f"INSERT INTO audit ({_AUDIT_COLUMNS}) VALUES {marks}"


def _wake(batch: list[_Pending]) -> None:
    """Release every caller of a written batch: one wake-up per event loop, not per caller."""
    by_loop: dict[asyncio.AbstractEventLoop, list[asyncio.Future[None]]] = {}
    for pending in batch:
        if isinstance(pending.waiter, threading.Event):
            pending.waiter.set()
        else:
            loop, future = pending.waiter
            by_loop.setdefault(loop, []).append(future)
    for loop, futures in by_loop.items():
        with contextlib.suppress(RuntimeError):  # that caller's loop has gone away
            loop.call_soon_threadsafe(_resolve_all, futures)


def _resolve_all(futures: list[asyncio.Future[None]]) -> None:
    for future in futures:
        if not future.done():
            future.set_result(None)


SCHEMA = """
CREATE TABLE IF NOT EXISTS audit (
    seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    operation TEXT NOT NULL,
    body TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_actor ON audit(actor, seq);
CREATE INDEX IF NOT EXISTS audit_operation ON audit(operation, seq);
CREATE TABLE IF NOT EXISTS audit_subject (
    subject TEXT NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (subject, seq)
) WITHOUT ROWID;
-- The subject index is written with each entry, in its transaction, from the event itself:
-- a trigger reading the body with json_each (as before) cut an id at a NUL character.
DROP TRIGGER IF EXISTS audit_subject_index;
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_subject_no_update BEFORE UPDATE ON audit_subject
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_subject_no_delete BEFORE DELETE ON audit_subject
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
"""


def as_utc(moment: datetime) -> datetime:
    """`moment` in UTC; one without an offset is taken to be UTC already (entries are timed
    in UTC), never the server's local time."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


class AuditLog:
    """The audit log in a SQLite file (WAL, synchronous=FULL): an entry is durable once
    `record` (or `await record_async`) returns. Safe across threads and across processes on
    one machine.

    Writes are group-committed, so many concurrent requests share one fsync while each
    caller still resumes only after its own entry is on disk: on an event loop, every
    entry made in one turn of the loop goes in one INSERT at the start of the next turn;
    from threads, one writer thread commits whatever has queued up.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._conn = open_sqlite(self.path, "the audit log")
        self._lock = threading.Lock()  # the connection
        self._conn.execute("PRAGMA synchronous=FULL")
        self._conn.executescript(SCHEMA)
        self._head: tuple[int, str] | None = None  # (seq, hash) after this log's last write
        self._queue: queue.SimpleQueue[_Pending | None] = queue.SimpleQueue()
        self._writer = threading.Thread(target=self._write_loop, name="audit-writer", daemon=True)
        self._writer.start()
        # Entries awaiting the next group commit, per event loop (`record_async`).
        self._loop_batches: dict[asyncio.AbstractEventLoop, list[_Pending]] = {}

    def close(self) -> None:
        """Finish every queued write, then close."""
        if self._writer.is_alive():
            self._queue.put(None)
            self._writer.join()
        with self._lock:
            self._conn.close()

    def record(self, event: AuditEvent) -> AuditEntry:
        """Append one entry and return it once durable. Raises if it cannot be written."""
        return self.record_many([event])[0]

    def record_many(self, events: Sequence[AuditEvent]) -> list[AuditEntry]:
        """Append entries (in order, together) and return them once durable."""
        done = threading.Event()
        pending = _Pending(list(events), waiter=done)
        self._submit(pending)
        done.wait()
        return pending.result()

    async def record_async(self, event: AuditEvent) -> AuditEntry:
        """As `record`, for request handlers on an event loop. Entries made during one turn
        of the loop are written together by `_flush_loop_batch` at the start of the next."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        pending = _Pending([event], waiter=(loop, future))
        self._ensure_open()
        batch = self._loop_batches.setdefault(loop, [])
        batch.append(pending)
        if len(batch) == 1:
            loop.call_soon(self._flush_loop_batch, loop)
        await future
        return pending.result()[0]

    def _flush_loop_batch(self, loop: asyncio.AbstractEventLoop) -> None:
        """Group commit on the loop itself: one INSERT and one fsync (~1 ms here) for every
        entry made in the last turn, then each caller resumes. Handing the batch to the
        writer thread instead costs two thread wake-ups and GIL hand-offs a batch, which
        measured ~30% more server CPU a person read (bench_api_load, bench/RESULTS.md)."""
        batch = self._loop_batches.pop(loop, [])
        self._write(batch)
        for pending in batch:
            if isinstance(pending.waiter, tuple) and not pending.waiter[1].done():
                pending.waiter[1].set_result(None)

    def _ensure_open(self) -> None:
        if not self._writer.is_alive():
            raise StoreUnavailable("the audit log is closed")

    def _submit(self, pending: _Pending) -> None:
        self._ensure_open()
        self._queue.put(pending)

    def _write_loop(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            stop = False
            while len(batch) < 1000:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    stop = True
                    break
                batch.append(more)
            self._write(batch)
            _wake(batch)
            if stop:
                return

    def _write(self, batch: list[_Pending]) -> None:
        """Write every queued entry in one transaction; all of them or none.

        Each SQLite call releases and re-takes the GIL, and under load every re-take waits
        for the request threads, so a batch is a few calls whatever its size: the head of
        the chain is remembered from the last write, and the entries and their
        `audit_subject` rows go in as one multi-row INSERT each. If another process
        appended meanwhile, the first `seq` is taken and the INSERT fails as a whole; the
        batch is then rebuilt on the head read inside the transaction, which holds the
        write lock.
        """
        events = [event for pending in batch for event in pending.events]
        if not events:
            return
        try:
            with self._lock:
                conn = self._conn
                conn.execute("BEGIN IMMEDIATE")
                try:
                    written = None
                    if self._head is not None:
                        with contextlib.suppress(sqlite3.IntegrityError):
                            written = self._append(self._head, events)
                    if written is None:
                        written = self._append(self._read_head(), events)
                    conn.execute("COMMIT")
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
        except Exception as exc:  # every caller in the batch learns it failed
            self._head = None
            for pending in batch:
                pending.entries, pending.error = [], exc
            return
        self._head = (written[-1].seq, written[-1].hash)
        it = iter(written)
        for pending in batch:
            pending.entries = [next(it) for _ in pending.events]

    def _read_head(self) -> tuple[int, str]:
        row = self._conn.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
        return (row[0], row[1]) if row else (0, GENESIS)

    def _append(self, head: tuple[int, str], events: list[AuditEvent]) -> list[AuditEntry]:
        """Insert `events` after `head`, and their subject index rows, with as few
        statements as the parameter limit allows, inside the caller's transaction."""
        seq, prev = head
        entries, rows, named = [], [], []
        for event in events:
            seq += 1
            entry, row = _entry(seq, prev, event)
            entries.append(entry)
            rows.append(row)
            named += [(i, seq) for i in sorted(_named(event.subjects, event.returned))]
            prev = entry.hash
        for i in range(0, len(rows), _ROWS_PER_INSERT):
            chunk = rows[i : i + _ROWS_PER_INSERT]
            self._conn.execute(_insert_sql(len(chunk)), [v for r in chunk for v in r])
        self._conn.executemany(_SUBJECT_SQL, named)
        return entries

    def query(
        self,
        *,
        subject: str | None = None,
        actor: str | None = None,
        operation: Operation | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        after_seq: int = 0,
        limit: int = 100,
    ) -> list[AuditEntry]:
        """Entries matching every given criterion, oldest first, from `after_seq` on."""
        where, params = ["a.seq > ?"], list[object]([after_seq])
        join = ""
        if subject is not None:
            join = "JOIN audit_subject s ON s.seq = a.seq AND s.subject = ?"
            params.insert(0, subject)
        if actor is not None:
            where.append("a.actor = ?")
            params.append(actor)
        if operation is not None:
            where.append("a.operation = ?")
            params.append(operation.value)
        if since is not None:
            where.append("a.at >= ?")
            params.append(as_utc(since).isoformat())
        if until is not None:
            where.append("a.at <= ?")
            params.append(as_utc(until).isoformat())
        sql = (
            f"SELECT a.body, a.prev_hash, a.hash FROM audit a {join} "
            f"WHERE {' AND '.join(where)} ORDER BY a.seq LIMIT ?"
        )
        with self._lock:
            rows = self._conn.execute(sql, [*params, limit]).fetchall()
        return [AuditEntry(**json.loads(body), prev_hash=p, hash=h) for body, p, h in rows]

    def count(self, operation: Operation | None = None) -> int:
        sql, params = "SELECT count(*) FROM audit", []
        if operation is not None:
            sql, params = sql + " WHERE operation = ?", [operation.value]
        with self._lock:
            (n,) = self._conn.execute(sql, params).fetchone()
        return int(n)

    def head(self) -> tuple[int, str]:
        """(last seq, its hash): record it elsewhere to detect truncation later."""
        with self._lock:
            row = self._conn.execute(
                "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1"
            ).fetchone()
        return (row[0], row[1]) if row else (0, GENESIS)

    def _snapshot(self) -> tuple[list[tuple[Any, ...]], dict[int, set[str]]]:
        """Every row in storage order, and the `audit_subject` rows by entry, read in one
        transaction so both describe the same log."""
        with self._lock:
            self._conn.execute("BEGIN")
            try:
                rows = self._conn.execute(
                    "SELECT seq, at, actor, operation, body, prev_hash, hash "
                    "FROM audit ORDER BY rowid"
                ).fetchall()
                index: dict[int, set[str]] = {}
                for subject, seq in self._conn.execute("SELECT subject, seq FROM audit_subject"):
                    index.setdefault(seq, set()).add(subject)
            finally:
                self._conn.execute("COMMIT")
        return rows, index

    def verify(self, expect_head: tuple[int, str] | None = None) -> ChainReport:
        """Recompute the chain in storage order and name the first entry that breaks it.

        Besides each entry's hash, the columns queries filter on (actor, operation, time)
        must repeat the entry, and the subject index must hold exactly its subjects and
        returned ids: otherwise a query could miss an entry that still verifies. With
        `expect_head` (a `head()` recorded earlier), the chain must pass through it."""
        rows, index = self._snapshot()
        prev, expected_seq, count = GENESIS, 1, 0
        witnessed: str | None = None
        index_broken: int | None = None
        for seq, at, actor, operation, body, prev_hash, digest in rows:
            count += 1

            def broken(reason: str, seq: int = seq, count: int = count) -> ChainReport:
                return ChainReport(ok=False, entries=count, first_broken=seq, reason=reason)

            try:
                parsed = json.loads(body)
            except json.JSONDecodeError:
                return broken("unreadable")
            if not isinstance(parsed, dict):
                return broken("unreadable")
            if seq != expected_seq or parsed.get("seq") != seq:
                return broken(f"expected entry {expected_seq} here (missing or moved entries)")
            if prev_hash != prev:
                return broken("does not follow the entry before it")
            if _entry_hash(prev, parsed) != digest:
                return broken("content was altered")
            if (at, actor, operation) != (
                parsed.get("at"),
                parsed.get("actor"),
                parsed.get("operation"),
            ):
                return broken("its time, actor or operation column was altered")
            if expect_head is not None and seq == expect_head[0]:
                witnessed = digest
            if index.pop(seq, set()) != _listed(parsed) and index_broken is None:
                index_broken = seq
            prev, expected_seq = digest, expected_seq + 1
        if index:  # index rows naming entries the log does not hold
            index_broken = min(index_broken or min(index), min(index))
        if index_broken is not None:
            reason = (
                "the subject index names this entry, which is missing (deleted entries)"
                if index_broken >= expected_seq
                else "the subject index does not match the entry"
            )
            return ChainReport(ok=False, entries=count, first_broken=index_broken, reason=reason)
        if expect_head is not None and expect_head != (0, GENESIS):
            seq, digest = expect_head
            if witnessed is None:
                return ChainReport(
                    ok=False,
                    entries=count,
                    first_broken=seq,
                    reason="the log ends before the witnessed head (truncated)",
                )
            if witnessed != digest:
                return ChainReport(
                    ok=False,
                    entries=count,
                    first_broken=seq,
                    reason="the entry differs from the witnessed head (the log was rewritten)",
                )
        return ChainReport(ok=True, entries=count)

"""Opening the SQLite files Mosaic keeps (graph store, accounts, audit log) the same way."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from graph.errors import StoreUnavailable


def open_sqlite(path: Path, what: str, *pragmas: str) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit), usable from any thread
    under the caller's lock, with `pragmas` applied before WAL mode is switched on.

    Raises `StoreUnavailable` naming `what` when the file cannot be opened.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
        for pragma in pragmas:
            conn.execute(f"PRAGMA {pragma}")
        conn.execute("PRAGMA journal_mode=WAL")
    except (OSError, sqlite3.Error) as exc:
        raise StoreUnavailable(f"cannot open {what} at {path}: {exc}") from exc
    return conn


@contextmanager
def write_transaction(
    conn: sqlite3.Connection, lock: threading.Lock | threading.RLock
) -> Iterator[sqlite3.Connection]:
    """One all-or-nothing write: `BEGIN IMMEDIATE` takes SQLite's write lock up front, so a
    second process waits instead of failing half-way; rolled back on any exception."""
    with lock:
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")


def append_only(table: str, what: str) -> str:
    """Triggers that make `table` refuse updates and deletes: decisions, reviews and
    restrictions are followed by new rows, never rewritten."""
    return "".join(
        f"CREATE TRIGGER IF NOT EXISTS {table}_no_{op.lower()} BEFORE {op} ON {table}\n"
        f"BEGIN SELECT RAISE(ABORT, '{what} are append-only'); END;\n"
        for op in ("UPDATE", "DELETE")
    )


class AppendOnlyStore:
    """A set of append-only governance tables in one SQLite file, behind one lock."""

    def __init__(self, path: Path, what: str, schema: str) -> None:
        self._lock = threading.RLock()
        self._conn = open_sqlite(path, what)
        self._conn.executescript(schema)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    @staticmethod
    def _next_seq(conn: sqlite3.Connection, table: str, column: str = "seq") -> int:
        row = conn.execute(f"SELECT coalesce(max({column}), 0) + 1 FROM {table}").fetchone()
        return int(row[0])

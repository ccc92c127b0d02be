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

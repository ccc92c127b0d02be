"""SQLite lock probes for the tests of writers in different processes."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def write_lock_is_free(path: Path) -> bool:
    """Whether another connection could start writing to `path` at once (no waiting)."""
    probe = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        probe.execute("BEGIN IMMEDIATE")
        probe.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError as exc:
        assert "locked" in str(exc)
        return False
    finally:
        probe.close()

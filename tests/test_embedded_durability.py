"""A process killed with SIGKILL mid-batch leaves every committed batch and no half batch."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from graph.stores.sqlite import SqliteGraphStore
from tests.support.batch_writer import BATCH_NODES

ROOT = Path(__file__).resolve().parents[1]


def _batches_present(path: Path) -> dict[int, tuple[int, int]]:
    """Per batch number: (nodes, edges) found in the file, read with plain sqlite3."""
    conn = sqlite3.connect(path)
    try:
        found: dict[int, list[int]] = {}
        for (node_id,) in conn.execute("SELECT id FROM nodes"):
            found.setdefault(int(node_id[1:].split("-")[0]), [0, 0])[0] += 1
        for (edge_id,) in conn.execute("SELECT id FROM edges"):
            found.setdefault(int(edge_id[1:].split("-")[0]), [0, 0])[1] += 1
        (check,) = conn.execute("PRAGMA integrity_check").fetchone()
        assert check == "ok"
    finally:
        conn.close()
    return {k: (v[0], v[1]) for k, v in found.items()}


def _run_and_kill(path: Path, first: int, rng: random.Random) -> tuple[int, bool]:
    """Run the writer, kill it partway through a batch's transaction.

    Returns the last batch it reported committed and whether the kill landed after a
    `begin` with no `committed` (inside the write).
    """
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.support.batch_writer", str(path), str(first)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert child.stdout is not None
    last, began, write_time = -1, 0.0, 0.0
    wanted = rng.randint(2, 4)
    for line in child.stdout:
        word, number = line.split()
        if word == "begin":
            began = time.monotonic()
            if int(number) - first >= wanted:
                # Kill inside this batch's write, using the measured write time.
                time.sleep(rng.uniform(0.1, 0.6) * write_time)
                child.send_signal(signal.SIGKILL)
                break
        else:
            last = int(number)
            write_time = time.monotonic() - began
    child.wait(timeout=30)
    mid_write = True
    for line in child.stdout:  # anything it managed to say before dying
        word, number = line.split()
        if word == "committed":
            last, mid_write = int(number), False
    return last, mid_write


def test_sigkill_mid_batch_keeps_committed_and_drops_partial(tmp_path: Path) -> None:
    path = tmp_path / "kill.db"
    SqliteGraphStore(path).close()
    rng = random.Random(11)
    next_batch, kills_mid_write = 0, 0
    for _round in range(4):
        last, mid_write = _run_and_kill(path, next_batch, rng)
        kills_mid_write += mid_write
        present = _batches_present(path)
        complete = {i for i, counts in present.items() if counts == (BATCH_NODES, BATCH_NODES - 1)}
        assert set(present) == complete, f"partial batch found: {present}"
        assert complete == set(range(max(complete) + 1))
        assert max(complete) >= last  # nothing committed was lost
        next_batch = max(complete) + 1
    assert kills_mid_write >= 1, "no kill landed inside a write transaction"
    with SqliteGraphStore(path) as store:  # the store reopens and resumes
        assert store.counts().nodes["Person"] == next_batch * BATCH_NODES

"""Child process for the ingest kill test: loads a file and is killed part-way through.

`python -m tests.support.ingest_runner TARGET STATE FILE KILL_AFTER DELAY` loads FILE into
TARGET (an embedded store file, or a bolt:// URI) with 40-line batches; after batch
KILL_AFTER it SIGKILLs itself DELAY seconds later, somewhere inside the next batch.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from pathlib import Path

from graph.store import GraphStore
from graph.stores.neo4j import Neo4jGraphStore
from graph.stores.sqlite import SqliteGraphStore
from ingest.loader import Actor, LoadSummary
from ingest.pipeline import ingest
from ingest.reader import read_lines
from ingest.state import IngestState


def open_target(target: str) -> GraphStore:
    if target.startswith("bolt://"):
        return Neo4jGraphStore.connect(target)
    return SqliteGraphStore(Path(target), synchronous="FULL")


def main() -> None:
    target, state_path, data, kill_after, delay = sys.argv[1:6]
    batches = 0

    def progress(_: LoadSummary) -> None:
        nonlocal batches
        batches += 1
        print(f"batch {batches}", flush=True)
        if batches == int(kill_after):
            timer = threading.Timer(float(delay), os.kill, (os.getpid(), signal.SIGKILL))
            timer.daemon = True
            timer.start()

    store = open_target(target)
    with IngestState(Path(state_path)) as state:
        ingest(
            store,
            state,
            [read_lines(Path(data))],
            actor=Actor("test:kill", "admin"),
            audit=None,
            batch_size=40,
            progress=progress,
        )
    print("finished", flush=True)


if __name__ == "__main__":
    main()

"""A load killed half-way and restarted ends in the same state as one uninterrupted load,
on both backends (real processes, real SIGKILL)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from neo4j import Driver

from graph.store import GraphStore
from graph.stores.neo4j import Neo4jGraphStore
from graph.stores.sqlite import SqliteGraphStore
from ingest.entities import Resolution
from ingest.loader import Actor
from ingest.pipeline import ingest
from ingest.reader import read_lines
from ingest.state import IngestState
from tests import wire as w
from tests.conftest import wipe
from tests.snapshots import snapshot

ROOT = Path(__file__).resolve().parents[1]


def _killed_run(target: str, state: Path, data: Path, kill_after: int, delay: float) -> bool:
    """Run the loader in a child and let it kill itself; True if it died before finishing."""
    child = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.support.ingest_runner",
            target,
            str(state),
            str(data),
            str(kill_after),
            str(delay),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=300,
    )
    batches = [line for line in child.stdout.splitlines() if line.startswith("batch")]
    assert len(batches) >= kill_after, child.stderr
    return child.returncode == -9 and "finished" not in child.stdout


def _finish(store: GraphStore, state_path: Path, data: Path) -> tuple[int, int]:
    """Load to the end (with mention matching and entity resolution, as in production)."""
    with IngestState(state_path) as state:
        outcome = ingest(
            store,
            state,
            [read_lines(data)],
            actor=Actor("test:resume", "admin"),
            audit=None,
            batch_size=40,
        )
    summary = outcome.load
    return summary.lines_read, summary.accepted + summary.quarantined


def _entities(state_path: Path) -> dict[str, str]:
    with IngestState(state_path) as state:
        return Resolution(state).entity_map()


@pytest.mark.parametrize("delay", [0.0, 0.02, 0.08])
def test_embedded_kill_and_resume_equals_uninterrupted(tmp_path: Path, delay: float) -> None:
    data = w.write(tmp_path / "world.jsonl", w.small_world())
    killed_db, clean_db = tmp_path / "killed.db", tmp_path / "clean.db"
    assert _killed_run(str(killed_db), tmp_path / "killed-state.db", data, 3, delay)
    with SqliteGraphStore(killed_db) as killed, SqliteGraphStore(clean_db) as clean:
        read, landed = _finish(killed, tmp_path / "killed-state.db", data)
        assert read == landed
        _finish(clean, tmp_path / "clean-state.db", data)
        expected = snapshot(clean)
        assert len(expected) > 500
        assert snapshot(killed) == expected
    assert _entities(tmp_path / "killed-state.db") == _entities(tmp_path / "clean-state.db")


@pytest.mark.neo4j
def test_neo4j_kill_and_resume_equals_uninterrupted(
    tmp_path: Path, neo4j_uri: str, neo4j_driver: Driver
) -> None:
    data = w.write(tmp_path / "world.jsonl", w.small_world())
    wipe(neo4j_driver)
    assert _killed_run(neo4j_uri, tmp_path / "killed-state.db", data, 3, 0.05)
    store = Neo4jGraphStore(neo4j_driver, owns_driver=False)
    _finish(store, tmp_path / "killed-state.db", data)
    resumed = snapshot(store)
    wipe(neo4j_driver)
    _finish(store, tmp_path / "clean-state.db", data)
    assert len(resumed) > 500
    assert snapshot(store) == resumed
    assert _entities(tmp_path / "killed-state.db") == _entities(tmp_path / "clean-state.db")


def test_snapshot_sees_a_difference(tmp_path: Path) -> None:
    """The equality above would be vacuous if snapshots could not differ."""
    data = w.write(tmp_path / "world.jsonl", w.small_world())
    short = w.write(tmp_path / "short.jsonl", w.small_world()[:-5])
    with SqliteGraphStore(tmp_path / "a.db") as a, SqliteGraphStore(tmp_path / "b.db") as b:
        _finish(a, tmp_path / "a-state.db", data)
        _finish(b, tmp_path / "b-state.db", short)
        assert snapshot(a) != snapshot(b)

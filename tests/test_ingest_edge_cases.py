"""Edge cases of the ingest invariants (docs/ingest.md), found by review.

Every test runs real loads against the embedded store in tmp_path and compares the final
state with what the promised invariant says it must be (usually: the same records loaded
straight into an empty store). A test marked `xfail(strict=True)` is a known gap, listed
under "Known gaps" in docs/ingest.md: it fails today and will report itself (XPASS, a
failure) once fixed, so the mark is removed with the fix.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

from graph.audit import AuditLog, Operation
from graph.stores.sqlite import SqliteGraphStore
from ingest.loader import Actor, Loader, LoadSummary
from ingest.pipeline import ingest
from ingest.reader import read_lines
from ingest.state import IngestState
from tests import wire as w
from tests.snapshots import snapshot

ROOT = Path(__file__).resolve().parents[1]


class World:
    """One embedded store, its ingest state and audit log, loaded like `mosaic ingest`."""

    def __init__(self, root: Path) -> None:
        root.mkdir(parents=True, exist_ok=True)
        self.root = root
        self.store = SqliteGraphStore(root / "mosaic.db", synchronous="NORMAL")
        self.state = IngestState(root / "ingest.db")
        self.audit = AuditLog(root / "governance.db")
        self.loads = 0

    def load(
        self, records: Iterable[w.Record | str], name: str | None = None, batch_size: int = 2000
    ) -> LoadSummary:
        self.loads += 1
        name = name or f"load{self.loads}.jsonl"
        path = w.write(self.root / name, list(records))
        loader = Loader(
            self.store,
            self.state,
            actor=Actor("test:review", "admin"),
            audit=self.audit,
            batch_size=batch_size,
        )
        return loader.load([read_lines(path, name)])

    def close(self) -> None:
        self.store.close()
        self.state.close()
        self.audit.close()


def _partner(a: str = "P1", b: str = "P2") -> list[w.Record]:
    return [{"a": w.ref(a), "b": w.ref(b), "type": "partner", "note": None}]


# -- invariant 3: a changed record withdraws exactly the claims it no longer makes ---------


def test_withdrawn_support_no_longer_restricts_the_edge_marking(tmp_path: Path) -> None:
    """R1 (OFFICIAL-SENSITIVE) and R2 (OFFICIAL) support one partner edge; R1 is changed
    to drop the claim. Only R2 supports the edge now, so it must be marked as R2 alone
    would mark it (as a straight load of the final records does); it stays
    OFFICIAL-SENSITIVE, inherited from the withdrawn support."""
    people = [w.person("P1"), w.person("P2", "Bryony", "Tull")]
    r1 = w.report("R1", associations=_partner())
    r2 = w.report("R2", associations=_partner(), classification="OFFICIAL")
    r1_changed = {**r1, "associations": []}

    updated, fresh = World(tmp_path / "updated"), World(tmp_path / "fresh")
    updated.load([*people, r1, r2])
    assert updated.load([*people, r1_changed, r2]).updated == 1
    fresh.load([*people, r1_changed, r2])

    edge = updated.store.get_edge("ASSOCIATED_WITH:P1:P2:partner")
    assert edge is not None and edge.report_ids == ["R2"]
    assert edge.marking.classification == "OFFICIAL"
    assert snapshot(updated.store) == snapshot(fresh.store)


def test_changed_source_system_withdraws_the_old_address_claim(tmp_path: Path) -> None:
    """A person record moves from L1 to L2 and its source_system is corrected. The claim
    'P1 resides at L1' is no longer made by anyone, but it survives, still supported by
    the record's old identity (the retraction uses the record's new source_system)."""
    places = [w.location("L1"), w.location("L2", "2 Other Street")]
    before = w.person("P1", at="L1")
    after = w.person("P1", at="L2", source_system="pnc")

    updated, fresh = World(tmp_path / "updated"), World(tmp_path / "fresh")
    updated.load([*places, before])
    assert updated.load([*places, after]).updated == 1
    fresh.load([*places, after])

    assert updated.store.get_edge("RESIDES_AT:P1:L1:2025-01-01") is None
    assert snapshot(updated.store) == snapshot(fresh.store)


def test_changed_association_record_does_not_support_its_claim_twice(tmp_path: Path) -> None:
    """An association record's source_system is corrected: the edge ends up with two
    supports (old and new system) from the one record."""
    people = [w.person("P1"), w.person("P2", "Bryony", "Tull")]
    updated = World(tmp_path / "updated")
    updated.load([*people, w.association("A1", "P1", "P2")])
    updated.load([*people, w.association("A1", "P1", "P2", source_system="pnc")])

    edge = updated.store.get_edge("ASSOCIATED_WITH:P1:P2:associate")
    assert edge is not None
    assert [(s.source_system, s.source_record_id) for s in edge.provenance.supports] == [
        ("pnc", "A1")
    ]


def test_mention_dropped_from_a_report_leaves_no_person_behind(tmp_path: Path) -> None:
    """A report's only mention is removed. The person that mention made (MEN-R1-0, known
    only from this report) goes, as in a straight load of the changed report, with its
    matching features, and the alteration entry names it."""
    mention = {
        "name": {"given": "Fen", "family": "Oakes"},
        "dob": None,
        "address": None,
        "postcode": None,
    }
    before = w.report("R1", mentions=[mention])
    after = {**before, "mentions": []}

    updated, fresh = World(tmp_path / "updated"), World(tmp_path / "fresh")
    updated.load([before])
    assert updated.load([after]).updated == 1
    fresh.load([after])

    assert updated.store.get_node("MEN-R1-0") is None
    assert snapshot(updated.store) == snapshot(fresh.store)
    assert "MEN-R1-0" not in dict(updated.state.all_person_facts())
    [altered] = updated.audit.query(operation=Operation.ALTERATION)
    assert altered.subjects == ["R1"] and altered.details["persons_removed"] == ["MEN-R1-0"]


# -- invariant 2: loading the same record again changes nothing ----------------------------


def test_key_order_of_unknown_fields_is_not_a_change(tmp_path: Path) -> None:
    """docs/ingest.md: key order does not count as a change. For unknown fields (kept in
    `extra`) it does: the record is 'updated' and an alteration is audited."""
    base = w.person("P1")
    first = json.dumps({**base, "team": "north", "unit": "7"})
    reordered = json.dumps({**base, "unit": "7", "team": "north"})

    world = World(tmp_path / "w")
    world.load([first])
    entries = world.audit.count()
    again = world.load([reordered])
    assert (again.updated, again.unchanged) == (0, 1)
    assert world.audit.query(operation=Operation.ALTERATION) == []
    assert world.audit.count() == entries


# -- invariant 4: a fixed, re-submitted line is no longer listed as quarantined -------------


def test_fix_that_restores_the_accepted_version_clears_the_quarantine(tmp_path: Path) -> None:
    """P1 was loaded; a later feed sends a broken P1 (quarantined). The fix re-sends P1 as
    it should be, identical to the accepted version: it loads ('unchanged') but the
    quarantine entry stays open, because only created/updated records resolve entries."""
    world = World(tmp_path / "w")
    world.load([w.person("P1")])
    world.load([w.person("P1", dob="1980-02-30")])
    (entry,) = world.state.quarantined()
    assert entry.record_id == "P1"

    fixed = json.loads(entry.raw) | {"dob": w.person("P1")["dob"]}
    summary = world.load([fixed], name="fix.jsonl")
    assert summary.accepted == 1 and summary.quarantined == 0
    assert world.state.quarantined() == []


def test_fixed_broken_json_line_clears_the_quarantine(tmp_path: Path) -> None:
    """A line that was not valid JSON is exported, corrected and re-ingested (the
    documented fix-and-resubmit workflow), from another file. Entries are closed by record
    id, so the entry keeps the kind and id read from the line up to the break; without
    them nothing would ever close it and it would be listed as quarantined forever."""
    world = World(tmp_path / "w")
    world.load(['{"kind": "location", "id": "L1", "address": "1 Test Street"'])
    (entry,) = world.state.quarantined()
    assert (entry.code, entry.kind, entry.record_id) == ("broken_json", "location", "L1")

    summary = world.load([entry.raw + "}"], name="fix.jsonl")
    assert summary.created == 1
    assert world.state.quarantined() == []


# -- invariant 5: a killed and restarted load ends as an uninterrupted one ------------------


def _finish(db: Path, state_path: Path, data: Path) -> dict[str, str]:
    with SqliteGraphStore(db) as store, IngestState(state_path) as state:
        ingest(
            store,
            state,
            [read_lines(data)],
            actor=Actor("test:resume", "admin"),
            audit=None,
            batch_size=40,
        )
        return snapshot(store)


def test_resume_after_a_kill_matches_mentions_as_the_uninterrupted_load(tmp_path: Path) -> None:
    """R1 (line 1) names P1 (line 41, batch 2) and mentions 'Fenella Oakeshott' (DOB given);
    R2 near the end mentions her too. Uninterrupted, R1 waits for the end of the load, so
    R2's mention makes the person and R1's matches it. Killed after batch 2 and run again,
    R1 could resolve at once (P1 is known by then) and be matched first, the mention
    persons and MENTIONS edges coming out the other way round; the waiting line is kept
    with the ingest state, so R1 waits again and the order is the uninterrupted one."""
    mention = {
        "name": {"given": "Fenella", "family": "Oakeshott"},
        "dob": "1990-04-07",
        "address": None,
        "postcode": None,
    }
    filler = [w.location(f"L{i}", f"{i} Filler Road") for i in range(400)]
    records = [
        w.report("R1", subjects=[w.ref("P1")], mentions=[mention]),
        *filler[:39],
        w.person("P1"),
        *filler[39:],
        w.report("R2", mentions=[mention]),
    ]
    data = w.write(tmp_path / "world.jsonl", records)
    killed_db, killed_state = tmp_path / "killed.db", tmp_path / "killed-state.db"
    child = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.support.ingest_runner",
            str(killed_db),
            str(killed_state),
            str(data),
            "2",
            "0",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=300,
    )
    assert child.returncode == -9 and "finished" not in child.stdout, child.stderr
    with IngestState(killed_state) as state:
        assert list(state.waiting()) == [(str(data), 1)]

    resumed = _finish(killed_db, killed_state, data)
    with IngestState(killed_state) as state:
        assert state.waiting() == {}  # a finished load leaves no line waiting
    clean = _finish(tmp_path / "clean.db", tmp_path / "clean-state.db", data)
    assert {k for k in resumed if "MEN-" in k} == {k for k in clean if "MEN-" in k}
    assert resumed == clean


# -- invariant 7: the same file ends in the same graph however it is batched ---------------


def test_duplicate_id_outcome_does_not_depend_on_batch_size(tmp_path: Path) -> None:
    """Line 1 declares P1 (living at L9, defined on line 3); line 2 reuses the id. In one
    batch line 1 wins and line 2 is the duplicate. With smaller batches (or the same file
    past MOSAIC_INGEST_BATCH_SIZE lines) line 1 waits for L9, line 2 is accepted, and
    line 1 is quarantined as a duplicate 'first at ... line 2'."""
    records = [w.person("P1", at="L9"), w.person("P1", dob="1990-01-01"), w.location("L9")]
    one_batch, small_batches = World(tmp_path / "one"), World(tmp_path / "small")
    a = one_batch.load(records, name="people.jsonl", batch_size=2000)
    b = small_batches.load(records, name="people.jsonl", batch_size=1)

    assert [(r.line, r.code) for r in a.rejections] == [(2, "duplicate_id")]
    assert [(r.line, r.code) for r in b.rejections] == [(2, "duplicate_id")]
    assert snapshot(small_batches.store) == snapshot(one_batch.store)

"""The s62 audit log: append-only, hash-chained, and any tampering is named by verify."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.accounts import AccountStore
from api.app import create_app
from api.cli import app as cli
from graph.access import Role
from graph.audit import AuditEvent, AuditLog, Operation, _canonical
from graph.config import Settings
from graph.stores.sqlite import SqliteGraphStore
from tests import scenario as sc
from tests.support.api_env import sample_event


@pytest.fixture
def log(tmp_path: Path) -> AuditLog:
    audit = AuditLog(tmp_path / "audit.db")
    audit.record_many([sample_event(i) for i in range(1, 11)])
    return audit


def _raw(log: AuditLog) -> sqlite3.Connection:
    conn = sqlite3.connect(log.path, isolation_level=None)
    conn.execute("DROP TRIGGER audit_no_update")
    conn.execute("DROP TRIGGER audit_no_delete")
    return conn


def test_chain_is_intact_and_queryable(log: AuditLog) -> None:
    assert log.verify().ok and log.verify().entries == 10
    assert [e.seq for e in log.query(subject="P4")] == [4]
    assert [e.seq for e in log.query(actor="user1")] == [1, 4, 7, 10]
    assert [e.seq for e in log.query(actor="user1", after_seq=4, limit=2)] == [7, 10]
    assert log.count(Operation.CONSULTATION) == 10 and log.count(Operation.ERASURE) == 0
    first = log.query(limit=1)[0]
    assert (
        first.prev_hash == "0" * 64 and log.query(after_seq=1, limit=1)[0].prev_hash == first.hash
    )


def test_updates_and_deletes_are_refused(log: AuditLog) -> None:
    conn = sqlite3.connect(log.path)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("UPDATE audit SET actor = 'x' WHERE seq = 3")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("DELETE FROM audit WHERE seq = 3")


def test_changed_entry_is_named(log: AuditLog) -> None:
    conn = _raw(log)
    (body,) = conn.execute("SELECT body FROM audit WHERE seq = 6").fetchone()
    changed = json.loads(body) | {"actor": "someone_else"}
    conn.execute("UPDATE audit SET body = ? WHERE seq = 6", (json.dumps(changed),))
    report = log.verify()
    assert not report.ok and report.first_broken == 6 and report.reason == "content was altered"


def test_deleted_entry_is_named(log: AuditLog) -> None:
    _raw(log).execute("DELETE FROM audit WHERE seq = 4")
    report = log.verify()
    assert not report.ok and report.first_broken == 5


def test_reordered_entries_are_named(log: AuditLog) -> None:
    conn = _raw(log)
    rows = {s: r for s, *r in conn.execute("SELECT seq, body, prev_hash, hash FROM audit")}
    for seq, other in ((3, 8), (8, 3)):
        conn.execute(
            "UPDATE audit SET body = ?, prev_hash = ?, hash = ? WHERE seq = ?",
            (*rows[other], seq),
        )
    report = log.verify()
    assert not report.ok and report.first_broken == 3


def test_rehashed_forgery_breaks_the_next_link(log: AuditLog) -> None:
    """Rewriting an entry and its own hash still breaks the link to the entry after it."""
    from graph.audit import _entry_hash

    conn = _raw(log)
    body, prev = conn.execute("SELECT body, prev_hash FROM audit WHERE seq = 5").fetchone()
    forged = json.loads(body) | {"purpose": "safeguarding"}
    conn.execute(
        "UPDATE audit SET body = ?, hash = ? WHERE seq = 5",
        (json.dumps(forged), _entry_hash(prev, forged)),
    )
    report = log.verify()
    assert not report.ok and report.first_broken == 6


def test_truncation_is_caught_against_a_witnessed_head(log: AuditLog) -> None:
    head = log.head()
    conn = _raw(log)
    conn.execute("DELETE FROM audit WHERE seq >= 9")
    assert log.verify().first_broken == 9  # the subject index still names the entries...
    conn.execute("DROP TRIGGER audit_subject_no_delete")
    conn.execute("DELETE FROM audit_subject WHERE seq >= 9")
    assert log.verify().ok  # ...but cut as well, a shorter chain is still a chain...
    report = log.verify(expect_head=head)  # ...but not the one that was witnessed
    assert not report.ok and report.first_broken == 10


def test_cli_verify_names_first_broken_entry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MOSAIC_GOVERNANCE_PATH", str(tmp_path / "gov.db"))
    log = AuditLog(tmp_path / "gov.db")
    log.record_many([sample_event(i) for i in range(1, 6)])
    runner = CliRunner()
    ok = runner.invoke(cli, ["audit", "verify"])
    assert ok.exit_code == 0 and "intact: 5 entries" in ok.output
    _raw(log).execute("DELETE FROM audit WHERE seq = 2")
    broken = runner.invoke(cli, ["audit", "verify"])
    assert broken.exit_code == 1 and "broken at entry 3" in broken.output


def test_every_read_is_one_consultation_with_what_it_returned(tmp_path: Path) -> None:
    store = SqliteGraphStore(tmp_path / "g.db")
    store.upsert(sc.NODES, sc.EDGES)
    settings = Settings(governance_path=tmp_path / "gov.db")
    accounts = AccountStore(settings.governance_path)
    token = accounts.add("ana", Role.ANALYST)
    fib = accounts.add("fib", Role.FIB_REVIEWER)
    auditor = accounts.add("aud", Role.AUDITOR)
    accounts.close()
    auth = {"Authorization": f"Bearer {token}", "X-Purpose": "investigation"}
    with TestClient(create_app(settings, store=store)) as client:
        assert client.get("/persons/P1", headers=auth).status_code == 200
        assert client.get("/reports/R1", headers=auth).status_code == 200
        assert client.get("/persons/nope", headers=auth).status_code == 404
        assert client.get("/audit", headers=auth).status_code == 403
        fib_auth = {"Authorization": f"Bearer {fib}", "X-Purpose": "intelligence_review"}
        assert client.get("/reports/R1", headers=fib_auth).status_code == 200
        entries = client.get(
            "/audit",
            params={"subject": "P1"},
            headers={"Authorization": f"Bearer {auditor}", "X-Purpose": "audit"},
        ).json()["items"]
    store.close()
    log = AuditLog(settings.governance_path)
    all_entries = log.query(limit=100)
    assert [(e.actor, e.action, e.outcome) for e in all_entries] == [
        ("ana", "read person", "ok"),
        ("ana", "read report", "ok"),
        ("ana", "GET /audit", "denied"),
        ("fib", "read report", "ok"),
        ("aud", "query audit log", "ok"),
    ]
    report = all_entries[1]
    assert report.purpose == "investigation" and report.subjects == ["P1", "P2"]
    assert "PB1" not in report.returned and "PB1" in all_entries[3].returned
    assert [e["seq"] for e in entries] == [1, 2, 4]
    assert log.verify().ok


def test_concurrent_writers_share_commits_and_keep_one_chain(tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    log = AuditLog(tmp_path / "audit.db")

    def write(worker: int) -> list[int]:
        return [log.record(sample_event(worker * 100 + i)).seq for i in range(40)]

    with ThreadPoolExecutor(max_workers=16) as pool:
        seqs = [s for chunk in pool.map(write, range(16)) for s in chunk]
    assert sorted(seqs) == list(range(1, 641))
    report = log.verify()
    assert report.ok and report.entries == 640
    assert [e.subjects for e in log.query(subject="P1539")] == [["P1539"]]


def test_async_callers_on_two_loops_and_threads_keep_one_chain(tmp_path: Path) -> None:
    """Each event loop group-commits what its turn produced; threads go through the writer
    thread. Every caller gets its own entry back, the chain stays whole, and a loop's
    concurrent callers share commits (fewer INSERTs than entries)."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    log = AuditLog(tmp_path / "audit.db")
    statements: list[str] = []
    log._conn.set_trace_callback(statements.append)

    async def many(base: int) -> list[tuple[int, list[str]]]:
        entries = await asyncio.gather(
            *(log.record_async(sample_event(base + i)) for i in range(150))
        )
        return [(e.seq, e.subjects) for e in entries]

    def from_thread(base: int) -> list[int]:
        return [log.record(sample_event(base + i)).seq for i in range(20)]

    with ThreadPoolExecutor(max_workers=4) as pool:
        loops = [pool.submit(asyncio.run, many(b)) for b in (1000, 2000)]
        threads = [pool.submit(from_thread, b) for b in (3000, 4000)]
        by_loop = [f.result() for f in loops]
        thread_seqs = [s for f in threads for s in f.result()]
    for base, got in zip((1000, 2000), by_loop, strict=True):
        assert [subjects for _, subjects in got] == [[f"P{base + i}"] for i in range(150)]
    seqs = sorted([seq for got in by_loop for seq, _ in got] + thread_seqs)
    assert seqs == list(range(1, 341))
    report = log.verify()
    assert report.ok and report.entries == 340
    # SQLite traces a statement again for each trigger run: count distinct statements.
    inserts = {s for s in statements if s.startswith("INSERT INTO audit (")}
    assert len(inserts) < 340 / 2  # shared commits, not one per entry
    log.close()


def test_two_logs_on_one_file_keep_one_chain(tmp_path: Path) -> None:
    """As two processes would: each log remembers its own last write, so the other's
    appends make its next INSERT collide, and it must rebuild the batch on the real head."""
    first, second = AuditLog(tmp_path / "audit.db"), AuditLog(tmp_path / "audit.db")
    for i in range(1, 13):
        (first if i % 3 else second).record_many([sample_event(i), sample_event(100 + i)])
    report = first.verify()
    assert report.ok and report.entries == 24
    assert [e.seq for e in second.query(subject="P7")] == [13]
    assert [e.subjects for e in first.query(subject="P112")] == [["P112"]]
    first.close()
    second.close()


def test_subject_index_holds_subjects_and_returned_ids_once(log: AuditLog) -> None:
    log.record(
        AuditEvent(
            operation=Operation.CONSULTATION,
            actor="ana",
            role="analyst",
            action="read report",
            subjects=["P1", "P2"],
            returned=["R1", "P1"],
        )
    )
    rows = sqlite3.connect(log.path).execute(
        "SELECT subject FROM audit_subject WHERE seq = 11 ORDER BY subject"
    )
    assert [r[0] for r in rows] == ["P1", "P2", "R1"]


def test_canonical_form_is_unchanged_for_logs_already_written() -> None:
    """Entries already on disk were hashed over `json.dumps(sort_keys, compact, default=str)`;
    the prebuilt encoder must give byte-identical text, or old chains would stop verifying."""
    from datetime import UTC, datetime

    body = {
        "seq": 7,
        "at": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),  # not JSON: goes through default=str
        "subjects": ["P2", "P1"],
        "details": {"z": 1, "a": {"é": None, "b": [1.5, True]}},
        "action": "read person",
    }
    expected = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    assert _canonical(body) == expected
    assert expected.startswith('{"action":"read person","at":"2026-01-02 03:04:05+00:00"')

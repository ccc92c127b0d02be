"""The whole CHIS candidate queue over a large store, against a pandas groupby baseline.

    python -m bench.bench_chis_queue [--reports 1000000] [--sources N] [--write-results]

Builds a store with `--reports` reports from `--sources` (default a third as many) members
of the public (most call once or twice, one in twenty again and again about one person)
about people of whom a tenth are ViSOR nominals, then times `build_queue` end to end as
`GET /chis/candidates` runs it, through a FIB reviewer's view (the store aggregates a
profile of every source over the bar in SQL, reads the contact rows of only those whose
ceiling reaches the threshold, scores every indicator with evidence and finds when each
first crossed; only the records the view shows count). The baseline is the same counting
done with one pandas groupby over the exported contact rows (contacts, first and last,
police requests, the most reports about one subject, per source), in the same run.

Target (issue 6): the queue within 2x the baseline.
"""

from __future__ import annotations

import argparse
import random
import resource
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pandas as pd

from bench.results import publish
from graph.access import AccessPolicy, Principal, Role
from graph.chis.policy import ChisPolicy
from graph.chis.queue import build_queue, worth_reading
from graph.edges import CreatedBy, CreatorKind, Edge, EdgeKind, Provenance, Support
from graph.markings import Grading3x5x2
from graph.nodes import Name, Node, Person, Report, Source, SourceType, Visor
from graph.stores.sqlite import SqliteGraphStore

BY = CreatedBy(kind=CreatorKind.INGEST, name="bench", version="1")
GRADE = Grading3x5x2.parse("2BP")
START = datetime(2024, 1, 1, tzinfo=UTC)


def build(store: SqliteGraphStore, reports: int, sources: int, seed: int) -> int:
    """Write the world in batches; returns the number of reports written."""
    rng = random.Random(seed)
    subjects = max(10, sources // 10)
    people: list[Node] = []
    for i in range(subjects):
        visor = Visor(ref=f"V{i}", nominal_type="RSO", mappa_category=1) if i % 10 == 0 else None
        people.append(Person(id=f"N{i}", names=[Name(given="G", family=f"N{i}")], visor=visor))
    store.upsert(people)
    # calls per source: most once or twice, a few again and again about one person
    calls = [rng.choices((1, 2, 4, 20), (60, 25, 10, 5))[0] for _ in range(sources)]
    written = 0
    nodes: list[Node] = []
    edges: list[Edge] = []
    for s in range(sources):
        sid, pid = f"S{s}", f"SP{s}"
        nodes += [
            Person(id=pid, names=[Name(given="C", family=f"S{s}")]),
            Source(id=sid, source_type=SourceType.MEMBER_OF_PUBLIC),
        ]
        edges.append(_edge(EdgeKind.IS_PERSON, sid, pid))
        favourite = f"N{rng.randrange(subjects)}"
        for k in range(min(calls[s] + rng.randrange(3), reports - written)):
            rid = f"R{s}-{k}"
            when = START + timedelta(days=rng.randrange(1000), seconds=rng.randrange(86400))
            subject = favourite if calls[s] > 4 else f"N{rng.randrange(subjects)}"
            asked = "what did you see?" if rng.random() < 0.03 else None
            nodes.append(Report(id=rid, received_at=when, grading=GRADE, police_request=asked))
            edges += [
                _edge(EdgeKind.PROVIDED_BY, rid, sid),
                _edge(EdgeKind.ABOUT, rid, subject),
            ]
            written += 1
        if len(edges) > 20_000:
            store.upsert(nodes, edges)
            nodes, edges = [], []
    store.upsert(nodes, edges)
    return written


def _edge(kind: EdgeKind, src: str, dst: str) -> Edge:
    return Edge(
        id=f"{kind.value}:{src}:{dst}",
        kind=kind,
        src=src,
        dst=dst,
        provenance=Provenance(supports=[Support(source_system="bench")], created_by=BY),
    )


def baseline(frame: pd.DataFrame) -> pd.DataFrame:
    """The same counting with one pandas groupby (plus the per-subject counts it needs)."""
    per = frame.groupby("source_id").agg(
        contacts=("report_id", "size"),
        first=("received_at", "min"),
        last=("received_at", "max"),
        requests=("police_request", "count"),
    )
    subject = frame.explode("subjects").groupby(["source_id", "subjects"]).size()
    per["most_about_one"] = subject.groupby(level=0).max()
    return per[per["contacts"] >= 2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reports", type=int, default=1_000_000)
    parser.add_argument("--sources", type=int, default=0, help="default: reports / 3")
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--write-results", action="store_true")
    args = parser.parse_args()
    policy = ChisPolicy()
    view = AccessPolicy(Principal("bench", Role.FIB_REVIEWER)).filter
    with tempfile.TemporaryDirectory(prefix="mosaic-bench-chis-queue-") as tmp:
        store = SqliteGraphStore(Path(tmp) / "g.db", synchronous="OFF")
        started = time.perf_counter()
        written = build(store, args.reports, args.sources or args.reports // 3, args.seed)
        build_s = time.perf_counter() - started
        started = time.perf_counter()
        rows = store.source_contacts(min_reports=1)
        frame = pd.DataFrame(
            {
                "source_id": [r.source_id for r in rows],
                "report_id": [r.report_id for r in rows],
                "received_at": [r.received_at for r in rows],
                "police_request": [r.police_request for r in rows],
                "subjects": [list(r.subjects) for r in rows],
            }
        )
        export_s = time.perf_counter() - started
        del rows
        base, ours = [], []
        for _ in range(3):
            started = time.perf_counter()
            counted = baseline(frame)
            base.append(time.perf_counter() - started)
            started = time.perf_counter()
            queue = build_queue(store, policy, {}, date(2026, 11, 30), view=view)
            ours.append(time.perf_counter() - started)
        read = len(worth_reading(store, policy, view))
        store.close()
    b, o = min(base), min(ours)
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"## CHIS candidate queue over {written:,} reports ({now})",
        "",
        f"- command: `python -m bench.bench_chis_queue --reports {args.reports}"
        + (f" --sources {args.sources}`" if args.sources else "`"),
        f"- store built in {build_s:.0f} s; contact rows exported to pandas in {export_s:.1f} s "
        f"(not timed below); {len(counted):,} sources with 2+ contacts; {len(queue):,} "
        f"candidates; the contact rows of {read:,} sources read (the others' profiles rule "
        f"them out); peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB",
        "",
        "| | best of 3, s |",
        "|---|---|",
        f"| `build_queue` (embedded store, end to end, a FIB reviewer's view) | {o:.2f} |",
        f"| pandas groupby over the exported contacts (baseline) | {b:.2f} |",
        "",
        f"- ratio: **{o / b:.2f}x** (target <= 2x: {'met' if o / b <= 2 else 'NOT met'})",
    ]
    publish(lines, args.write_results)


if __name__ == "__main__":
    main()

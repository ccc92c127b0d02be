"""Ingest benchmark: a generated world loaded through the real pipeline.

    python -m bench.bench_ingest [--persons 25000] [--reports 200000] [--seed 7]
                                 [--neo4j-reports 20000] [--skip-neo4j] [--write-results]

Each measurement runs in its own child process (so its peak RSS is its own) on a fresh
store and ingest state:

- embedded, writes disabled: the same loop (read, validate, fingerprint, check references,
  resolve mentions, build graph facts) with every store and bookkeeping write skipped.
  This is the baseline;
- embedded, writes enabled: the production path, audit log included; entity resolution
  after the load is timed separately;
- Neo4j (a smaller file by default: the test server is a single JVM on this machine),
  writes disabled and enabled, batched through the same protocol.

Targets (issue 4): >= 20,000 reports/s into the embedded store including validation and
mention resolution, in bounded memory; writes no more than half the total time on the
embedded store (baseline seconds / total seconds >= 0.5).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.results import publish

ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = ROOT / "var" / "bench-data"


def _data(persons: int, reports: int, seed: int) -> tuple[Path, float]:
    """The generated file (cached by its parameters) and the seconds it took to make."""
    from ingest.generator import GeneratorConfig, write_demo_data

    path = DATA_DIR / f"world-{persons}-{reports}-{seed}.jsonl"
    if path.exists():
        return path, 0.0
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    write_demo_data(GeneratorConfig(persons=persons, reports=reports, seed=seed), path)
    return path, time.perf_counter() - started


def _child(mode: str, data: Path, workdir: Path, uri: str | None) -> dict[str, Any]:
    """Run one measurement in a fresh interpreter; returns its JSON result."""
    cmd = [sys.executable, "-m", "bench.bench_ingest", "--child", mode, "--data", str(data)]
    cmd += ["--workdir", str(workdir)] + (["--uri", uri] if uri else [])
    out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"{mode} failed:\n{out.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def run_child(mode: str, data: Path, workdir: Path, uri: str | None) -> dict[str, Any]:
    """In the child: load `data` once and report seconds, counts and peak RSS."""
    from graph.audit import AuditLog
    from graph.store import GraphStore
    from graph.stores.neo4j import Neo4jGraphStore
    from graph.stores.sqlite import SqliteGraphStore
    from ingest.loader import Actor
    from ingest.pipeline import ingest
    from ingest.reader import read_lines
    from ingest.state import IngestState

    writes = not mode.endswith("nowrite")
    store: GraphStore
    if mode.startswith("neo4j"):
        assert uri is not None
        store = Neo4jGraphStore.connect(uri)
    else:
        store = SqliteGraphStore(workdir / f"{mode}.db", synchronous="FULL")
    with (
        store,
        IngestState(workdir / f"{mode}-ingest.db") as state,
        closing(AuditLog(workdir / f"{mode}-gov.db")) as audit,
    ):
        started = time.perf_counter()
        outcome = ingest(
            store,
            state,
            [read_lines(data)],
            actor=Actor("bench:ingest", "admin"),
            audit=audit if writes else None,
            writes=writes,
            resolve=False,
        )
        load_seconds = time.perf_counter() - started
        resolve_seconds, resolution = 0.0, None
        if writes:
            from ingest.entities import Resolution

            started = time.perf_counter()
            resolution = Resolution(state, audit=audit).resolve(
                sorted(state.unresolved()), actor="bench:ingest", role="admin"
            )
            resolve_seconds = time.perf_counter() - started
        counts = store.counts() if writes else None
    load = outcome.load
    return {
        "mode": mode,
        "lines": load.lines_read,
        "reports": load.by_kind.get("report", 0),
        "accepted": load.accepted,
        "quarantined": load.quarantined,
        "mentions_matched": load.mentions_matched,
        "mentions_new": load.mentions_new,
        "load_seconds": load_seconds,
        "resolve_seconds": resolve_seconds,
        "resolution": resolution.as_dict() if resolution else None,
        "nodes": counts.total_nodes if counts else None,
        "edges": counts.total_edges if counts else None,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def _head(data: Path, reports: int, out: Path) -> Path:
    """The file cut after `reports` report lines (everything else before them kept)."""
    seen = 0
    with data.open("rb") as src, out.open("wb") as dst:
        for line in src:
            if b'"kind": "report"' in line or b'"kind":"report"' in line:
                if seen >= reports:
                    continue
                seen += 1
            dst.write(line)
    return out


def _row(r: dict[str, Any]) -> str:
    rate = r["reports"] / r["load_seconds"]
    lines = r["lines"] / r["load_seconds"]
    return (
        f"| {r['mode']} | {r['lines']:,} | {r['reports']:,} | {r['load_seconds']:.1f} | "
        f"{rate:,.0f} | {lines:,.0f} | {r['peak_rss_mib']:.0f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--persons", type=int, default=25_000)
    parser.add_argument("--reports", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--neo4j-reports", type=int, default=20_000)
    parser.add_argument("--skip-neo4j", action="store_true")
    parser.add_argument("--write-results", action="store_true")
    parser.add_argument("--child")
    parser.add_argument("--data", type=Path)
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--uri")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_child(args.child, args.data, args.workdir, args.uri)))
        return

    data, gen_seconds = _data(args.persons, args.reports, args.seed)
    print(f"data: {data} ({data.stat().st_size / 2**20:.0f} MiB; generated in {gen_seconds:.1f} s)")
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="mosaic-bench-ingest-") as tmp:
        work = Path(tmp)
        load_avg = os.getloadavg()
        for mode in ("embedded-nowrite", "embedded"):
            print(f"  {mode} ...", flush=True)
            results.append(_child(mode, data, work, None))
            print("  " + _row(results[-1]), flush=True)
        if not args.skip_neo4j:
            from tests.support.neo4j_testserver import start

            small = _head(data, args.neo4j_reports, work / "neo4j-sample.jsonl")
            server = start()
            try:
                for mode in ("neo4j-nowrite", "neo4j"):
                    print(f"  {mode} ...", flush=True)
                    results.append(_child(mode, small, work, server.uri))
                    print("  " + _row(results[-1]), flush=True)
            finally:
                server.stop()
    lines = report(results, args, load_avg, gen_seconds)
    publish(lines, args.write_results)


def report(
    results: list[dict[str, Any]],
    args: argparse.Namespace,
    load_avg: tuple[float, float, float],
    gen_seconds: float,
) -> list[str]:
    by = {r["mode"]: r for r in results}
    base, full = by["embedded-nowrite"], by["embedded"]
    share = base["load_seconds"] / full["load_seconds"]
    rate = full["reports"] / full["load_seconds"]
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    out = [
        f"## Ingest ({now})",
        "",
        f"- command: `python -m bench.bench_ingest --persons {args.persons} --reports "
        f"{args.reports} --seed {args.seed}`",
        f"- code: {_git_head()}",
        f"- machine: {os.cpu_count()} cores, {platform.machine()}, Python "
        f"{platform.python_version()}; load average at start {load_avg[0]:.2f} / "
        f"{load_avg[1]:.2f} / {load_avg[2]:.2f} (the machine is shared)",
        f"- data: generated by `mosaic demo-data` (seed {args.seed}) in {gen_seconds:.1f} s "
        "(0 = cached from an earlier run)",
        "",
        "| run | lines | reports | load s | reports/s | lines/s | peak RSS MiB |",
        "|---|---|---|---|---|---|---|",
        *[_row(r) for r in results],
        "",
        f"- embedded, writes enabled: **{rate:,.0f} reports/s** (target >= 20,000); "
        f"{full['accepted']:,} accepted, {full['quarantined']:,} quarantined, "
        f"{full['nodes']:,} nodes, {full['edges']:,} edges; mentions matched "
        f"{full['mentions_matched']:,}, new persons {full['mentions_new']:,}",
        f"- baseline share (writes disabled / enabled): **{share:.2f}** (target >= 0.50: "
        "writes cost no more than half the total)",
        f"- entity resolution after the load: {full['resolve_seconds']:.1f} s "
        f"({json.dumps(full['resolution'])})",
    ]
    if "neo4j" in by:
        n, nb = by["neo4j"], by["neo4j-nowrite"]
        out.append(
            f"- Neo4j (sample of {n['reports']:,} reports, batched writes): "
            f"{n['reports'] / n['load_seconds']:,.0f} reports/s; baseline share "
            f"{nb['load_seconds'] / n['load_seconds']:.2f}"
        )
    return out


def _git_head() -> str:
    out = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    )
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "graph", "ingest"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip() + (" (with uncommitted changes)" if dirty.stdout.strip() else "")


if __name__ == "__main__":
    main()

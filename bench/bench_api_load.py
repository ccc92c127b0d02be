"""Load benchmark: `GET /persons/{id}` under 32 concurrent clients, against a hello-world
endpoint of the same app served by the same server in the same run.

    python -m bench.bench_api_load [--seconds 30] [--clients 32] [--persons 2000]
                                   [--write-results]

Loopback only (127.0.0.1), bounded in time, stops by itself. The server is a separate
process (uvicorn, one worker) on the embedded store; the clients are asyncio tasks with
a minimal HTTP/1.1 client on asyncio streams in this process. Reported: requests/s,
p50/p99 latency, errors, the ratio of person
reads to hello-world throughput (target >= 0.40), and a check that the audit log holds
exactly one consultation entry per successful person read. Each phase also reports the
server's CPU time per request (less sensitive than req/s to what else the shared machine
runs) and how many cores other processes used meanwhile.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx

from api.accounts import AccountStore
from bench.bench_upsert import HELPER_PIDS, CpuWatch, code_version
from graph.access import Role
from graph.audit import AuditLog, Operation
from graph.nodes import Name, Person
from graph.stores.sqlite import SqliteGraphStore

RESULTS = Path(__file__).with_name("RESULTS.md")
GIVEN = ["Avery", "Blake", "Casey", "Devon", "Emery", "Finley", "Harper", "Jordan", "Kai"]
FAMILY = ["Ashdown", "Brennick", "Colter", "Dunmore", "Elsworth", "Farrow", "Garside"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def prepare(workdir: Path, persons: int) -> tuple[list[str], str]:
    """A store with synthetic persons and one analyst token."""
    rng = random.Random(7)
    with SqliteGraphStore(workdir / "graph.db") as store:
        people = [
            Person(
                id=f"LP-{i:06d}",
                names=[Name(given=rng.choice(GIVEN), family=rng.choice(FAMILY))],
                vulnerable=rng.random() < 0.1,
            )
            for i in range(persons)
        ]
        store.upsert(people)
    accounts = AccountStore(workdir / "gov.db")
    token = accounts.add("load-analyst", Role.ANALYST)
    accounts.close()
    return [p.id for p in people], token


@dataclass
class Phase:
    name: str
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    errors: int = 0
    server_cpu: float = 0.0  # CPU seconds the server process used during the phase
    others: float | None = None  # cores other processes kept busy meanwhile

    @property
    def ok(self) -> int:
        return self.statuses.get(200, 0)

    @property
    def rate(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    @property
    def server_us(self) -> float:
        return self.server_cpu / self.ok * 1e6 if self.ok else 0.0

    def pct(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else 0.0


async def drive(
    port: int,
    paths: list[str],
    headers: dict[str, str],
    clients: int,
    seconds: float,
    name: str,
) -> Phase:
    """`clients` keep-alive HTTP/1.1 connections, each sending GETs back to back.

    A minimal client on asyncio streams: a general-purpose client (httpx) spent more CPU
    than the server and became what was measured.
    """
    phase = Phase(name)
    deadline = time.monotonic() + seconds
    rng = random.Random(11)
    extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())

    async def worker() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while time.monotonic() < deadline:
                request = f"GET {rng.choice(paths)} HTTP/1.1\r\nHost: bench\r\n{extra}\r\n"
                start = time.perf_counter()
                writer.write(request.encode())
                try:
                    status = int((await reader.readline()).split()[1])
                    length = 0
                    while (line := await reader.readline()) not in (b"\r\n", b""):
                        key, _, value = line.partition(b":")
                        if key.strip().lower() == b"content-length":
                            length = int(value)
                    await reader.readexactly(length)
                except (IndexError, ValueError, asyncio.IncompleteReadError, OSError):
                    phase.errors += 1
                    return
                phase.latencies.append(time.perf_counter() - start)
                phase.statuses[status] = phase.statuses.get(status, 0) + 1
        finally:
            writer.close()

    started = time.monotonic()
    await asyncio.gather(*(worker() for _ in range(clients)))
    phase.seconds = time.monotonic() - started
    return phase


def _process_cpu(pid: int) -> float:
    """CPU seconds (user + system) a process has used so far; 0 where /proc is missing."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0


def measure(
    server: int,
    port: int,
    paths: list[str],
    headers: dict[str, str],
    args: argparse.Namespace,
    name: str,
) -> Phase:
    """One timed phase, with the server's CPU time and other processes' CPU."""
    watch, before = CpuWatch(), _process_cpu(server)
    phase = asyncio.run(drive(port, paths, headers, args.clients, args.seconds, name))
    phase.server_cpu = _process_cpu(server) - before
    phase.others = watch.others()
    return phase


def serve(workdir: Path, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "MOSAIC_DB_PATH": str(workdir / "graph.db"),
        "MOSAIC_GOVERNANCE_PATH": str(workdir / "gov.db"),
        "MOSAIC_INGEST_PATH": str(workdir / "ingest.db"),
        "MOSAIC_ANALYSIS_PATH": str(workdir / "analysis.db"),
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "bench.load_server", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(200):
        try:
            httpx.get(f"http://127.0.0.1:{port}/health", timeout=1)
            return server
        except httpx.HTTPError:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError("the server did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--persons", type=int, default=2000)
    parser.add_argument("--write-results", action="store_true")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        ids, token = prepare(workdir, args.persons)
        port = _free_port()
        server = serve(workdir, port)
        HELPER_PIDS.append(server.pid)  # its CPU is this run's, not other processes'
        try:
            auth = {"Authorization": f"Bearer {token}", "X-Purpose": "investigation"}
            asyncio.run(drive(port, ["/hello"], {}, args.clients, 2, "warm-up"))
            pid = server.pid
            hello = measure(pid, port, ["/hello"], {}, args, "hello world (async def)")
            hello_sync = measure(pid, port, ["/hello-sync"], {}, args, "hello world (def)")
            paths = [f"/persons/{i}" for i in ids]
            persons = measure(pid, port, paths, auth, args, "GET /persons/{id}")
        finally:
            server.terminate()
            server.wait(timeout=30)
        log = AuditLog(workdir / "gov.db")
        audited = log.count(Operation.CONSULTATION)
        chain_ok = log.verify().ok
        log.close()

    ratio = persons.rate / hello.rate if hello.rate else 0.0
    ratio_sync = persons.rate / hello_sync.rate if hello_sync.rate else 0.0
    rows = [
        "| endpoint | requests ok | other statuses | transport errors | req/s | p50 ms | p99 ms "
        "| server CPU us/req | others' CPU |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for phase in (hello, hello_sync, persons):
        other = {k: v for k, v in phase.statuses.items() if k != 200}
        rows.append(
            f"| {phase.name} | {phase.ok:,} | {other or 0} | {phase.errors} | "
            f"{phase.rate:,.0f} | {phase.pct(0.5):.1f} | {phase.pct(0.99):.1f} | "
            f"{phase.server_us:,.0f} | {'n/a' if phase.others is None else f'{phase.others:.2f}'} |"
        )
    errors = persons.errors + sum(v for k, v in persons.statuses.items() if k != 200)
    summary = [
        f"- ratio person reads / hello world (async def, FastAPI's tutorial form): "
        f"**{ratio:.2f}** (target >= 0.40: {'meets target' if ratio >= 0.40 else 'BELOW target'})",
        f"- ratio person reads / hello world (plain def): **{ratio_sync:.2f}** (target >= 0.40: "
        f"{'meets target' if ratio_sync >= 0.40 else 'BELOW target'})",
        f"- server CPU per request, hello world (async def) / person reads: "
        f"{hello.server_us / persons.server_us if persons.server_us else 0:.2f} (context only)",
        f"- errors on person reads: {errors} (target 0)",
        f"- audit consultation entries: {audited:,} for {persons.ok:,} successful reads "
        f"({'exactly one each' if audited == persons.ok else 'MISMATCH'}); chain intact: "
        f"{chain_ok}",
    ]
    text = "\n".join([*rows, "", *summary])
    print(text)
    if args.write_results:
        load = os.getloadavg()
        header = [
            "",
            f"## API load: GET /persons/{{id}}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
            "",
            f"- command: `python -m bench.bench_api_load --seconds {args.seconds:g} "
            f"--clients {args.clients} --persons {args.persons}`",
            f"- code: {code_version(('api', 'graph', 'bench'))}",
            f"- machine: {os.cpu_count()} cores, {platform.platform()}; load average at end "
            f"{load[0]:.2f}; server: uvicorn, 1 worker, embedded store; clients: a minimal "
            "HTTP/1.1 client on asyncio streams in a second process on the same machine "
            "(loopback)",
            f"- each phase {args.seconds:g} s with {args.clients} concurrent clients",
            "",
        ]
        with RESULTS.open("a") as out:
            out.write("\n".join(header) + "\n" + text + "\n")  # a blank line before the table
    if errors or audited != persons.ok or not chain_ok:
        sys.exit(1)


if __name__ == "__main__":
    main()

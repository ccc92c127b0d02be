"""What FastAPI's lazily included routers cost a request, against routes mounted flat on the
app (`api.app.mount`), in the same run.

    python -m bench.bench_routing [--requests 20000] [--rounds 7] [--write-results]

A synthetic app of 16 routers of 3 routes each (as many routers as Mosaic's API), driven
directly through ASGI (no sockets), one request at a time; CPU time per request, the
median of interleaved rounds, for a route in the second router (where GET /persons/{id}
is) and one in the last.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import MutableMapping
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, FastAPI

from api.app import mount
from bench.results import publish

ROUTERS = 16
PATHS = {"second router": "/r1/items1/abc", "last router": f"/r{ROUTERS - 1}/items2/abc"}


def build(flat: bool) -> FastAPI:
    app = FastAPI()
    for i in range(ROUTERS):
        router = APIRouter(tags=[f"area {i}"])
        for j in range(3):

            async def endpoint(item_id: str) -> dict[str, str]:
                return {"id": item_id}

            router.add_api_route(f"/r{i}/items{j}/{{item_id}}", endpoint, methods=["GET"])
        if flat:
            mount(app, router)
        else:
            app.include_router(router)
    return app


def _scope(path: str) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"bench")],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
        "state": {},
    }


async def _receive() -> dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}


async def cpu_per_request(app: FastAPI, path: str, n: int) -> float:
    """Microseconds of CPU a request, over `n` requests answered 200."""
    statuses: list[int] = []

    async def send(message: MutableMapping[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    started = time.process_time()
    for _ in range(n):
        await app(_scope(path), _receive, send)
    spent = time.process_time() - started
    assert statuses == [200] * n, set(statuses)
    return spent / n * 1e6


async def measure(requests: int, rounds: int) -> dict[tuple[str, str], float]:
    apps = {"included": build(flat=False), "mounted flat": build(flat=True)}
    samples: dict[tuple[str, str], list[float]] = {}
    for _ in range(rounds):
        for name, app in apps.items():
            for where, path in PATHS.items():
                us = await cpu_per_request(app, path, requests)
                samples.setdefault((name, where), []).append(us)
    return {key: statistics.median(values) for key, values in samples.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--write-results", action="store_true")
    args = parser.parse_args()
    medians = asyncio.run(measure(args.requests, args.rounds))
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"## Routing: included routers against routes mounted flat ({now})",
        "",
        f"- command: `python -m bench.bench_routing --requests {args.requests} "
        f"--rounds {args.rounds}`",
        f"- {ROUTERS} routers of 3 routes, ASGI driven directly, CPU us a request (median "
        "of interleaved rounds)",
        "",
        "| route | included (baseline) | mounted flat | saved |",
        "|---|---|---|---|",
        *(
            f"| {where} | {medians[('included', where)]:.1f} | "
            f"{medians[('mounted flat', where)]:.1f} | "
            f"{medians[('included', where)] - medians[('mounted flat', where)]:.1f} |"
            for where in PATHS
        ),
    ]
    publish(lines, args.write_results)


if __name__ == "__main__":
    main()

"""A live Mosaic on loopback and headless Chromium driven by Playwright, for the browser
tests and the chart benchmark.

Chromium is the Debian package (`apt-get install chromium`), found at `MOSAIC_CHROMIUM`
or on the PATH; Playwright's own browser downloads are not used (the machines reach no
CDN). Without Chromium the browser tests are skipped with the reason, unless
`MOSAIC_REQUIRE_BROWSER=1` (set by `.ci/run`), which makes that a failure.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from fastapi import FastAPI


class BrowserUnavailable(RuntimeError):
    pass


def chromium_path() -> str:
    """The Chromium binary to drive, or BrowserUnavailable saying what is missing."""
    explicit = os.environ.get("MOSAIC_CHROMIUM")
    for candidate in (explicit, shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    raise BrowserUnavailable("no Chromium: apt-get install chromium (or set MOSAIC_CHROMIUM)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def live_server(app: FastAPI) -> Iterator[str]:
    """Serve `app` on a loopback port in a background thread; yields its base URL."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)

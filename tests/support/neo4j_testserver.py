"""Start a real Neo4j 5.26 server (embedded Community, Bolt only) for tests and local development.

The server is the small Java program in ``tools/neo4j-testserver``. It is built with Maven on
first use (and again whenever its pom.xml or sources change), then started with ``java``. It
prints ``NEO4J_TESTSERVER_READY bolt://127.0.0.1:PORT`` once it accepts connections, and shuts
down when its stdin is closed -- so it also goes away when the Python process dies.

Run ``python -m tests.support.neo4j_testserver [--port N]`` for a server to develop against.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import os
import queue
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import IO

REPO_ROOT = Path(__file__).resolve().parents[2]
PROJECT_DIR = REPO_ROOT / "tools" / "neo4j-testserver"
READY_PREFIX = "NEO4J_TESTSERVER_READY "
MAIN_CLASS = "uk.police.mosaic.Main"

# JVM flags for Neo4j 5.26 on Java 17. The three add-opens for java.nio / java.io / sun.nio.ch
# are what Neo4j itself asks for (without them it logs warnings and uses slower fallbacks for
# direct buffers and native file advice); java.lang is opened for good measure.
JVM_FLAGS: tuple[str, ...] = (
    "-Xms128m",  # Neo4j warns when the initial heap is not set
    "-Xmx1g",
    "-XX:+UseG1GC",
    "-XX:-OmitStackTraceInFastThrow",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "-Dlog4j2.disable.jmx=true",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-opens=java.base/java.lang=ALL-UNNAMED",
)

_TAIL_LINES = 40
_BUILD_TIMEOUT = 1800.0


class Neo4jUnavailable(RuntimeError):
    """Java or Maven is missing, the build failed, or the server did not start."""


def _jar(project_dir: Path) -> Path:
    return project_dir / "target" / "neo4j-testserver.jar"


def _lib(project_dir: Path) -> Path:
    return project_dir / "target" / "lib"


def _tail(text: str, lines: int = _TAIL_LINES) -> str:
    return "\n".join(text.splitlines()[-lines:])


def _log_tail(path: Path) -> str:
    try:
        return _tail(path.read_text(encoding="utf-8", errors="replace"))
    except OSError:
        return "(no log)"


def _needs_build(project_dir: Path) -> bool:
    jar = _jar(project_dir)
    lib = _lib(project_dir)
    if not jar.is_file() or not lib.is_dir() or not any(lib.glob("*.jar")):
        return True
    built = jar.stat().st_mtime
    inputs = [project_dir / "pom.xml"]
    src = project_dir / "src"
    if src.is_dir():
        inputs.extend(p for p in src.rglob("*") if p.is_file())
    return any(p.stat().st_mtime > built for p in inputs)


def _require(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        raise Neo4jUnavailable(
            f"`{tool}` was not found on PATH; the Neo4j test server needs Java 17+ and Maven"
        )
    return path


def build(project_dir: Path = PROJECT_DIR) -> None:
    """Build the test server with Maven unless the jar is newer than pom.xml and all sources."""
    _require("java")
    if not _needs_build(project_dir):
        return
    mvn = _require("mvn")
    target = project_dir / "target"
    target.mkdir(parents=True, exist_ok=True)
    with (target / ".build.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one build at a time (e.g. parallel test workers)
        if not _needs_build(project_dir):
            return  # someone else just built it
        try:
            result = subprocess.run(
                [mvn, "-q", "-B", "-Dstyle.color=never", "package"],
                cwd=project_dir,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=_BUILD_TIMEOUT,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise Neo4jUnavailable(f"Maven build of {project_dir} timed out") from exc
        except OSError as exc:
            raise Neo4jUnavailable(f"could not run Maven: {exc}") from exc
    if result.returncode != 0 or _needs_build(project_dir):
        raise Neo4jUnavailable(
            f"Maven build of {project_dir} failed (exit {result.returncode}):\n"
            + _tail(result.stdout + result.stderr)
        )


class RunningNeo4j:
    """A started test server. ``stop()`` (or leaving the ``with`` block) shuts it down."""

    def __init__(self, uri: str, process: subprocess.Popen[str], log_path: Path) -> None:
        self.uri = uri
        self.process = process
        self.log_path = log_path

    def stop(self, timeout: float = 60.0) -> None:
        """Close the server's stdin (its shutdown signal), wait, and kill it if it hangs."""
        proc = self.process
        if proc.stdin is not None and not proc.stdin.closed:
            with contextlib.suppress(OSError):  # broken pipe: the server is already gone
                proc.stdin.close()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def __enter__(self) -> RunningNeo4j:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"RunningNeo4j(uri={self.uri!r}, pid={self.process.pid})"


def _open_log(log_path: Path | None, project_dir: Path) -> tuple[IO[str], Path]:
    """Open the server's log; ``target/server.log`` unless another live server is using it."""
    if log_path is not None:
        log_path.parent.mkdir(parents=True, exist_ok=True)
        return log_path.open("w", encoding="utf-8"), log_path
    target = project_dir / "target"
    target.mkdir(parents=True, exist_ok=True)
    default = target / "server.log"
    log_file = default.open("a", encoding="utf-8")
    try:
        # Held for as long as the java child (which inherits the descriptor) lives.
        fcntl.flock(log_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        log_file.close()
        unique = target / f"server-{os.getpid()}-{time.time_ns()}.log"
        return unique.open("w", encoding="utf-8"), unique
    log_file.truncate(0)
    return log_file, default


def _pump(stream: IO[str], lines: queue.Queue[str | None]) -> None:
    """Forward the server's stdout lines to ``lines``; ``None`` marks EOF."""
    try:
        for line in stream:
            lines.put(line)
    except (OSError, ValueError):
        pass
    finally:
        lines.put(None)
        stream.close()


def start(
    port: int = 0,
    timeout: float = 240.0,
    *,
    data_dir: Path | None = None,
    log_path: Path | None = None,
    project_dir: Path = PROJECT_DIR,
) -> RunningNeo4j:
    """Build if needed, start the server and wait until it accepts Bolt connections.

    ``port=0`` lets the server pick a free port; ``data_dir=None`` uses a temporary store that is
    deleted on shutdown. Server logs go to ``log_path``; by default ``target/server.log``, or a
    fresh ``target/server-*.log`` while another running server holds that one.
    """
    build(project_dir)
    java = _require("java")
    log_file, log = _open_log(log_path, project_dir)
    classpath = os.pathsep.join([str(_jar(project_dir)), str(_lib(project_dir) / "*")])
    cmd = [java, *JVM_FLAGS, "-cp", classpath, MAIN_CLASS, "--port", str(port)]
    if data_dir is not None:
        cmd += ["--data-dir", str(data_dir)]

    with log_file:  # the child keeps its own copy of the descriptor (and the lock)
        try:
            proc = subprocess.Popen(
                cmd,
                cwd=project_dir,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log_file,
                text=True,
                encoding="utf-8",
                start_new_session=True,  # Ctrl-C reaches us, we then stop it in order
            )
        except OSError as exc:
            raise Neo4jUnavailable(f"could not start java: {exc}") from exc
    assert proc.stdout is not None
    server = RunningNeo4j("", proc, log)

    lines: queue.Queue[str | None] = queue.Queue()
    threading.Thread(target=_pump, args=(proc.stdout, lines), daemon=True).start()
    try:
        server.uri = _await_ready(proc, lines, timeout, log)
    except BaseException:  # timeout, early exit, Ctrl-C: don't leave a half-started server
        proc.terminate()  # still starting up, so it is not watching stdin yet
        server.stop(timeout=30.0)
        raise
    return server


def _await_ready(
    proc: subprocess.Popen[str], lines: queue.Queue[str | None], timeout: float, log: Path
) -> str:
    """Return the Bolt URI from the server's READY line."""
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise Neo4jUnavailable(
                f"Neo4j test server not ready after {timeout:.0f}s; log {log}:\n{_log_tail(log)}"
            )
        try:
            line = lines.get(timeout=min(remaining, 1.0))
        except queue.Empty:
            continue
        if line is None:
            code = proc.wait()
            raise Neo4jUnavailable(
                f"Neo4j test server exited early (exit {code}); log {log}:\n{_log_tail(log)}"
            )
        if line.startswith(READY_PREFIX):
            return line[len(READY_PREFIX) :].strip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run a local Neo4j 5.26 test server.")
    parser.add_argument("--port", type=int, default=7687, help="Bolt port (0 = any free port)")
    parser.add_argument("--data-dir", type=Path, default=None, help="keep the store here")
    args = parser.parse_args(argv)
    try:
        server = start(port=args.port, data_dir=args.data_dir)
    except Neo4jUnavailable as exc:
        print(exc, file=sys.stderr)
        return 1
    with server:
        print(server.uri, flush=True)
        print(f"(auth disabled; logs in {server.log_path}; Ctrl-C to stop)", file=sys.stderr)
        try:
            while server.process.poll() is None:
                time.sleep(0.5)
        except KeyboardInterrupt:
            print("stopping...", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

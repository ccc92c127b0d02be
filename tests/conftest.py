"""Store fixtures: every store test runs against the embedded store and a real Neo4j 5.26.

Neo4j comes from `NEO4J_URI` when set, otherwise from `tools/neo4j-testserver` started once
for the session. Without Java or Maven the Neo4j cases are skipped with the reason, unless
`MOSAIC_REQUIRE_NEO4J=1` (set by `.ci/run`), which turns that into a failure.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from neo4j import Driver, GraphDatabase

from graph.store import GraphStore
from graph.stores.neo4j import Neo4jGraphStore
from graph.stores.sqlite import SqliteGraphStore
from tests.support.browser import BrowserUnavailable, chromium_path

BACKENDS = ["embedded", pytest.param("neo4j", marks=pytest.mark.neo4j)]


@pytest.fixture(scope="session")
def neo4j_uri() -> Iterator[str]:
    """Bolt URI of a real Neo4j 5.26 (for tests that also need it in a child process)."""
    uri = os.environ.get("NEO4J_URI")
    if uri:
        yield uri
        return
    from tests.support.neo4j_testserver import Neo4jUnavailable, start

    try:
        server = start()
    except Neo4jUnavailable as exc:
        if os.environ.get("MOSAIC_REQUIRE_NEO4J") == "1":
            pytest.fail(f"Neo4j is required here but could not start: {exc}")
        pytest.skip(f"Neo4j tests skipped: {exc}")
    try:
        yield server.uri
    finally:
        server.stop()


@pytest.fixture(scope="session")
def neo4j_driver(neo4j_uri: str) -> Iterator[Driver]:
    driver = GraphDatabase.driver(neo4j_uri, auth=None)
    try:
        driver.verify_connectivity()
        yield driver
    finally:
        driver.close()


def wipe(driver: Driver) -> None:
    with driver.session(database="neo4j") as session:
        session.run("MATCH (n) CALL { WITH n DETACH DELETE n } IN TRANSACTIONS").consume()


@pytest.fixture
def neo4j_wipe(neo4j_driver: Driver) -> Callable[[], None]:
    return lambda: wipe(neo4j_driver)


@pytest.fixture
def neo4j_store(neo4j_driver: Driver) -> Iterator[Neo4jGraphStore]:
    wipe(neo4j_driver)
    store = Neo4jGraphStore(neo4j_driver, database="neo4j", owns_driver=False)
    yield store
    store.close()


@pytest.fixture
def embedded_store(tmp_path: Path) -> Iterator[SqliteGraphStore]:
    store = SqliteGraphStore(tmp_path / "mosaic.db", synchronous="NORMAL")
    yield store
    store.close()


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest) -> GraphStore:
    name = "embedded_store" if request.param == "embedded" else "neo4j_store"
    backend: GraphStore = request.getfixturevalue(name)
    return backend


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say plainly whether the real-Neo4j tests ran, so a CI log shows it."""
    counts: dict[str, int] = {}
    for outcome in ("passed", "failed", "skipped", "error"):
        for report in terminalreporter.stats.get(outcome, []):
            if "neo4j" in getattr(report, "keywords", {}):
                counts[outcome] = counts.get(outcome, 0) + 1
    if counts:
        summary = ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items()))
        terminalreporter.write_line(f"real Neo4j 5.26 tests: {summary}")


@pytest.fixture(autouse=True)
def _private_state_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test writes ingest bookkeeping into the working tree's var/ (Settings made in a
    test without an explicit ingest_path read this)."""
    monkeypatch.setenv("MOSAIC_INGEST_PATH", str(tmp_path / "ingest-state.db"))
    monkeypatch.setenv("MOSAIC_ANALYSIS_PATH", str(tmp_path / "analysis.db"))


@pytest.fixture(scope="module")
def chromium() -> str:
    """The Chromium to drive; a skip without one, or a failure where CI requires it."""
    try:
        return chromium_path()
    except BrowserUnavailable as exc:
        if os.environ.get("MOSAIC_REQUIRE_BROWSER") == "1":
            pytest.fail(f"a browser is required here: {exc}")
        pytest.skip(f"browser tests skipped: {exc}")


@pytest.fixture(scope="module")
def browser(chromium: str) -> Iterator[Any]:
    """Headless Chromium through Playwright, one per test module."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        yield b
        b.close()

"""The analyst workspace in a real headless Chromium: sign in, search, chart, expand,
filter, CHIS review, and a frontline token kept out of the queue.

Runs Mosaic on loopback with the hand-built scenario (known counts) and drives the page
with Playwright. Screenshots go to `tests/artifacts/` (gitignored; CI keeps them).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.accounts import AccountStore
from api.app import create_app
from graph.access import Role
from graph.audit import AuditLog, Operation
from graph.config import Settings
from graph.edges import AssociationType, EdgeKind
from graph.nodes import Event, EventType
from graph.stores.sqlite import SqliteGraphStore
from ingest.entities import Resolution
from ingest.state import IngestState
from tests import scenario as sc
from tests.factories import STRANGERS, edge, person
from tests.support.browser import live_server

ARTIFACTS = Path(__file__).parent / "artifacts"
_LICENCE = Event(
    id="EV-1",
    event_type=EventType.LICENCE_START,
    occurred_on=date(2026, 1, 5),
    licence_end_on=date(2099, 1, 1),
    conditions=["no unsupervised contact with under 18s"],
    probation_offender_manager="PO 1234 (synthetic)",
)
LICENCE = (
    [_LICENCE],
    [edge("EV-1-concerns", EdgeKind.CONCERNS, "EV-1", "P1", supports=sc.LOCAL)],
)
pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("browser")
    store = SqliteGraphStore(tmp / "g.db")
    store.upsert(sc.NODES, sc.EDGES)
    store.upsert(*LICENCE)
    settings = Settings(
        db_path=tmp / "g.db",
        governance_path=tmp / "gov.db",
        ingest_path=tmp / "i.db",
        analysis_path=tmp / "a.db",
    )
    accounts = AccountStore(settings.governance_path)
    roles = (Role.ANALYST, Role.FIB_REVIEWER, Role.FRONTLINE)
    tokens = {r: accounts.add(f"browser-{r.value}", r) for r in roles}
    accounts.close()
    _possible_identity(store, settings)
    app = create_app(settings, store=store)
    with live_server(app) as url:
        yield {"url": url, "tokens": tokens, "settings": settings, "app": app}
    store.close()


def _possible_identity(store: SqliteGraphStore, settings: Settings) -> None:
    """A report names "Darrel Hume" (P1's name) with nothing else as PM-2's co-offender: a
    person of its own (PM-1, outside P1's chart), which resolution keeps apart from P1 as
    a possible match."""
    store.upsert(
        [
            person("PM-1", "Darrel", "Hume", source_system="report_mention"),
            person("PM-2", "Brannoc", "Teague"),
        ],
        [
            edge(
                "W-co",
                EdgeKind.ASSOCIATED_WITH,
                "PM-1",
                "PM-2",
                assoc=AssociationType.CO_OFFENDER,
                via=sc.R1,
            )
        ],
    )
    facts = {
        "P1": ("visor", [["Darrel", "Hume"]], "1979-06-02"),
        "PM-1": ("report_mention", [["Darrel", "Hume"]], None),
        **{
            f"F{i}": ("local_intel", [[given, family]], f"19{60 + i}-0{1 + i % 9}-1{i % 10}")
            for i, (given, family) in enumerate(STRANGERS)
        },
    }
    with IngestState(settings.ingest_path) as state:
        with state.transaction() as conn:
            state.save_person_facts(
                conn,
                [
                    (
                        pid,
                        json.dumps(
                            {
                                "source_system": system,
                                "names": names,
                                "dob": dob,
                                "gender": None,
                                "pnc_id": None,
                                "addresses": [],
                                "postcodes": [],
                            }
                        ),
                    )
                    for pid, (system, names, dob) in facts.items()
                ],
            )
        resolution = Resolution(state)
        resolution.resolve(None)
        [match] = resolution.possible_matches(["P1"])
        assert match.record == "PM-1", match


def sign_in(browser: Any, site: dict[str, Any], role: Role, purpose: str) -> Any:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(site["url"] + "/")
    page.fill("#token", site["tokens"][role])
    page.select_option("#purpose", purpose)
    page.click("#sign-in button[type=submit]")
    page.wait_for_selector("#app:not([hidden])")
    page.js_errors = errors
    return page


def chart_counts(page: Any) -> tuple[int, int]:
    status = page.locator("#chart-status")
    return int(status.get_attribute("data-nodes")), int(status.get_attribute("data-edges"))


def wait_for_chart(page: Any, before: str | None = None) -> None:
    page.wait_for_function(
        "b => { const s = document.getElementById('chart-status');"
        " return s.dataset.nodes && s.textContent !== b && !s.textContent.startsWith('Loading'); }",
        arg=before,
    )
    frame = page.frame_locator("#chart-frame")
    frame.locator("body[data-stabilised=true]").wait_for(timeout=15000)


def test_analyst_searches_charts_expands_and_filters(browser: Any, site: dict[str, Any]) -> None:
    page = sign_in(browser, site, Role.ANALYST, "investigation")
    assert "browser-analyst (analyst)" in page.inner_text("#who")
    assert page.is_hidden("#chis-tab")  # analysts do not review sources
    page.fill("#search-q", "darel hume")
    page.click("#search-form button")
    page.wait_for_selector("#search-results li button")
    assert "P1: Darrel Hume" in page.inner_text("#search-results li >> nth=0")
    page.click("#search-results li >> nth=0 >> button")
    wait_for_chart(page)
    assert chart_counts(page) == (12, 17)  # the scenario and P1's licence event
    frame = page.frame("chart-frame") or page.frames[1]
    drawn = frame.evaluate("() => [mosaicChart.nodes, mosaicChart.edges, mosaicChart.stabilised]")
    assert drawn == [12, 17, True]
    assert frame.inner_text("#banner-top") == "OFFICIAL-SENSITIVE"
    assert frame.inner_text("#banner-bottom") == "OFFICIAL-SENSITIVE"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "workspace-chart.png"), full_page=True)

    # depth 1, then expand P2: her child P3 appears
    page.select_option("#chart-depth", "1")
    before = page.inner_text("#chart-status")
    page.click("#chart-form button[type=submit]")
    wait_for_chart(page, before)
    assert chart_counts(page) == (9, 12)
    before = page.inner_text("#chart-status")
    page.fill("#expand-id", "P2")
    page.click("#expand-form button")
    wait_for_chart(page, before)
    nodes, _ = chart_counts(page)
    assert nodes == 10 and "expanded: P2" in page.inner_text("#chart-status")

    # a grade filter (2B or better) leaves out the 3E and legacy-graded links
    page.select_option("#chart-depth", "2")
    page.select_option("#chart-grade", "2B")
    before = page.inner_text("#chart-status")
    page.click("#chart-form button[type=submit]")
    wait_for_chart(page, before)
    graded = chart_counts(page)
    headers = {
        "Authorization": f"Bearer {site['tokens'][Role.ANALYST]}",
        "X-Purpose": "investigation",
    }
    expected = httpx.get(
        site["url"] + "/charts/persons/P1.json?depth=2&min_grade=2B&expand=P2", headers=headers
    ).json()
    assert graded == (len(expected["nodes"]), len(expected["edges"]))
    assert graded[1] < 17

    # timeline, risk and paths panels answer from the same API
    page.click("nav button[data-tab=timeline]")
    page.wait_for_selector("#timeline-rows tr")
    assert "R1" in page.inner_text("#timeline-rows")
    page.wait_for_selector("#management strong")
    summary = page.inner_text("#management")
    assert "ON LICENCE until 2099-01-01" in summary and "PO 1234 (synthetic)" in summary
    assert "licence_start" in page.inner_text("#timeline-rows")
    page.click("nav button[data-tab=risk]")
    page.wait_for_function("() => document.getElementById('risk-score').textContent")
    assert "score" in page.inner_text("#risk-score")
    page.wait_for_selector("#risk-findings li.possible")
    possible = page.inner_text("#risk-findings li.possible")
    assert "possible match PM-1" in possible and "not counted" in possible
    page.click("nav button[data-tab=paths]")
    page.fill("#path-to", "P3")
    page.click("#paths-form button")
    page.wait_for_selector("#paths-results li")
    assert "P3" in page.inner_text("#paths-results")
    assert page.js_errors == []
    page.close()


def test_fib_reviewer_records_a_decision_from_the_queue(browser: Any, site: dict[str, Any]) -> None:
    page = sign_in(browser, site, Role.FIB_REVIEWER, "intelligence_review")
    page.click("#chis-tab")
    page.wait_for_selector("#chis-rows tr")
    assert "S1" in page.inner_text("#chis-rows") and "P4" in page.inner_text("#chis-rows")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "workspace-chis-queue.png"), full_page=True)
    page.click("#chis-rows button[data-source=S1]")
    page.select_option("#review-outcome", "managed_as_public_contact")
    page.fill("#review-rationale", "concerned neighbour; no tasking (synthetic)")
    page.fill("#review-measures", "contact details restricted")
    page.click("#review-form button[type=submit]")
    page.wait_for_function(
        "() => document.getElementById('review-result').textContent.startsWith('Recorded')"
    )
    assert "managed_as_public_contact by browser-fib_reviewer" in page.inner_text("#review-result")
    assert page.js_errors == []
    page.close()
    log = AuditLog(site["settings"].governance_path)
    decided = [e for e in log.query(subject="S1", limit=100) if e.operation is Operation.COLLECTION]
    log.close()
    assert decided and decided[-1].actor == "browser-fib_reviewer"


def test_frontline_cannot_reach_the_queue(browser: Any, site: dict[str, Any]) -> None:
    page = sign_in(browser, site, Role.FRONTLINE, "investigation")
    assert page.is_hidden("#chis-tab")
    # Even going around the page, the API refuses (and the attempt is audited).
    status = page.evaluate(
        """async () => (await fetch('/chis/candidates', {headers: {
             Authorization: 'Bearer ' + sessionStorage.getItem('mosaic.token'),
             'X-Purpose': 'investigation'}})).status"""
    )
    assert status == 403
    page.evaluate("() => document.getElementById('chis-tab').hidden = false")
    page.click("#chis-tab")
    page.wait_for_function("() => document.getElementById('chis-status').textContent")
    assert page.inner_text("#chis-status").startswith("Not available for your role")
    assert page.inner_text("#chis-rows") == ""
    page.close()

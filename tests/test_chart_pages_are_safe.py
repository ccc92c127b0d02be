"""The link-chart pages, their exports and the analyst workspace treat what is in records
as hostile, carry a Content-Security-Policy and the other security headers on every
response, show each caller only what they may see (also after another caller signs out
in the same tab), show the handling conditions that travel with each item, and audit an
export as an export.

Real app (TestClient or uvicorn on loopback), real store, data loaded through
`POST /ingest`, and Debian's Chromium driven by Playwright where the browser decides.
Every name, id and text is synthetic.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from fastapi.testclient import TestClient

from api.accounts import AccountStore
from api.app import create_app
from graph.access import Role
from graph.audit import AuditLog, Operation
from graph.edges import AssociationType, Edge, EdgeKind
from graph.markings import Compartment, Marking
from graph.nodes import Node, Source, SourceType
from graph.stores.sqlite import SqliteGraphStore
from tests import scenario as sc
from tests import wire as w
from tests.factories import edge, person
from tests.support.api_env import NDJSON, api_session, load, tmp_settings
from tests.support.browser import live_server
from tests.support.scenario_api import scenario_api

# Markup, a comment opener and the JavaScript line terminators, as another system might
# send them in a name, an address, an object's value, a report's text or its conditions.
EVIL = (
    "</script><script>window.__pwned=1</script><!--<script>"
    '<img src=x onerror="window.__pwned=2">\u2028\u2029'
)
EVIL_ID = 'PX"><svg onload=window.__pwned=3>'
EVIL_REPORT = 'R<x>"&'
EVIL_CONDITIONS = "<b>consult the originator</b> & 'do not copy'"
ARTIFACTS = Path(__file__).parent / "artifacts"


def hostile_records() -> list[w.Record]:
    """A person, an address, an object and a report whose every free-text field is markup;
    the report is code C with conditions that are markup too."""
    report = w.report(
        EVIL_REPORT,
        grade="2BC",
        text=EVIL,
        subjects=[w.ref(EVIL_ID)],
        associations=[{"a": w.ref(EVIL_ID), "b": w.ref("PY"), "type": "friend", "note": EVIL}],
        objects=[{"object_id": "OX", "role": "used"}],
    )
    report["grading"]["handling_conditions"] = EVIL_CONDITIONS
    return [
        w.location("LX", address=EVIL),
        w.person(EVIL_ID, EVIL, "Vell'\"&", at="LX"),
        w.person("PY", "Nell", "Bright"),
        w.obj("OX", value=EVIL),
        report,
    ]


def csp(value: str) -> dict[str, list[str]]:
    """A Content-Security-Policy value as {directive: [sources]}."""
    out: dict[str, list[str]] = {}
    for part in value.split(";"):
        words = part.split()
        if words:
            out[words[0].lower()] = words[1:]
    return out


def script_sources(policy: dict[str, list[str]]) -> list[str]:
    return policy.get("script-src", policy.get("default-src", []))


def sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


class Page(HTMLParser):
    """What a page would run or style: inline scripts (with their type), inline style
    elements, style and event-handler attributes, and the meta CSP."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.scripts: list[tuple[str | None, str | None, str]] = []  # (type, src, body)
        self.styles: list[str] = []
        self.style_attrs: list[str] = []
        self.handlers: list[str] = []
        self.tags: set[str] = set()
        self.meta_csp: list[str] = []
        self.first_script_at: int | None = None
        self.meta_at: int | None = None
        self._in: tuple[str, dict[str, str | None]] | None = None
        self._body: list[str] = []
        self._count = 0
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._count += 1
        a = dict(attrs)
        self.tags.add(tag)
        self.handlers += [k for k in a if k.lower().startswith("on")]
        if "style" in a:
            self.style_attrs.append(tag)
        if tag == "meta" and (a.get("http-equiv") or "").lower() == "content-security-policy":
            self.meta_csp.append(a.get("content") or "")
            self.meta_at = self.meta_at or self._count
        if tag in ("script", "style"):
            if tag == "script" and self.first_script_at is None:
                self.first_script_at = self._count
            self._in, self._body = (tag, a), []

    def handle_data(self, data: str) -> None:
        if self._in is not None:
            self._body.append(data)

    def handle_endtag(self, tag: str) -> None:
        if self._in is not None and tag == self._in[0]:
            name, a = self._in
            body = "".join(self._body)
            if name == "script":
                self.scripts.append((a.get("type"), a.get("src"), body))
            else:
                self.styles.append(body)
            self._in = None


@pytest.fixture
def api(tmp_path: Path) -> Iterator[tuple[TestClient, dict[Role, dict[str, str]], Any]]:
    roles = (Role.ANALYST, Role.PARTNER_AGENCY, Role.FRONTLINE)
    with api_session(tmp_path, roles, "investigation") as (client, headers, settings):
        load(client, headers[Role.ANALYST], hostile_records())
        yield client, headers, settings


def _get(client: TestClient, url: str, headers: dict[str, str]) -> httpx.Response:
    response: httpx.Response = client.get(url, headers=headers)
    assert response.status_code == 200, (url, response.text)
    return response


PAGE = f"/charts/persons/{quote(EVIL_ID, safe='')}"


# -- headers ---------------------------------------------------------------------------


def test_every_html_response_carries_a_strict_content_security_policy(api: Any) -> None:
    """The workspace, the chart page and the HTML export: no inline or eval'd script is
    allowed, no plugins, no <base>, and the page says who may frame it."""
    client, headers, _ = api
    analyst = headers[Role.ANALYST]
    pages = {
        "/": _get(client, "/", {}),
        PAGE: _get(client, PAGE, analyst),
        f"{PAGE}/export": _get(client, f"{PAGE}/export", analyst),
    }
    for url, response in pages.items():
        assert response.headers["content-type"].startswith("text/html"), url
        assert "content-security-policy" in response.headers, url
        policy = csp(response.headers["content-security-policy"])
        scripts = script_sources(policy)
        assert scripts, (url, policy)
        forbidden = {"'unsafe-inline'", "'unsafe-eval'", "*", "data:", "http:", "https:"}
        assert not forbidden & set(scripts), (url, scripts)
        assert policy.get("object-src", policy.get("default-src")) == ["'none'"], url
        assert policy.get("default-src") == ["'none'"], url
        assert policy.get("base-uri") == ["'none'"], url
        assert policy.get("form-action") == ["'none'"], url
        assert response.headers["x-content-type-options"] == "nosniff", url
        assert response.headers["referrer-policy"] == "no-referrer", url
    assert csp(pages["/"].headers["content-security-policy"])["frame-ancestors"] == ["'none'"]
    assert pages["/"].headers["x-frame-options"] == "DENY"
    assert csp(pages[PAGE].headers["content-security-policy"])["frame-ancestors"] == ["'self'"]


def test_data_responses_are_never_rendered_or_cached(api: Any) -> None:
    """The chart as JSON and as GraphML (and any other answer with personal data) is not
    sniffed into a page, runs nothing if opened as one, and is not kept in a cache: the
    chart page says "Pages with personal data are never cached"; its JSON was."""
    client, headers, _ = api
    analyst = headers[Role.ANALYST]
    for url in (f"{PAGE}.json", f"{PAGE}/export?format=graphml", "/persons?q=Vell"):
        response = _get(client, url, analyst)
        assert response.headers.get("cache-control") == "no-store", url
        assert response.headers["x-content-type-options"] == "nosniff", url
        policy = csp(response.headers.get("content-security-policy", ""))
        assert policy.get("default-src") == ["'none'"], (url, policy)
        assert "sandbox" in policy, (url, policy)
    static = client.get("/static/chart.js")
    assert static.headers["x-content-type-options"] == "nosniff"
    assert "public" in static.headers["cache-control"]  # code, not data: may be cached


# -- what the chart pages hold ------------------------------------------------------------


def test_the_served_chart_page_needs_no_inline_script_or_style(api: Any) -> None:
    """So the policy can forbid them: every script and style comes from /static (the only
    inline <script> is the chart's data, which is never run), and no element has a style
    or event-handler attribute."""
    client, headers, _ = api
    page = Page(_get(client, PAGE, headers[Role.ANALYST]).text)
    assert [t for t, src, _ in page.scripts if src is None] == ["application/json"]
    assert all(src and src.startswith("/static/") for t, src, _ in page.scripts if t is None)
    assert page.styles == [] and page.style_attrs == [] and page.handlers == []


def test_the_exported_chart_carries_its_policy_and_allows_only_its_own_scripts(api: Any) -> None:
    """A standalone file is opened from disk, where no HTTP header reaches it: its policy is
    in a <meta> before any script, and it allows each inline script and style by hash, so
    nothing else (nothing a record could smuggle in) would run."""
    client, headers, _ = api
    response = _get(client, f"{PAGE}/export", headers[Role.ANALYST])
    page = Page(response.text)
    assert len(page.meta_csp) == 1, page.meta_csp
    assert page.meta_at is not None and page.first_script_at is not None
    assert page.meta_at < page.first_script_at
    meta = csp(page.meta_csp[0])
    header = csp(response.headers["content-security-policy"])
    for policy in (meta, header):
        assert policy["default-src"] == ["'none'"]
        allowed = set(script_sources(policy))
        assert all(s.startswith("'sha256-") for s in allowed), allowed
        run = [body for t, src, body in page.scripts if t is None and src is None]
        assert run and {sha256(b) for b in run} == allowed
        assert {sha256(s) for s in page.styles} == set(policy["style-src"])
    assert page.style_attrs == [] and page.handlers == []


def test_hostile_text_in_records_stays_text_in_page_data_and_export(api: Any) -> None:
    """Names, ids, an address, an object's value, a report's id and its conditions are
    markup: none of it becomes an element or ends the data block, and the drawn data
    says exactly what the record says."""
    client, headers, _ = api
    analyst = headers[Role.ANALYST]
    chart = _get(client, f"{PAGE}.json", analyst).json()
    for text in (_get(client, PAGE, analyst).text, _get(client, f"{PAGE}/export", analyst).text):
        page = Page(text)
        assert page.handlers == [], page.handlers
        assert not {"img", "b"} & page.tags, page.tags
        assert len(page.scripts) == 3, page.scripts  # vis-network, the data, chart.js
        [data] = [body for t, _, body in page.scripts if t == "application/json"]
        assert "<" not in data and "\u2028" not in data and "\u2029" not in data
        drawn = json.loads(data)
        assert {n["id"]: n["label"] for n in drawn["nodes"]} == {
            n["id"]: n["label"] for n in chart["nodes"]
        }
        assert {n["title"] for n in drawn["nodes"]} == {n["title"] for n in chart["nodes"]}
        assert "&lt;b&gt;consult the originator&lt;/b&gt;" in text  # the conditions, escaped
    labels = " ".join(n["label"] for n in chart["nodes"])
    assert "</script><script>window.__pwned=1" in labels and EVIL_REPORT in labels


# -- exports are audited as exports ----------------------------------------------------------


@pytest.mark.parametrize("fmt", ["html", "graphml"])
def test_an_export_is_audited_as_an_export(api: Any, fmt: str) -> None:
    """A file leaving Mosaic is recorded as the export it is (as `mosaic chart -o` does),
    not as a look at the chart on screen; for a recipient it is one disclosure to them."""
    client, headers, settings = api
    analyst = headers[Role.ANALYST]
    _get(client, f"{PAGE}/export?format={fmt}", analyst)
    _get(client, f"{PAGE}/export?format={fmt}&recipient=MAPPA%20panel", analyst)
    _get(client, PAGE, analyst)
    log = AuditLog(settings.governance_path)
    entries = [e for e in log.query(subject=EVIL_ID, limit=100) if e.action.startswith("link")]
    log.close()
    got = [(e.operation, e.action, e.recipients) for e in entries]
    assert got == [
        (Operation.CONSULTATION, f"link chart export ({fmt})", []),
        (Operation.DISCLOSURE, f"link chart export ({fmt})", ["MAPPA panel"]),
        (Operation.CONSULTATION, "link chart", []),
    ]
    assert all(EVIL_REPORT in e.returned and "PY" in e.returned for e in entries)


# -- need to know --------------------------------------------------------------------------


def _hidden_material() -> tuple[list[Node], list[Edge]]:
    """Persons in the medical compartment and a source, tied to P1's network by general
    links: nobody reading charts but the roles that see them may learn they exist."""
    medical = Marking(compartment=Compartment.MEDICAL)
    hidden: list[Node] = [person(f"PH{i}", "Hid", f"Den{i}", marking=medical) for i in range(4)]
    hidden.append(Source(id="S9", source_type=SourceType.MEMBER_OF_PUBLIC, marking=sc.SOURCE_ONLY))
    links = [
        edge(
            f"EH{i}",
            EdgeKind.ASSOCIATED_WITH,
            "P1" if i % 2 else "P2",
            f"PH{i}",
            assoc=AssociationType.FRIEND,
            supports=sc.LOCAL,
        )
        for i in range(4)
    ]
    links.append(
        edge(
            "EHS",
            EdgeKind.PROVIDED_BY,
            "R2",
            "S9",
            supports=sc.LOCAL,
            compartment=Compartment.SOURCE,
        )
    )
    return hidden, links


@pytest.mark.parametrize("role", [Role.FRONTLINE, Role.PARTNER_AGENCY, Role.ANALYST])
def test_hidden_material_changes_nothing_in_a_chart(tmp_path: Path, role: Role) -> None:
    """Not a node, a count, a 'more', a fan-out, a left-out figure or a marking: the chart
    (JSON, page and export, with the cap and expansion in play) is the same as over a store
    that never held the hidden records."""
    urls = [
        "/charts/persons/P1.json?depth=3&include_hubs=true",
        "/charts/persons/P1.json?depth=1&cap=4&expand=P2&expand=PH1",
        "/charts/persons/P1?depth=2&cap=5",
        "/charts/persons/P1/export?depth=2",
    ]
    answers: list[list[str]] = []
    for name, more in (("bare", ((), ())), ("hidden", _hidden_material())):
        with scenario_api(tmp_path / name, (role,), more=more) as (client, auth, _):
            answers.append([_get(client, url, auth(role)).text for url in urls])
            assert client.get("/charts/persons/PH1.json", headers=auth(role)).status_code == 404
    assert answers[0] == answers[1]


# -- in the browser ---------------------------------------------------------------------------


CONDITIONED = "PCOND"
PERSON_CONDITIONS = "<i>partner use only</i> after consent"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The hand-built scenario, a person whose own record is code C with conditions, and
    the hostile records loaded through POST /ingest, behind Mosaic on loopback."""
    tmp = tmp_path_factory.mktemp("safe-pages")
    settings = tmp_settings(tmp)
    store = SqliteGraphStore(settings.db_path)
    store.upsert(sc.NODES, sc.EDGES)
    marked = Marking(handling_code="C", handling_conditions=PERSON_CONDITIONS)
    store.upsert([person(CONDITIONED, "Orla", "Conder", marking=marked)], [])
    accounts = AccountStore(settings.governance_path)
    roles = (Role.ANALYST, Role.PARTNER_AGENCY, Role.FRONTLINE)
    tokens = {r: accounts.add(f"safe-{r.value}", r) for r in roles}
    accounts.close()
    app = create_app(settings, store=store)
    with live_server(app) as url:
        auth = {"Authorization": f"Bearer {tokens[Role.ANALYST]}", "X-Purpose": "investigation"}
        loaded = httpx.post(
            url + "/ingest", content=w.dumps(hostile_records()), headers={**auth, **NDJSON}
        )
        assert loaded.status_code == 200 and loaded.json()["quarantined"] == 0, loaded.text
        yield {"url": url, "tokens": tokens}
    store.close()


def open_page(browser: Any, site: dict[str, Any]) -> Any:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.js_errors = []
    page.console_errors = []
    page.requests = []
    page.on("pageerror", lambda exc: page.js_errors.append(str(exc)))
    page.on("console", lambda m: page.console_errors.append(m.text) if m.type == "error" else None)
    page.on("request", lambda r: page.requests.append(r.url))
    page.goto(site["url"] + "/")
    return page


def sign_in(page: Any, site: dict[str, Any], role: Role, purpose: str = "investigation") -> None:
    page.fill("#token", site["tokens"][role])
    page.select_option("#purpose", purpose)
    page.click("#sign-in button[type=submit]")
    page.wait_for_selector("#app:not([hidden])")


def search(page: Any, q: str) -> str:
    page.click("nav button[data-tab=search]")
    page.fill("#search-q", q)
    page.click("#search-form button")
    page.wait_for_function("() => document.querySelector('#search-results li')")
    text: str = page.inner_text("#search-results")
    return text


def open_chart(page: Any, person_id: str) -> Any:
    page.click("nav button[data-tab=chart]")
    page.fill("#chart-person", person_id)
    page.click("#chart-form button[type=submit]")
    page.wait_for_function(
        "() => { const s = document.getElementById('chart-status');"
        " return s.dataset.nodes && !s.textContent.startsWith('Loading'); }"
    )
    page.frame_locator("#chart-frame").locator("body[data-stabilised=true]").wait_for()
    return page.frame(name="chart-frame") or page.frames[1]


def csp_refusals(page: Any) -> list[str]:
    return [m for m in page.console_errors if "Content Security Policy" in m]


INLINE_RUNS = """() => { const s = document.createElement('script');
  s.textContent = 'window.__inline = 1'; document.body.appendChild(s);
  return window.__inline === 1; }"""


@pytest.mark.browser
def test_workspace_and_chart_run_under_the_policy_and_records_stay_text(
    browser: Any, site: dict[str, Any]
) -> None:
    """In Chromium: the workspace and the chart drawn in it work with no policy refusal; an
    inline script would not run in either (the chart document inherits the workspace's
    policy); the hostile name, address and report read as text in the search results, the
    timeline, the chart's header and its hover text, and nothing in them ran."""
    page = open_page(browser, site)
    sign_in(page, site, Role.ANALYST)
    assert "Vell'\"&" in search(page, "Vell")
    frame = open_chart(page, EVIL_ID)
    assert frame.evaluate("() => mosaicChart.nodes") == 5
    assert EVIL_ID in frame.inner_text("h1")
    # Hover the subject: vis-network's tooltip shows the node's title as text.
    box = page.locator("#chart-frame").bounding_box()
    at = frame.evaluate(
        """id => { const n = mosaicChart.network; const p = n.canvasToDOM(n.getPositions([id])[id]);
          const r = document.getElementById('chart').getBoundingClientRect();
          return [r.left + p.x, r.top + p.y]; }""",
        EVIL_ID,
    )
    page.mouse.move(box["x"] + at[0], box["y"] + at[1])
    frame.wait_for_function(
        "() => { const t = document.querySelector('div.vis-tooltip');"
        " return t && t.style.visibility !== 'hidden' && t.textContent.includes('Vell'); }"
    )
    tip = frame.evaluate(
        "() => { const t = document.querySelector('div.vis-tooltip');"
        " return [t.textContent, Array.from(t.children).map(c => c.tagName)]; }"
    )
    # innerText makes each line break a <br>; nothing else becomes an element.
    assert "</script><script>window.__pwned=1</script>" in tip[0] and set(tip[1]) <= {"BR"}
    page.click("nav button[data-tab=timeline]")
    page.wait_for_selector("#timeline-rows tr")
    assert EVIL_REPORT in page.inner_text("#timeline-rows")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "workspace-hostile-records.png"), full_page=True)
    assert page.evaluate("() => window.__pwned") is None
    assert frame.evaluate("() => window.__pwned") is None
    assert page.js_errors == [] and csp_refusals(page) == [], page.console_errors
    # The policy is in force in the workspace and in the chart document it writes.
    assert page.evaluate(INLINE_RUNS) is False
    assert frame.evaluate(INLINE_RUNS) is False
    # ... and the console watcher sees such refusals, so "none" above means none.
    for _ in range(100):
        if len(csp_refusals(page)) >= 2:
            break
        page.wait_for_timeout(50)
    assert len(csp_refusals(page)) >= 2, page.console_errors
    # The token went in headers only: never in a URL the page asked for.
    assert not any(site["tokens"][Role.ANALYST] in u for u in page.requests)
    page.close()


@pytest.mark.browser
def test_the_exported_chart_runs_from_disk_under_its_own_policy(
    browser: Any, site: dict[str, Any], tmp_path: Path
) -> None:
    """The HTML export opened as a file: it draws (every inline script allowed by its
    hash), refuses nothing of its own, and would run no script it did not come with."""
    auth = {"Authorization": f"Bearer {site['tokens'][Role.ANALYST]}", "X-Purpose": "investigation"}
    body = httpx.get(f"{site['url']}{PAGE}/export", headers=auth)
    assert body.status_code == 200
    saved = tmp_path / "chart.html"
    saved.write_bytes(body.content)
    page = browser.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(saved.as_uri())
    page.wait_for_selector("body[data-stabilised=true]")
    assert page.evaluate("() => mosaicChart.nodes") == 5
    assert page.evaluate("() => window.__pwned") is None
    assert [m for m in errors if "Content Security Policy" in m] == [], errors
    assert page.evaluate(INLINE_RUNS) is False
    page.close()


@pytest.mark.browser
def test_signing_out_leaves_nothing_of_the_last_caller_on_the_page(
    browser: Any, site: dict[str, Any]
) -> None:
    """An analyst's search, chart, timeline, risk and paths are on the page; they sign out
    and a partner signs in on the same tab (a shared terminal). The partner must see
    none of the analyst's answers: they were for the analyst's token and purpose."""
    page = open_page(browser, site)
    sign_in(page, site, Role.ANALYST)
    search(page, "Hume")
    open_chart(page, "P1")
    page.click("nav button[data-tab=timeline]")
    page.wait_for_selector("#timeline-rows tr")
    page.click("nav button[data-tab=risk]")
    page.wait_for_function("() => document.getElementById('risk-score').textContent")
    page.click("nav button[data-tab=paths]")
    page.fill("#path-to", "P3")
    page.click("#paths-form button")
    page.wait_for_selector("#paths-results li")
    page.click("#sign-out")
    page.wait_for_selector("#sign-in-panel:not([hidden])")
    sign_in(page, site, Role.PARTNER_AGENCY)
    left = page.evaluate(
        """() => ({
          search: document.getElementById('search-results').textContent,
          status: document.getElementById('chart-status').textContent,
          nodes: document.getElementById('chart-status').dataset.nodes || '',
          frame: document.getElementById('chart-frame').srcdoc,
          person: document.getElementById('chart-person').value,
          from: document.getElementById('path-from').value,
          paths: document.getElementById('paths-results').textContent,
          timeline: document.getElementById('timeline-rows').textContent,
          management: document.getElementById('management').textContent,
          risk: document.getElementById('risk-findings').textContent
            + document.getElementById('risk-score').textContent,
          current: Array.from(document.querySelectorAll('.current-person'))
            .map(n => n.textContent).join(''),
        })"""
    )
    assert left == {k: "" for k in left}, left
    # And the timeline does not quietly reopen the analyst's person for the partner.
    page.click("nav button[data-tab=timeline]")
    assert "Search for a person" in page.inner_text("#app-error")
    page.close()


@pytest.mark.browser
def test_a_partner_sees_the_handling_conditions_of_each_item(
    browser: Any, site: dict[str, Any]
) -> None:
    """Conditions travel with each item (docs/access-and-audit.md): the API attaches them
    to a search hit, a timeline event and each link of a path or a risk finding's
    evidence, and the workspace shows them there, as text."""
    page = open_page(browser, site)
    sign_in(page, site, Role.PARTNER_AGENCY, "offender_management")
    assert PERSON_CONDITIONS in search(page, "Orla Conder")
    search(page, "Hume")
    page.click("#search-results li >> nth=0 >> button")
    page.frame_locator("#chart-frame").locator("body[data-stabilised=true]").wait_for()
    frame = page.frame(name="chart-frame") or page.frames[1]
    assert "originator consent before action" in frame.inner_text("#conditions")
    page.click("nav button[data-tab=timeline]")
    page.wait_for_selector("#timeline-rows tr")
    rows = page.locator("#timeline-rows tr", has_text="report R1")
    assert "originator consent before action" in rows.first.inner_text()
    page.click("nav button[data-tab=risk]")
    page.wait_for_selector("#risk-findings li")
    assert "originator consent before action" in page.inner_text("#risk-findings")
    page.click("nav button[data-tab=paths]")
    page.fill("#path-to", "P3")
    page.click("#paths-form button")
    page.wait_for_selector("#paths-results li")
    assert "originator consent before action" in page.inner_text("#paths-results")
    # Shown as text: the markup in the person's conditions made no element.
    assert page.locator("#search-results i").count() == 0
    assert page.js_errors == [] and csp_refusals(page) == []
    page.close()

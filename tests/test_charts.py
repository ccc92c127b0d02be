"""Link charts on the hand-built scenario: known nodes and edges on both backends, the cap,
filters, hubs, expansion, styling, banners, and that nothing hidden is ever in a chart."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest

from graph.access import AccessPolicy, Principal, Role
from graph.audit import AuditLog, Operation
from graph.charts.build import build_chart
from graph.charts.model import Chart
from graph.charts.render import render_html
from graph.store import GraphStore
from tests import scenario as sc
from tests.support.scenario_api import scenario_api

TODAY = date(2026, 11, 30)
SEEN_BY_ALL = ["P1", "P2", "P5", "R1", "R2", "R3", "L1", "O1", "P3", "P6", "L2"]
READERS = (
    Role.FRONTLINE,
    Role.OFFENDER_MANAGER,
    Role.ANALYST,
    Role.SUPERVISOR,
    Role.PARTNER_AGENCY,
)
# What no chart may carry for these readers: who the source is, and restricted fields.
SOURCE_IDENTITY = ("S1", "P4", sc.P4.names[0].given)
NEVER_IN_CHARTS = (
    "synthetic restricted medical note",  # P1's medical block
    "caller fears reprisals",  # R1's confidential section
)


def chart(store: GraphStore, role: Role = Role.ANALYST, **kw: object) -> Chart:
    policy = AccessPolicy(Principal("t", role))
    return build_chart(store, "P1", policy, today=TODAY, **kw)  # type: ignore[arg-type]


@pytest.fixture
def loaded(store: GraphStore) -> GraphStore:
    store.upsert(sc.NODES, sc.EDGES)
    return store


def test_known_nodes_and_edges_nearest_first(loaded: GraphStore) -> None:
    c = chart(loaded)
    assert [n.id for n in c.nodes] == SEEN_BY_ALL
    assert [e.id for e in c.edges] == [
        *["A1", "A2", "A3", "A4", "AB1", "AB2", "AB3", "H1", "H2", "H3", "I1"],
        *["L11", "L12", "M1", "M3", "U1"],
    ]
    assert [n.depth for n in c.nodes] == [0, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2]
    assert c.left_out == 0 and c.high_fanout == {}
    assert "custody" in c.note  # L3 (a custody suite) is a hub: not walked unless asked
    assert all(n.more == 0 for n in c.nodes)


def test_the_cap_keeps_the_nearest_and_says_what_is_left(loaded: GraphStore) -> None:
    c = chart(loaded, cap=4)
    assert [n.id for n in c.nodes] == ["P1", "P2", "P5", "R1"]
    assert c.left_out == 7 and "7 more nodes" in c.note
    assert {e.id for e in c.edges} == {"A1", "A3", "AB1", "M1"}
    more = {n.id: n.more for n in c.nodes}
    # P1's links to R2, R3, L1 and O1 are not drawn; P2 lives at L1 and is P3's parent.
    assert more["P1"] == 4 and more["P2"] == 2 and more["R1"] >= 3


def test_grade_and_type_filters_narrow_the_chart(loaded: GraphStore) -> None:
    analyst = AccessPolicy(Principal("t", Role.ANALYST)).filter
    good = analyst.model_copy(update={"exclude_suspected_false": True})
    c = chart(loaded, flt=good)
    ids = {e.id for e in c.edges}
    assert "AB2" not in ids and "A3" not in ids  # R2 is graded 3E: suspected false
    everything = {e.id for e in chart(loaded).edges}
    assert ids < everything


def test_hubs_only_when_asked(loaded: GraphStore) -> None:
    assert "L3" not in {n.id for n in chart(loaded).nodes}
    with_hubs = chart(loaded, include_hubs=True)
    [custody] = [n for n in with_hubs.nodes if n.id == "L3"]
    assert custody.group == "hub" and "hub" in custody.flags


def test_expanding_a_node_adds_its_links(loaded: GraphStore) -> None:
    shallow = chart(loaded, depth=1)
    assert "P3" not in {n.id for n in shallow.nodes}
    [p2] = [n for n in shallow.nodes if n.id == "P2"]
    assert p2.more == 1  # A2 to P3 (H2 to L1 is drawn: both ends are in the chart)
    grown = chart(loaded, depth=1, expand=["P2", "NOT-IN-CHART"])
    assert {"P3"} <= {n.id for n in grown.nodes} and "A2" in {e.id for e in grown.edges}
    assert [n.more for n in grown.nodes if n.id == "P2"] == [0]
    assert {n.id for n in grown.nodes} >= {n.id for n in shallow.nodes}


def test_styles_grades_and_markings(loaded: GraphStore) -> None:
    c = chart(loaded)
    group = {n.id: n.group for n in c.nodes}
    assert group["P1"] == "nominal_RSO" and group["P3"] == "child" and group["L2"] == "child_place"
    assert group["R1"] == "report" and group["O1"] == "object_vehicle"
    edges = {e.id: e for e in c.edges}
    assert edges["AB2"].suspected_false and edges["AB2"].low_grade and edges["AB2"].grade == "3E"
    assert edges["A1"].grade == "2B" and not edges["A1"].low_grade
    assert edges["A1"].handling_code == "C" and edges["A1"].conditions
    assert edges["A4"].grade == "B2"  # legacy 5x5x5, shown as recorded
    assert "R1" in edges["A1"].title and "partner" in edges["A1"].label
    assert c.classification == "OFFICIAL-SENSITIVE"
    assert "originator consent before action" in c.handling_conditions


@pytest.mark.parametrize("role", READERS)
def test_charts_never_carry_hidden_material(loaded: GraphStore, role: Role) -> None:
    c = chart(loaded, role, depth=4, include_hubs=True)
    page = render_html(c, evidence=True)
    data = c.model_dump_json()
    for text in (*SOURCE_IDENTITY, *NEVER_IN_CHARTS):
        if text in ("S1", "P4"):
            assert text not in {n.id for n in c.nodes}, text
            assert not re.search(rf"\b{text}\b", page + data), text
        else:
            assert text not in page and text not in data, text


def test_the_fib_sees_the_source_but_never_restricted_fields(loaded: GraphStore) -> None:
    c = chart(loaded, Role.FIB_REVIEWER, depth=3)
    assert {"S1", "P4"} <= {n.id for n in c.nodes}
    page = render_html(c, evidence=True)
    assert all(text not in page for text in NEVER_IN_CHARTS)


def test_the_page_is_self_contained_with_banners(loaded: GraphStore) -> None:
    c = chart(loaded)
    page = render_html(c, evidence=True)
    assert page.count('class="banner"') == 2
    assert page.index('id="banner-top"') < page.index('id="chart"') < page.index("banner-bottom")
    assert "OFFICIAL-SENSITIVE" in page and "originator consent before action" in page
    assert not re.search(r"""(src|href)=["']?https?:""", page)  # nothing from a CDN
    assert "vis.Network" in page and 'id="evidence"' in page
    data = re.search(r'<script type="application/json" id="chart-data">(.*?)</script>', page)
    assert data is not None
    drawn = json.loads(data.group(1))
    assert [n["id"] for n in drawn["nodes"]] == SEEN_BY_ALL
    assert len(drawn["edges"]) == len(c.edges)
    dashed = {e["id"] for e in drawn["edges"] if e.get("dashes")}
    assert "AB2" in dashed and "A1" not in dashed


def test_markup_in_records_cannot_break_out(loaded: GraphStore) -> None:
    from graph.edges import AssociationType, EdgeKind

    FRIEND = AssociationType.FRIEND  # noqa: N806
    from tests.factories import edge, person

    evil = person("PX", "</script><script>alert(1)</script>", "<b>x</b>")
    tie = edge("AX", EdgeKind.ASSOCIATED_WITH, "P1", "PX", supports=sc.LOCAL, assoc=FRIEND)
    loaded.upsert([evil], [tie])
    page = render_html(chart(loaded), evidence=True)
    assert "<script>alert(1)" not in page and "<b>x</b>" not in page


def test_over_http_audited_and_served_without_a_cdn(tmp_path: Path) -> None:
    roles = (Role.ANALYST, Role.FRONTLINE, Role.AUDITOR)
    with scenario_api(tmp_path, roles) as (client, auth, settings):
        page = client.get("/charts/persons/P1", headers=auth(Role.ANALYST))
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert page.headers["cache-control"] == "no-store"
        assert 'src="/static/vis-network.min.js"' in page.text
        for name in ("vis-network.min.js", "vis-network.css", "chart.js"):
            assert client.get(f"/static/{name}").status_code == 200
        assert client.get("/static/..%2Fsecrets").status_code == 404
        data = client.get("/charts/persons/P1.json?depth=1", headers=auth(Role.ANALYST)).json()
        assert [n["id"] for n in data["nodes"]] == ["P1", "P2", "P5", "R1", "R2", "R3", "L1", "O1"]
        graded = client.get(
            "/charts/persons/P1.json?exclude=suspected_false", headers=auth(Role.ANALYST)
        ).json()
        assert len(graded["edges"]) < 16
        assert (
            client.get("/charts/persons/P4.json", headers=auth(Role.FRONTLINE)).status_code == 200
        )
        assert (
            client.get("/charts/persons/S1.json", headers=auth(Role.FRONTLINE)).status_code == 404
        )
        assert client.get("/charts/persons/P1", headers=auth(Role.AUDITOR)).status_code == 403
        assert (
            client.get("/charts/persons/P1.json?cap=0", headers=auth(Role.ANALYST)).status_code
            == 422
        )
    log = AuditLog(settings.governance_path)
    charts = [e for e in log.query(subject="P1", limit=1000) if e.action == "link chart"]
    log.close()
    assert charts and all(e.operation is Operation.CONSULTATION for e in charts)
    first = charts[0]
    assert first.subjects == ["P1"] and set(SEEN_BY_ALL) <= set(first.returned)


def test_exports_carry_banner_conditions_and_are_audited_as_disclosures(tmp_path: Path) -> None:
    import networkx as nx

    with scenario_api(tmp_path, (Role.ANALYST, Role.PARTNER_AGENCY)) as (client, auth, settings):
        html = client.get(
            "/charts/persons/P1/export?recipient=Children%27s%20Services",
            headers=auth(Role.ANALYST),
        )
        assert html.status_code == 200 and "attachment" in html.headers["content-disposition"]
        page = html.text
        assert page.count('class="banner"') == 2 and 'id="evidence"' in page
        assert "originator consent before action" in page
        assert not re.search(r"""(src|href)=["']?https?:""", page)
        assert "vis.Network" in page and "<script src=" not in page  # everything inlined
        graphml = client.get(
            "/charts/persons/P1/export?format=graphml", headers=auth(Role.PARTNER_AGENCY)
        )
        assert graphml.headers["content-type"].startswith("application/graphml+xml")
        text = graphml.text
        assert text.count("<!-- OFFICIAL-SENSITIVE -->") == 2
        g = nx.parse_graphml(text, force_multigraph=True)
        assert g.graph["classification"] == "OFFICIAL-SENSITIVE"
        assert "originator consent before action" in g.graph["handling_conditions"]
        assert "S1" not in g and "P1" in g
        graded = {d["grade"] for _, _, d in g.edges(data=True)}
        assert "2B" in graded
    log = AuditLog(settings.governance_path)
    entries = log.query(operation=Operation.DISCLOSURE, limit=100)
    log.close()
    [disclosed] = entries
    assert disclosed.recipients == ["Children's Services"] and disclosed.subjects == ["P1"]
    assert disclosed.action == "link chart export (html)" and "P3" in disclosed.returned


def test_cli_writes_a_chart_file_and_audits_it(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from api.cli import app
    from graph.stores.sqlite import SqliteGraphStore

    db = tmp_path / "g.db"
    with SqliteGraphStore(db) as s:
        s.upsert(sc.NODES, sc.EDGES)
    out = tmp_path / "chart.html"
    runner = CliRunner()
    env = {"MOSAIC_GOVERNANCE_PATH": str(tmp_path / "gov.db")}
    args = ["chart", "P1", "--purpose", "investigation", "-o", str(out), "--db", str(db)]
    result = runner.invoke(app, [*args, "--for", "MAPPA panel"], env=env)
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())  # rich wraps long lines
    assert "(11 nodes, 16 links" in said and said.startswith("OFFICIAL-SENSITIVE")
    page = out.read_text()
    assert page.count('class="banner"') == 2 and "Darrel Hume" in page
    graphml = tmp_path / "chart.graphml"
    args = ["chart", "P1", "--purpose", "investigation", "-o", str(graphml), "--db", str(db)]
    result = runner.invoke(app, [*args, "--format", "graphml", "--role", "frontline"], env=env)
    assert result.exit_code == 0, result.output
    assert "S1" not in graphml.read_text()
    missing = runner.invoke(
        app, ["chart", "S1", "--purpose", "investigation", "-o", str(out), "--db", str(db)], env=env
    )
    assert missing.exit_code == 1 and "not found" in missing.output
    log = AuditLog(tmp_path / "gov.db")
    ops = [(e.operation, e.recipients) for e in log.query(subject="P1", limit=10)]
    log.close()
    assert ops == [(Operation.DISCLOSURE, ["MAPPA panel"]), (Operation.CONSULTATION, [])]

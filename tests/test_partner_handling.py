"""What a partner agency receives is limited to handling codes P, C and legacy 2 in the
`general` compartment, with handling conditions attached to every item; nothing hidden is
named, not even inside an edge's provenance or an entity id. Real app, real accounts,
embedded store, data through POST /ingest."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from graph.access import Role
from tests import wire as w
from tests.support.api_env import load, role_headers, tmp_settings

CONDITIONS = "originator consent before action"  # what tests/wire.py gives every code C


@pytest.fixture
def api(tmp_path: Path) -> Iterator[tuple[TestClient, dict[Role, dict[str, str]]]]:
    settings = tmp_settings(tmp_path)
    headers = role_headers(
        settings.governance_path, (Role.ANALYST, Role.PARTNER_AGENCY), "offender_management"
    )
    with TestClient(create_app(settings)) as client:
        yield client, headers


def _legacy(rid: str, code: str, **kw: Any) -> w.Record:
    """A report graded on the legacy 5x5x5 scheme with handling code `code`."""
    record = w.report(rid, **kw)
    record["grading"] = {
        "scheme": "5x5x5",
        "source_evaluation": "B",
        "intelligence_assessment": "2",
        "handling_code": code,
        "handling_conditions": None,
    }
    return record


def _assoc(a: str, b: str, kind: str) -> dict[str, Any]:
    return {"a": w.ref(a), "b": w.ref(b), "type": kind, "note": None}


def _mention(given: str, family: str) -> dict[str, Any]:
    return {
        "name": {"given": given, "family": family},
        "dob": None,
        "address": None,
        "postcode": None,
    }


def _leaking(
    client: TestClient, headers: dict[str, str], urls: list[str], hidden: str
) -> list[str]:
    leaks = []
    for url in urls:
        response = client.get(url, headers=headers)
        assert response.status_code == 200, (url, response.text)
        if hidden in response.text:
            leaks.append(url)
    return leaks


def test_partner_gets_an_edge_whose_provenance_cites_a_law_enforcement_only_report(
    api: Any,
) -> None:
    """A code C report and a legacy code 1 report (law enforcement only: the partner gets
    404 for it) assert the same association. The edge is marked C, so the partner sees it,
    and its provenance names R-LE1 with its grading; strength and timeline count it."""
    client, headers = api
    load(
        client,
        headers[Role.ANALYST],
        [
            w.person("PA", "Alden", "Quarry"),
            w.person("PB", "Brin", "Tosh"),
            w.report("R-C", day=2, grade="2BC", associations=[_assoc("PA", "PB", "partner")]),
            _legacy("R-LE1", "1", day=3, associations=[_assoc("PA", "PB", "partner")]),
        ],
    )
    partner = headers[Role.PARTNER_AGENCY]
    assert client.get("/reports/R-LE1", headers=partner).status_code == 404
    urls = [
        "/persons/PA/associates",
        "/paths?from=PA&to=PB",
        "/charts/persons/PA.json",
        "/charts/persons/PA/export?format=graphml",
    ]
    assert _leaking(client, partner, urls, "R-LE1") == []
    # The strictest support decides (docs/access-and-audit.md): the edge names R-LE1 in its
    # provenance, so a partner does not get the edge at all; an analyst gets both reports.
    associates = client.get("/persons/PA/associates", headers=partner).json()["associates"]
    assert associates == []
    timeline = client.get("/persons/PA/timeline", headers=partner).json()["events"]
    assert not any("R-LE1" in json.dumps(e) for e in timeline), timeline
    analyst = {k: v for k, v in headers[Role.ANALYST].items() if k != "Content-Type"}
    seen = client.get("/persons/PA/associates", headers=analyst).json()["associates"]
    assert [a["strength"]["reports"] for a in seen] == [2]


def test_partner_gets_an_edge_whose_provenance_cites_a_legacy_code_4_report(api: Any) -> None:
    """Legacy code 2 (UK partners) and code 4 (originating agency only) support one
    association: the edge is marked with min("2", "4") == "2", so the partner sees it and
    its provenance names R-LE4, a report the partner gets 404 for."""
    client, headers = api
    load(
        client,
        headers[Role.ANALYST],
        [
            w.person("PA", "Alden", "Quarry"),
            w.person("PC", "Cal", "Ure"),
            _legacy("R-LE2", "2", day=4, associations=[_assoc("PA", "PC", "friend")]),
            _legacy("R-LE4", "4", day=5, associations=[_assoc("PA", "PC", "friend")]),
        ],
    )
    partner = headers[Role.PARTNER_AGENCY]
    assert client.get("/reports/R-LE4", headers=partner).status_code == 404
    urls = [
        "/persons/PA/associates",
        "/paths?from=PA&to=PC",
        "/charts/persons/PA.json",
        "/charts/persons/PA/export?format=html",
    ]
    assert _leaking(client, partner, urls, "R-LE4") == []


def test_entity_id_names_a_mention_the_partner_may_not_see(api: Any) -> None:
    """A name-only mention in a law-enforcement-only report becomes person MEN-R-LE1-0
    (404 to a partner). Judged the same as PX, it becomes the entity's smallest member, so
    the entity id the partner reads on PX names the hidden person and report."""
    client, headers = api
    analyst, partner = headers[Role.ANALYST], headers[Role.PARTNER_AGENCY]
    load(
        client,
        analyst,
        [w.person("PX", "Alden", "Quarry"), _legacy("R-LE1", "1", mentions=[_mention("Q", "R")])],
    )
    judged = client.post(
        "/resolution/judgements",
        json={"a": "MEN-R-LE1-0", "b": "PX", "verdict": "same", "reason": "same man"},
        headers=analyst,
    )
    assert judged.status_code == 200, judged.text
    assert client.get("/persons/MEN-R-LE1-0", headers=partner).status_code == 404
    assert _leaking(client, partner, ["/persons/PX", "/persons/PX/entity"], "R-LE1") == []


@pytest.fixture
def code_c(api: Any) -> tuple[TestClient, dict[str, str]]:
    """A code C report about PX that names a new person and answers a tasking."""
    client, headers = api
    load(
        client,
        headers[Role.ANALYST],
        [
            w.person("PX", "Alden", "Quarry"),
            w.tasking("T1"),
            w.report(
                "R-C",
                day=2,
                grade="2BC",
                subjects=[w.ref("PX")],
                mentions=[_mention("Zephyr", "Nolancourt")],
                answers_taskings=["T1"],
            ),
        ],
    )
    partner = headers[Role.PARTNER_AGENCY]
    report = client.get("/reports/R-C", headers=partner).json()["report"]
    assert report["marking"]["handling_conditions"] == CONDITIONS
    return client, partner


def test_partner_timeline_names_a_code_c_report_without_its_conditions(code_c: Any) -> None:
    client, partner = code_c
    body = client.get("/persons/PX/timeline", headers=partner).json()
    assert [e["node_id"] for e in body["events"]] == ["R-C"]
    assert CONDITIONS in str(body)


def test_partner_taskings_name_a_code_c_answer_without_its_conditions(code_c: Any) -> None:
    client, partner = code_c
    body = client.get("/taskings", headers=partner).json()
    assert [a["report_id"] for a in body["items"][0]["answered_by"]] == ["R-C"]
    assert CONDITIONS in str(body)


def test_partner_search_returns_a_code_c_person_without_its_conditions(code_c: Any) -> None:
    client, partner = code_c
    person = client.get("/persons/MEN-R-C-0", headers=partner).json()
    assert person["marking"]["handling_conditions"] == CONDITIONS
    body = client.get("/persons?q=Nolancourt", headers=partner).json()
    assert [i["id"] for i in body["items"]] == ["MEN-R-C-0"]
    assert CONDITIONS in str(body)


def test_every_role_allows_a_prefix_of_the_handling_code_order() -> None:
    """An edge takes the most restrictive code of its supports (`HANDLING_CODE_RANK`): that
    shows it to exactly the callers who may see every support only while each role's
    allowed codes are the most open ones, a prefix of the order."""
    from graph.access import ROLE_RULES
    from graph.markings import HANDLING_CODE_RANK

    order = sorted(HANDLING_CODE_RANK, key=HANDLING_CODE_RANK.__getitem__)
    limited = [r.handling_codes for r in ROLE_RULES.values() if r.handling_codes is not None]
    assert limited
    for allowed in limited:
        assert set(order[: len(allowed)]) == set(allowed), allowed


def test_a_hidden_record_never_joins_two_records_into_one_entity_for_a_partner(api: Any) -> None:
    """A law-enforcement-only report (legacy code 1: 404 to a partner) mentions a man by
    name, date of birth and address. Its mention person MEN-R-LE1-0 auto-links to nominal
    P1 (same name and date of birth) and to P2 (same name and address), which on their own
    are only a possible match: for an analyst the three are one entity. A partner sees P1
    and P2 but not the record that joins them, so to the partner they are two records that
    may be one person: P2 is not in P1's entity, and P2's child in the household is a
    possible finding, not counted. Counted, it would tell the partner that material they
    may not see makes P1 and P2 one man (and it moved P1's score from 0 to 5)."""
    client, headers = api
    analyst, partner = headers[Role.ANALYST], headers[Role.PARTNER_AGENCY]
    mention = {
        "name": {"given": "Corwin", "family": "Ashdale"},
        "dob": "1979-02-11",
        "address": "14 Orchard Row, Sampletown",
        "postcode": "SX9 4QT",
    }
    load(
        client,
        analyst,
        [
            w.location("L1", "14 Orchard Row, Sampletown", "SX9 4QT"),
            _legacy("R-LE1", "1", mentions=[mention]),  # before P1 and P2: a new person
        ],
    )
    load(
        client,
        analyst,
        [
            w.nominal("P1", "Corwin", "Ashdale", dob="1979-02-11"),
            w.person("P2", "Corwin", "Ashdale", at="L1", dob=None, gender=None),
            w.person("K1", "Tamsin", "Ashdale", dob="2016-04-02"),
            w.association("A1", "P2", "K1", "parent_of"),
        ],
    )
    assert client.get("/persons/MEN-R-LE1-0", headers=partner).status_code == 404
    joined = ["MEN-R-LE1-0", "P1", "P2"]
    assert (
        client.get("/persons/P1/entity", headers=analyst).json()["entity_id"] == "ENT-MEN-R-LE1-0"
    )
    assert [
        m["id"] for m in client.get("/persons/P1/entity", headers=analyst).json()["members"]
    ] == joined
    assert client.get("/persons/P1/risk", headers=analyst).json()["score"] == 5

    assert client.get("/persons/P1", headers=partner).json()["entity"]["records"] == ["P1"]
    assert client.get("/persons/P2", headers=partner).json()["entity"]["records"] == ["P2"]
    entity = client.get("/persons/P1/entity", headers=partner).json()
    assert (entity["entity_id"], [m["id"] for m in entity["members"]]) == ("ENT-P1", ["P1"])
    risk = client.get("/persons/P1/risk", headers=partner).json()
    assert (risk["records"], risk["score"], risk["findings"]) == (["P1"], 0, [])
    assert [(f["rule"], f["possible_match"]) for f in risk["possible"]] == [
        ("child_in_household", "P2")
    ]


def test_partner_chart_draws_code_c_records_with_their_conditions(code_c: Any) -> None:
    """Each node drawn carries its own record's handling code and conditions (JSON, hover
    text, GraphML node): a code C report or person is an item of its own, which a tool
    importing the GraphML may take without the graph's attributes or its links."""
    import xml.etree.ElementTree as ET

    client, partner = code_c
    chart = client.get("/charts/persons/PX.json", headers=partner).json()
    nodes = {n["id"]: n for n in chart["nodes"]}
    assert set(nodes) == {"PX", "R-C", "MEN-R-C-0", "T1"}  # T1: the tasking R-C answers
    for nid in ("R-C", "MEN-R-C-0"):
        assert (nodes[nid]["handling_code"], nodes[nid]["conditions"]) == ("C", [CONDITIONS])
        assert f"handling code C: {CONDITIONS}" in nodes[nid]["title"]
    assert (nodes["PX"]["handling_code"], nodes["PX"]["conditions"]) == (None, [])
    graphml = client.get("/charts/persons/PX/export?format=graphml", headers=partner).text
    ns = {"g": "http://graphml.graphdrawing.org/xmlns"}
    root = ET.fromstring(graphml.encode())
    keys = {k.get("id"): k.get("attr.name") for k in root.findall("g:key", ns)}
    shown = {
        n.get("id"): {keys[d.get("key")]: d.text for d in n.findall("g:data", ns)}
        for n in root.iter("{http://graphml.graphdrawing.org/xmlns}node")
    }
    assert shown["R-C"]["handling_conditions"] == CONDITIONS
    assert shown["MEN-R-C-0"]["handling_code"] == "C"
    assert "handling_conditions" not in shown["PX"] or not shown["PX"]["handling_conditions"]
    page = client.get("/charts/persons/PX/export?format=html", headers=partner).text
    table = page.split('<table id="record-conditions">', 1)[1].split("</table>", 1)[0]
    assert "(MEN-R-C-0)" in table and "(R-C)" in table and "(PX)" not in table
    assert table.count(f"C: {CONDITIONS}") == 2


def test_partner_measures_rank_a_code_c_report_with_its_conditions(
    code_c: Any, tmp_path: Path
) -> None:
    """Network measures list nodes by id with figures, not their records: a code C report
    ranked among the most connected carries its conditions there, as a search hit does."""
    from graph.analysis.measures import MeasureStore, analyse, role_views
    from graph.stores.sqlite import SqliteGraphStore

    client, partner = code_c
    settings = tmp_settings(tmp_path)
    with SqliteGraphStore(settings.db_path) as store:
        kept = MeasureStore(settings.analysis_path)
        try:
            analyse(store, kept, role_views())
        finally:
            kept.close()
    body = client.get("/analysis/measures?kind=Report", headers=partner).json()
    assert [(n["node_id"], n["handling_conditions"]) for n in body["nodes"]] == [
        ("R-C", CONDITIONS)
    ]
    people = client.get("/analysis/measures?kind=Person", headers=partner).json()["nodes"]
    assert {n["node_id"]: n["handling_conditions"] for n in people} == {
        "PX": None,
        "MEN-R-C-0": CONDITIONS,
    }

"""All shortest paths and connecting networks on the hand-built scenario, both backends."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import pytest

from graph.access import AccessPolicy, Principal, Role
from graph.analysis.associates import step_filter
from graph.analysis.paths import connecting_network, shortest_paths
from graph.audit import AuditLog, Operation
from graph.edges import Edge
from graph.store import GraphStore, TraversalFilter
from tests import scenario as sc
from tests.support.scenario_api import scenario_api


@pytest.fixture
def loaded(store: GraphStore) -> GraphStore:
    store.upsert(sc.NODES, sc.EDGES)
    return store


def ids(paths: list[list[Edge]]) -> list[list[str]]:
    return [[e.id for e in path] for path in paths]


def test_every_shortest_path_worked_out_by_hand(loaded: GraphStore) -> None:
    found = shortest_paths(loaded, "P3", "P6")
    assert found.length == 4
    assert ids(found.paths) == [
        ["A2", "A1", "A3", "A4"],
        ["A2", "A1", "AB3", "M3"],
        ["H3", "H1", "A3", "A4"],
        ["H3", "H1", "AB3", "M3"],
    ]
    assert {"P1", "R3", "L1", "P5"} <= set(found.nodes)


def test_paths_match_networkx_on_the_same_graph(loaded: GraphStore) -> None:
    """Independent answer: networkx all_shortest_paths on the projection with the same
    filter (the count of distinct node sequences; parallel edges multiply paths here)."""
    graph = nx.Graph(loaded.projection(step_filter(TraversalFilter(), include_hubs=False)))
    expected = {tuple(p) for p in nx.all_shortest_paths(graph, "P3", "P6")}
    found = shortest_paths(loaded, "P3", "P6")
    walked = set()
    for path in found.paths:
        node, seq = "P3", ["P3"]
        for edge in path:
            node = edge.dst if edge.src == node else edge.src
            seq.append(node)
        walked.add(tuple(seq))
    assert walked == expected


def test_restricted_view_has_fewer_paths_never_a_hidden_hop(loaded: GraphStore) -> None:
    partner = AccessPolicy(Principal("p", Role.PARTNER_AGENCY)).filter
    found = shortest_paths(loaded, "P3", "P6", flt=partner)
    assert ids(found.paths) == [["A2", "A1", "A3", "A4"], ["H3", "H1", "A3", "A4"]]
    assert "R3" not in found.nodes


def test_too_far_or_unconnected(loaded: GraphStore) -> None:
    assert shortest_paths(loaded, "P3", "P6", max_len=3).length is None
    assert shortest_paths(loaded, "P1", "P4").paths == []  # only linked through a source
    with pytest.raises(ValueError, match="max_len"):
        shortest_paths(loaded, "P1", "P2", max_len=7)


def test_connecting_network(loaded: GraphStore) -> None:
    net = connecting_network(loaded, ["P6", "P3", "P4"])
    assert [e.id for e in net.edges] == ["A1", "A2", "A3", "A4", "AB3", "H1", "H3", "M3"]
    assert net.unconnected == [("P3", "P4"), ("P4", "P6")]
    assert net.people == ["P3", "P4", "P6"]


def test_paths_and_network_over_http(tmp_path: Path) -> None:
    with scenario_api(tmp_path, (Role.ANALYST, Role.PARTNER_AGENCY), "investigation") as (
        client,
        auth,
        settings,
    ):
        body = client.get("/paths?from=P3&to=P6", headers=auth(Role.ANALYST)).json()
        assert body["length"] == 4 and len(body["paths"]) == 4
        assert {n["id"] for n in body["nodes"]} >= {"P1", "R3", "L1"}
        p1 = next(n for n in body["nodes"] if n["id"] == "P1")
        assert p1["medical"] is None  # an analyst does not see medical notes on the way
        partner = client.get("/paths?from=P3&to=P6", headers=auth(Role.PARTNER_AGENCY)).json()
        assert len(partner["paths"]) == 2 and "R3" not in {n["id"] for n in partner["nodes"]}
        none = client.get("/paths?from=P3&to=P6&max_len=3", headers=auth(Role.ANALYST)).json()
        assert none["length"] is None and none["paths"] == []
        assert client.get("/paths?from=P3&to=zz", headers=auth(Role.ANALYST)).status_code == 404
        net = client.post(
            "/analysis/connecting-network",
            json={"people": ["P6", "P3", "P4"]},
            headers=auth(Role.ANALYST),
        ).json()
        assert [e["id"] for e in net["edges"]] == ["A1", "A2", "A3", "A4", "AB3", "H1", "H3", "M3"]
        assert net["unconnected"] == [["P3", "P4"], ["P4", "P6"]]
    log = AuditLog(settings.governance_path)
    try:
        actions = [e.action for e in log.query(operation=Operation.CONSULTATION, actor="analyst")]
    finally:
        log.close()
    assert actions.count("paths") == 2 and "connecting network" in actions

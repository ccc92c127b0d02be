"""Link-analysis requests that name one person twice, and the force-wide ranking of a
person held under several ViSOR records: each through the real app (embedded store, real
accounts, `POST /ingest`), and the library calls under them."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.access import Role
from graph.analysis.paths import connecting_network, shortest_paths
from graph.store import GraphStore
from tests import scenario as sc
from tests import wire as w
from tests.support.api_env import api_session, audit_entries, load
from tests.support.scenario_api import scenario_api


@pytest.fixture
def loaded(store: GraphStore) -> GraphStore:
    store.upsert(sc.NODES, sc.EDGES)
    return store


def test_connecting_network_refuses_one_person_named_twice(tmp_path: Path) -> None:
    """`["P1", "P1"]` passed the two-person minimum and answered an empty network with no
    unconnected pair, as if one person were a network: refused, naming the repeat."""
    with scenario_api(tmp_path, (Role.ANALYST,)) as (client, auth, settings):
        before = len(audit_entries(settings))
        twice = client.post(
            "/analysis/connecting-network",
            json={"people": ["P1", "P1"]},
            headers=auth(Role.ANALYST),
        )
        assert twice.status_code == 422, twice.text
        text = twice.text
        assert "distinct" in text and "P1" in text and "more than once" in text
        repeat = client.post(
            "/analysis/connecting-network",
            json={"people": ["P3", "P6", "P3"]},
            headers=auth(Role.ANALYST),
        )
        assert repeat.status_code == 422 and "P3" in repeat.text
        ok = client.post(
            "/analysis/connecting-network",
            json={"people": ["P3", "P6"]},
            headers=auth(Role.ANALYST),
        )
        assert ok.status_code == 200
        schema = client.get("/openapi.json").json()["components"]["schemas"]["NetworkRequest"]
        assert schema["properties"]["people"]["uniqueItems"] is True
        # The refusals read nothing, so only the accepted request is on the record.
        after = [e.action for e in audit_entries(settings)[before:]]
        assert after == ["connecting network"]


def test_connecting_network_needs_two_distinct_people(loaded: GraphStore) -> None:
    with pytest.raises(ValueError, match="two distinct people"):
        connecting_network(loaded, ["P1", "P1"])
    with pytest.raises(ValueError, match=r"P3 .*more than once"):
        connecting_network(loaded, ["P3", "P6", "P3"])
    assert connecting_network(loaded, ["P3", "P6"]).unconnected == []


def test_a_path_from_a_person_to_themselves_is_refused(tmp_path: Path) -> None:
    """`from=X&to=X` answered `length: null`, which means "no path": it is refused as a
    question about two people, whether or not X exists or may be seen."""
    with scenario_api(tmp_path, (Role.ANALYST,)) as (client, auth, _settings):
        same = client.get("/paths?from=P3&to=P3", headers=auth(Role.ANALYST))
        assert same.status_code == 422, same.text
        assert same.json()["message"] == "from and to are the same person (P3)"
        ghost = client.get("/paths?from=zz&to=zz", headers=auth(Role.ANALYST))
        assert ghost.status_code == 422  # the same answer for a person who is not there
        assert client.get("/paths?from=P3&to=P6", headers=auth(Role.ANALYST)).status_code == 200


def test_shortest_paths_refuses_the_same_person_at_both_ends(loaded: GraphStore) -> None:
    with pytest.raises(ValueError, match="same person"):
        shortest_paths(loaded, "P3", "P3")


def test_ranked_risk_lists_a_person_once_whatever_their_visor_records(tmp_path: Path) -> None:
    """Two ViSOR records of one human (one entity) were ranked as two rows with the same
    score: the ranking is per person, one row listing the records assessed."""
    with api_session(tmp_path, (Role.SUPERVISOR,), "offender_management") as (
        client,
        headers,
        settings,
    ):
        supervisor = headers[Role.SUPERVISOR]
        load(
            client,
            supervisor,
            [
                w.nominal("NV-B", "Hollis", "Brandt", dob="1981-07-09"),
                w.nominal("NV-A", "Hollis", "Brandt", dob="1981-07-09"),
                w.nominal("NV-C", "Other", "Example", dob="1975-02-03"),
                w.report("RV1", subjects=[w.ref("NV-B")], risk_indicators=["substance_misuse"]),
            ],
        )
        verdict = {"a": "NV-A", "b": "NV-B", "verdict": "same", "reason": "one person (synthetic)"}
        judged = client.post("/resolution/judgements", json=verdict, headers=supervisor)
        assert judged.status_code == 200, judged.text
        ranked = client.get("/risk/ranked", headers=supervisor)
        assert ranked.status_code == 200, ranked.text
        body = ranked.json()
    rows = [(i["person_id"], i["records"], i["score"]) for i in body["items"]]
    assert rows == [("NV-A", ["NV-A", "NV-B"], 1.0), ("NV-C", ["NV-C"], 0.0)]
    assert body["nominals_assessed"] == 2
    (entry,) = [e for e in audit_entries(settings) if e.action == "risk ranking"]
    assert {"NV-A", "NV-B", "NV-C"} <= set(entry.subjects)

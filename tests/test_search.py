"""Person search: fuzzy names and ids, over the visible persons only, on both backends."""

from __future__ import annotations

from pathlib import Path

from graph.access import AccessPolicy, Principal, Role
from graph.analysis.search import find_persons
from graph.markings import Compartment, Marking
from graph.store import GraphStore
from tests import scenario as sc
from tests.factories import person
from tests.support.scenario_api import scenario_api

HIDDEN = person("PH", "Darrel", "Humes", marking=Marking(compartment=Compartment.SOURCE))


def view(role: Role) -> AccessPolicy:
    return AccessPolicy(Principal("t", role))


def test_names_and_ids_match_fuzzily(store: GraphStore) -> None:
    store.upsert([*sc.NODES, HIDDEN], sc.EDGES)
    flt = view(Role.ANALYST).filter
    assert store.person_names(flt)[0] == ("P1", "Darrel Hume")
    for query in ("Darrel Hume", "darel hume", "HUME Darrel", "Hume"):
        found = find_persons(store, query, flt)
        assert found and found[0].person_id == "P1", query
    assert [f.person_id for f in find_persons(store, "p3", flt)][:1] == ["P3"]
    assert [f.score for f in find_persons(store, "P3", flt)][:1] == [100.0]
    masonby = [f.person_id for f in find_persons(store, "Masonby", flt)]
    assert masonby[:2] == ["P2", "P3"]
    assert find_persons(store, "zzzzqqq", flt) == [] and find_persons(store, "  ", flt) == []


def test_hidden_persons_are_never_found(store: GraphStore) -> None:
    store.upsert([*sc.NODES, HIDDEN], sc.EDGES)
    analyst = [f.person_id for f in find_persons(store, "Darrel Humes", view(Role.ANALYST).filter)]
    assert "PH" not in analyst and analyst[0] == "P1"
    fib = [f.person_id for f in find_persons(store, "Darrel Humes", view(Role.FIB_REVIEWER).filter)]
    assert fib[0] == "PH"


def test_search_over_http_is_audited(tmp_path: Path) -> None:
    with scenario_api(tmp_path, (Role.FRONTLINE, Role.AUDITOR)) as (client, auth, settings):
        body = client.get("/persons?q=darel%20hume", headers=auth(Role.FRONTLINE)).json()
        assert body["items"][0]["id"] == "P1" and body["items"][0]["nominal_type"] == "RSO"
        assert client.get("/persons?q=x", headers=auth(Role.AUDITOR)).status_code == 403
        assert client.get("/persons?q=", headers=auth(Role.FRONTLINE)).status_code == 422
        assert client.get("/persons?q=x").status_code == 401
    from graph.audit import AuditLog

    log = AuditLog(settings.governance_path)
    [entry] = [e for e in log.query(limit=100) if e.action == "person search"]
    log.close()
    assert entry.details["query"] == "darel hume" and "P1" in entry.returned

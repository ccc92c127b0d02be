"""Network measures and communities on the hand-built scenario, both backends."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.access import AccessPolicy, Principal, Role
from graph.analysis.measures import MeasureStore, analyse, compute
from graph.store import GraphStore, TraversalFilter
from tests import scenario as sc


@pytest.fixture
def loaded(store: GraphStore) -> GraphStore:
    store.upsert(sc.NODES, sc.EDGES)
    return store


def test_measures_worked_out_by_hand(loaded: GraphStore) -> None:
    rows, note = compute(loaded, TraversalFilter())
    by = {r.node_id: r.values for r in rows}
    assert "S1" not in by  # sources are not part of the network
    assert by["P1"]["degree"] == 7  # P2, P5, L1, R1, R2, R3, O1
    assert by["P1"]["reports"] == 3 and by["P2"]["reports"] == 1
    assert (by["P1"]["triangles"], by["P2"]["triangles"], by["L1"]["triangles"]) == (2, 3, 2)
    top = max(by, key=lambda n: (by[n]["betweenness"], n))
    assert top == "P1" and note == "exact betweenness"


def test_stored_per_view_with_time_and_ranked(loaded: GraphStore, tmp_path: Path) -> None:
    kept = MeasureStore(tmp_path / "analysis.db")
    views = {
        "analyst": AccessPolicy(Principal("a", Role.ANALYST)).filter,
        "partner_agency": AccessPolicy(Principal("p", Role.PARTNER_AGENCY)).filter,
    }
    runs = analyse(loaded, kept, views)
    assert [r.view for r in runs] == ["analyst", "partner_agency"] and runs[0].computed_at
    top = kept.top("analyst", "degree", kind="Person", limit=2)
    assert [t.node_id for t in top] == ["P1", "P2"]
    assert "R3" not in {t.node_id for t in kept.top("partner_agency", "degree", limit=100)}
    assert "R3" in {t.node_id for t in kept.top("analyst", "degree", limit=100)}
    assert kept.community("analyst", "P3") == ["L1", "P2", "P3"]  # the household (Louvain, seeded)
    with pytest.raises(ValueError, match="unknown measure"):
        kept.top("analyst", "popularity")
    kept.close()


def test_analyse_then_read_over_http(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from fastapi.testclient import TestClient
    from typer.testing import CliRunner

    from api.accounts import AccountStore
    from api.app import create_app
    from api.cli import app as cli
    from graph.config import Settings
    from graph.stores.sqlite import SqliteGraphStore

    monkeypatch.setenv("MOSAIC_DB_PATH", str(tmp_path / "g.db"))
    monkeypatch.setenv("MOSAIC_GOVERNANCE_PATH", str(tmp_path / "gov.db"))
    monkeypatch.setenv("MOSAIC_ANALYSIS_PATH", str(tmp_path / "analysis.db"))
    with SqliteGraphStore(tmp_path / "g.db") as store:
        store.upsert(sc.NODES, sc.EDGES)
    settings = Settings()
    accounts = AccountStore(settings.governance_path)
    analyst = {
        "Authorization": f"Bearer {accounts.add('a', Role.ANALYST)}",
        "X-Purpose": "investigation",
    }
    partner = {
        "Authorization": f"Bearer {accounts.add('p', Role.PARTNER_AGENCY)}",
        "X-Purpose": "investigation",
    }
    accounts.close()
    with TestClient(create_app(settings)) as client:
        assert client.get("/analysis/measures", headers=analyst).status_code == 404  # not run yet
    result = CliRunner().invoke(cli, ["analyse", "--purpose", "intelligence_review"])
    assert (
        result.exit_code == 0 and "analyst" in result.output and "partner_agency" in result.output
    )
    with TestClient(create_app(settings)) as client:
        body = client.get(
            "/analysis/measures?measure=reports&kind=Person&limit=2", headers=analyst
        ).json()
        assert body["view"] == "analyst" and body["computed_at"]
        assert [n["node_id"] for n in body["nodes"]] == ["P1", "P2"]
        seen = client.get("/analysis/measures?limit=200", headers=partner).json()
        assert seen["view"] == "partner_agency" and "R3" not in {
            n["node_id"] for n in seen["nodes"]
        }

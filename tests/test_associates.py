"""Associates on the hand-built scenario, with answers worked out by hand, on both backends."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from graph.access import AccessPolicy, Principal, Role
from graph.analysis.associates import AssociateList, associates
from graph.audit import AuditLog, Operation
from graph.edges import AssociationType, EdgeKind
from graph.nodes import LocationType, NominalType
from graph.store import GraphStore, TraversalFilter
from tests import scenario as sc
from tests.factories import edge, location, person, report
from tests.support.scenario_api import scenario_api

TODAY = date(2026, 11, 30)


@pytest.fixture
def loaded(store: GraphStore) -> GraphStore:
    store.upsert(sc.NODES, sc.EDGES)
    return store


def found(result: AssociateList) -> dict[str, tuple[int, list[str]]]:
    return {a.person.id: (a.steps, [e.id for e in a.path]) for a in result.associates}


def test_depth_one_with_evidence_paths_and_order(loaded: GraphStore) -> None:
    result = associates(loaded, "P1", depth=1, today=TODAY)
    assert [a.person.id for a in result.associates] == ["P2", "P5", "P6", "P3"]
    assert found(result) == {
        "P2": (1, ["A1"]),  # partner, direct (beats the route through report R1)
        "P5": (1, ["A3"]),
        "P6": (1, ["AB3", "M3"]),  # both named in report R3
        "P3": (1, ["H1", "H3"]),  # same address L1
    }
    by_id = {a.person.id: a for a in result.associates}
    assert by_id["P6"].via == ["R3"] and by_id["P3"].via == ["L1"]
    assert by_id["P3"].child and by_id["P3"].vulnerable and not by_id["P2"].child
    assert by_id["P2"].strength.reports == 1 and by_id["P2"].strength.best_source_evaluation == "2"
    assert by_id["P5"].strength.suspected_false_link  # only an E-graded report says so
    assert by_id["P3"].strength.reports == 0 and by_id["P3"].strength.structured_records == 1
    assert "P4" not in by_id  # known to P1 only as a source: not an association


def test_depth_two_goes_through_people(loaded: GraphStore) -> None:
    result = associates(loaded, "P3", depth=2, today=TODAY)
    assert found(result) == {
        "P2": (1, ["A2"]),
        "P1": (1, ["H3", "H1"]),
        "P5": (2, ["H3", "H1", "A3"]),
        "P6": (2, ["H3", "H1", "AB3", "M3"]),
    }
    p6 = next(a for a in result.associates if a.person.id == "P6")
    assert p6.via == ["L1", "P1", "R3"]
    p1 = next(a for a in result.associates if a.person.id == "P1")
    assert p1.nominal_type is NominalType.RSO


def test_hub_locations_join_nobody_unless_asked(loaded: GraphStore) -> None:
    hostel = location("LH", LocationType.HOSTEL)
    loaded.upsert(
        [hostel],
        [
            edge("HX4", EdgeKind.RESIDES_AT, "P4", "LH"),
            edge("HX5", EdgeKind.RESIDES_AT, "P5", "LH"),
        ],
    )
    assert "P4" not in found(associates(loaded, "P5"))
    assert found(associates(loaded, "P5", include_hubs=True))["P4"] == (1, ["HX5", "HX4"])


def test_high_fanout_nodes_are_reported_not_expanded(loaded: GraphStore) -> None:
    crowd = [person(f"C{i}") for i in range(8)]
    busy = report("R9", "2026-04-01T10:00:00Z", "2BP")
    links = [edge("AB9", EdgeKind.ABOUT, "R9", "P1", via=busy)]
    links += [edge(f"M9-{i}", EdgeKind.MENTIONS, "R9", f"C{i}", via=busy) for i in range(8)]
    loaded.upsert([*crowd, busy], links)
    capped = associates(loaded, "P1", max_fanout=8)  # P1 has 8 step edges, R9 has 9
    assert capped.high_fanout == {"R9": 9}
    assert not any(a.person.id.startswith("C") for a in capped.associates)
    assert len([a for a in associates(loaded, "P1").associates if a.person.id.startswith("C")]) == 8


def test_filters_and_restricted_views_change_the_answer(loaded: GraphStore) -> None:
    no_e = associates(loaded, "P1", flt=TraversalFilter(exclude_suspected_false=True))
    assert "P5" not in found(no_e)
    partner = AccessPolicy(Principal("p", Role.PARTNER_AGENCY)).filter
    seen = found(associates(loaded, "P1", flt=partner))
    assert set(seen) == {"P2", "P3", "P5"}  # R3 (law enforcement only) hides P6's link
    deeper = found(associates(loaded, "P1", depth=2, flt=partner))
    assert deeper["P6"] == (2, ["A3", "A4"])  # reached another way, without the hidden report
    typed = TraversalFilter(association_types=frozenset({AssociationType.PARTNER}))
    assert "P5" not in found(associates(loaded, "P1", flt=typed))


def test_limit_and_bad_depth(loaded: GraphStore) -> None:
    result = associates(loaded, "P1", limit=2)
    assert [a.person.id for a in result.associates] == ["P2", "P5"] and result.truncated
    with pytest.raises(ValueError, match="depth"):
        associates(loaded, "P1", depth=4)


def test_associates_over_http_are_audited_and_respect_the_view(tmp_path: Path) -> None:
    with scenario_api(
        tmp_path, (Role.ANALYST, Role.PARTNER_AGENCY, Role.AUDITOR), "investigation"
    ) as (client, auth, settings):
        body = client.get("/persons/P1/associates", headers=auth(Role.ANALYST)).json()
        assert [a["person"]["id"] for a in body["associates"]] == ["P2", "P5", "P6", "P3"]
        assert body["associates"][0]["path"][0]["id"] == "A1"
        partner = client.get("/persons/P1/associates", headers=auth(Role.PARTNER_AGENCY)).json()
        assert [a["person"]["id"] for a in partner["associates"]] == ["P2", "P5", "P3"]
        graded = client.get(
            "/persons/P1/associates?min_grade=2B", headers=auth(Role.ANALYST)
        ).json()
        assert "P5" not in [a["person"]["id"] for a in graded["associates"]]  # 3E only
        assert client.get("/persons/P1/associates", headers=auth(Role.AUDITOR)).status_code == 403
        assert (
            client.get("/persons/P1/associates?depth=4", headers=auth(Role.ANALYST)).status_code
            == 422
        )
        hidden = client.get("/persons/nobody/associates", headers=auth(Role.ANALYST))
        assert hidden.status_code == 404
    log = AuditLog(settings.governance_path)
    try:
        (entry, *_) = log.query(operation=Operation.CONSULTATION, actor="analyst")
    finally:
        log.close()
    assert entry.action == "associates" and {"P2", "A1", "P6", "M3"} <= set(entry.returned)


def test_associates_from_the_command_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    from typer.testing import CliRunner

    from api.cli import app as cli
    from graph.stores.sqlite import SqliteGraphStore

    monkeypatch.setenv("MOSAIC_DB_PATH", str(tmp_path / "g.db"))
    monkeypatch.setenv("MOSAIC_GOVERNANCE_PATH", str(tmp_path / "gov.db"))
    with SqliteGraphStore(tmp_path / "g.db") as store:
        store.upsert(sc.NODES, sc.EDGES)
    runner = CliRunner()
    out = runner.invoke(cli, ["associates", "P1", "--purpose", "investigation", "--json"])
    assert out.exit_code == 0, out.output
    assert [a["id"] for a in json.loads(out.output)["associates"]] == ["P2", "P5", "P6", "P3"]
    table = runner.invoke(cli, ["associates", "P3", "--purpose", "investigation", "--depth", "2"])
    assert table.exit_code == 0 and "P6" in table.output and "RSO" in table.output
    assert runner.invoke(cli, ["associates", "P1", "--purpose", "gossip"]).exit_code == 2


def test_the_command_line_shows_names_as_they_are(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Names come from outside: console markup in one is printed, not obeyed (an unbalanced
    closing tag would otherwise stop the command)."""
    from typer.testing import CliRunner

    from api.cli import app as cli
    from graph.nodes import Name
    from graph.stores.sqlite import SqliteGraphStore

    monkeypatch.setenv("MOSAIC_DB_PATH", str(tmp_path / "g.db"))
    monkeypatch.setenv("MOSAIC_GOVERNANCE_PATH", str(tmp_path / "gov.db"))
    monkeypatch.setenv("COLUMNS", "400")  # one line a row, so the name is not wrapped
    odd = sc.P2.model_copy(update={"names": [Name(given="[/red][bold]Ash", family="Vey[/]")]})
    with SqliteGraphStore(tmp_path / "g.db") as store:
        store.upsert([*sc.NODES, odd], sc.EDGES)
    table = CliRunner().invoke(cli, ["associates", "P1", "--purpose", "investigation"])
    assert table.exit_code == 0, table.output
    assert "[/red][bold]Ash" in table.output and "Vey[/]" in table.output
    missing = CliRunner().invoke(cli, ["associates", "[/nope]", "--purpose", "investigation"])
    assert missing.exit_code == 1 and "[/nope]" in missing.output


def test_the_command_line_gives_a_partners_view_with_its_handling_conditions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--role partner_agency` writes what a partner may receive: each associate and each
    risk finding carries the handling conditions of the links it rests on (those resting on
    code C report R1), in the table and in `--json`, as the API's edges do."""
    import json

    from typer.testing import CliRunner

    from api.cli import app as cli
    from graph.stores.sqlite import SqliteGraphStore

    monkeypatch.setenv("MOSAIC_DB_PATH", str(tmp_path / "g.db"))
    monkeypatch.setenv("MOSAIC_GOVERNANCE_PATH", str(tmp_path / "gov.db"))
    monkeypatch.setenv("MOSAIC_INGEST_PATH", str(tmp_path / "ingest.db"))
    monkeypatch.setenv("COLUMNS", "400")
    with SqliteGraphStore(tmp_path / "g.db") as store:
        store.upsert(sc.NODES, sc.EDGES)
    conditions = "originator consent before action"
    partner = ["--purpose", "investigation", "--role", "partner_agency"]
    runner = CliRunner()
    out = runner.invoke(cli, ["associates", "P1", *partner, "--json"])
    assert out.exit_code == 0, out.output
    rows = {a["id"]: a["handling_conditions"] for a in json.loads(out.output)["associates"]}
    assert rows["P2"] == [conditions] and rows["P5"] == []
    table = runner.invoke(cli, ["associates", "P1", *partner])
    assert table.exit_code == 0 and conditions in table.output
    out = runner.invoke(cli, ["risk", "P1", *partner, "--json"])
    assert out.exit_code == 0, out.output
    findings = json.loads(out.output)["findings"]
    on_r1 = {e.id for e in sc.EDGES if "R1" in e.report_ids}  # A1, AB1, L12, ...
    assert {bool(on_r1 & set(f["evidence"])) for f in findings} == {True, False}
    for f in findings:
        assert f["handling_conditions"] == ([conditions] if on_r1 & set(f["evidence"]) else [])
    table = runner.invoke(cli, ["risk", "P1", *partner])
    assert table.exit_code == 0 and conditions in table.output

"""Possible matches: a nominal named in a report by name only is never linked to their
record, but what that mention person is linked to shows in the nominal's risk assessment,
unscored, until someone judges the pair. Through ingest and resolution on both backends,
and through the API with need-to-know filtering and the audit entry."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from graph.access import AccessPolicy, Principal, Role
from graph.analysis.risk import assess
from graph.audit import AuditLog, Operation
from graph.config import Settings
from graph.markings import Compartment
from graph.store import GraphStore
from graph.stores.sqlite import SqliteGraphStore
from ingest.entities import Resolution
from ingest.loader import Actor, Loader
from ingest.reader import read_lines
from ingest.resolution import Outcome
from ingest.state import IngestState
from tests import wire as w
from tests.factories import STRANGERS
from tests.support.api_env import load, role_headers, tmp_settings

NAME_ONLY = {
    "name": {"given": "Danny", "family": "Edwick"},
    "dob": None,
    "address": None,
    "postcode": None,
}


def world() -> list[w.Record]:
    """P1 is a nominal; R1 names 'Danny Edwick' (no DOB, no address) as P2's co-offender.
    Strangers with other names fill the index so that the name is rare in it."""
    return [
        w.location("L1"),
        w.nominal("P1", "Danny", "Edwick", at="L1", dob="1995-12-15"),
        w.person("P2", "Corin", "Blake", dob="1990-02-03"),
        *(
            w.person(f"F{i}", given, family, dob=f"19{60 + i}-0{1 + i % 9}-1{i % 10}")
            for i, (given, family) in enumerate(STRANGERS)
        ),
        w.report(
            "R1",
            subjects=[w.ref("P2")],
            mentions=[NAME_ONLY],
            associations=[
                {"a": w.ref("P2"), "b": {"mention": 0}, "type": "co_offender", "note": None}
            ],
        ),
    ]


def _load(store: GraphStore, state: IngestState, path: Path) -> Resolution:
    Loader(store, state, actor=Actor("test:loader", "admin")).load([read_lines(path, "w.jsonl")])
    resolution = Resolution(state)
    resolution.resolve(None)
    return resolution


@pytest.fixture
def resolved(store: GraphStore, tmp_path: Path) -> Iterator[tuple[GraphStore, Resolution]]:
    path = w.write(tmp_path / "w.jsonl", world())
    with IngestState(tmp_path / "ingest.db") as state:
        yield store, _load(store, state, path)


def test_a_name_only_mention_is_a_possible_match_not_a_link(
    resolved: tuple[GraphStore, Resolution],
) -> None:
    _, resolution = resolved
    assert resolution.records_of("P1") == ["P1"]  # never linked on a name alone
    assert resolution.queue() == []  # and never queued for review
    [match] = resolution.possible_matches(["P1"])
    assert (match.record, match.of, match.outcome) == ("MEN-R1-0", "P1", Outcome.POSSIBLE)
    assert 0.2 <= match.score < 0.5


def test_risk_shows_what_the_possible_record_says_unscored(
    resolved: tuple[GraphStore, Resolution],
) -> None:
    store, resolution = resolved
    plain = assess(store, "P1")
    matches = [(m.record, m.score) for m in resolution.possible_matches(["P1"])]
    result = assess(store, "P1", possible=matches)
    assert [f.rule for f in plain.findings] == [f.rule for f in result.findings]
    assert result.score == plain.score  # an unconfirmed identity never moves the score
    assert "co_offender" not in [f.rule for f in result.findings]
    [found] = [f for f in result.possible if f.rule == "co_offender"]
    assert (found.related, found.possible_match) == ("P2", "MEN-R1-0")
    assert found.match_score == round(matches[0][1], 3)
    assert "possible match MEN-R1-0" in found.reason and "co-offender" in found.reason
    assert [e.id for e in found.evidence] == ["ASSOCIATED_WITH:MEN-R1-0:P2:co_offender"]


def test_not_same_ends_a_possible_match_and_unsure_keeps_it(
    resolved: tuple[GraphStore, Resolution],
) -> None:
    _, resolution = resolved
    resolution.judge("MEN-R1-0", "P1", "unsure", actor="u-analyst", role="analyst")
    assert [m.record for m in resolution.possible_matches(["P1"])] == ["MEN-R1-0"]
    resolution.judge("MEN-R1-0", "P1", "not_same", actor="u-analyst", role="analyst")
    assert resolution.possible_matches(["P1"]) == []
    resolution.judge("MEN-R1-0", "P1", "withdrawn", actor="u-analyst", role="analyst")
    assert [m.record for m in resolution.possible_matches(["P1"])] == ["MEN-R1-0"]


def test_the_verdict_in_force_on_one_pair_agrees_with_the_full_listing(
    resolved: tuple[GraphStore, Resolution],
) -> None:
    _, resolution = resolved
    pair = ("MEN-R1-0", "P1")
    stack: list[str] = []  # an undo brings back the verdict it replaced
    for verdict in ("unsure", "same", "withdrawn", "not_same", "withdrawn", "withdrawn"):
        resolution.judge(*pair, verdict, actor="u-analyst", role="analyst")
        stack = stack[:-1] if verdict == "withdrawn" else [*stack, verdict]
        expected = resolution.judgements_in_force().get(pair)
        assert expected == (stack[-1] if stack else None)
        assert resolution.verdict_in_force("P1", "MEN-R1-0") == expected  # either order
        assert resolution.verdict_in_force(*pair) == expected
    assert resolution.verdict_in_force("P1", "P2") is None  # never judged


def test_a_record_of_the_entity_is_never_its_own_possible_match(
    resolved: tuple[GraphStore, Resolution],
) -> None:
    _, resolution = resolved
    assert resolution.possible_matches(["P1", "MEN-R1-0"]) == []
    assert resolution.possible_matches([]) == []


# -- through the API --------------------------------------------------------------------------


@pytest.fixture
def api(tmp_path: Path) -> Iterator[tuple[TestClient, dict[Role, dict[str, str]], Settings]]:
    settings = tmp_settings(tmp_path)
    headers = role_headers(
        settings.governance_path,
        (Role.ANALYST, Role.OFFENDER_MANAGER, Role.FRONTLINE),
        "offender_management",
    )
    with TestClient(create_app(settings)) as client:
        yield client, headers, settings


def test_api_lists_possible_findings_and_audits_them(api: Any) -> None:
    client, headers, settings = api
    load(client, headers[Role.ANALYST], world())
    response = client.get("/persons/P1/risk", headers=headers[Role.OFFENDER_MANAGER])
    assert response.status_code == 200, response.text
    body = response.json()
    assert "co_offender" not in [f["rule"] for f in body["findings"]]
    [found] = [f for f in body["possible"] if f["rule"] == "co_offender"]
    assert found["possible_match"] == "MEN-R1-0" and found["related"] == "P2"
    assert 0.2 <= found["match_score"] < 0.5
    log = AuditLog(settings.governance_path)
    try:
        [entry] = [
            e
            for e in log.query(operation=Operation.CONSULTATION)
            if e.action.startswith("risk assessment")
        ]
    finally:
        log.close()
    assert {"MEN-R1-0", "P2"} <= set(entry.returned)


def test_a_possible_record_the_caller_may_not_see_is_not_used(api: Any) -> None:
    """A possible record in a compartment the caller lacks adds nothing, and its id (that
    it exists at all) appears nowhere in the answer."""
    client, headers, settings = api
    load(client, headers[Role.ANALYST], world())
    with SqliteGraphStore(settings.db_path) as store:
        mention = store.get_node("MEN-R1-0")
        assert mention is not None
        hidden = mention.marking.model_copy(update={"compartment": Compartment.CONFIDENTIAL})
        store.upsert([mention.model_copy(update={"marking": hidden})])
    seen = client.get("/persons/P1/risk", headers=headers[Role.ANALYST]).json()
    assert [f["possible_match"] for f in seen["possible"]] == ["MEN-R1-0"]
    response = client.get("/persons/P1/risk", headers=headers[Role.FRONTLINE])
    assert response.status_code == 200, response.text
    assert response.json()["possible"] == []
    assert "MEN-R1-0" not in response.text


def test_assessing_with_an_analyst_filter_keeps_the_possible_findings(
    resolved: tuple[GraphStore, Resolution],
) -> None:
    store, resolution = resolved
    flt = AccessPolicy(Principal("t", Role.ANALYST)).filter
    matches = [(m.record, m.score) for m in resolution.possible_matches(["P1"])]
    result = assess(store, "P1", flt=flt, possible=matches)
    assert [(f.rule, f.related) for f in result.possible] == [("co_offender", "P2")]


def test_cli_lists_possible_findings_apart_from_the_score(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    from typer.testing import CliRunner

    from api.cli import app as cli

    monkeypatch.setenv("MOSAIC_DB_PATH", str(tmp_path / "g.db"))
    monkeypatch.setenv("MOSAIC_GOVERNANCE_PATH", str(tmp_path / "gov.db"))
    monkeypatch.setenv("MOSAIC_INGEST_PATH", str(tmp_path / "ingest.db"))
    runner = CliRunner()
    loaded = runner.invoke(cli, ["ingest", str(w.write(tmp_path / "w.jsonl", world()))])
    assert loaded.exit_code == 0 and "possible matches" in loaded.output, loaded.output
    out = runner.invoke(cli, ["risk", "P1", "--purpose", "offender_management", "--json"])
    assert out.exit_code == 0, out.output
    body = json.loads(out.output)
    [found] = [f for f in body["findings"] if f["rule"] == "co_offender"]
    assert (found["raises"], found["possible_match"]) == (False, "MEN-R1-0")
    assert body["score"] == sum(f["weight"] for f in body["findings"] if f["raises"])
    monkeypatch.setattr("api.cli.console.width", 250)
    table = runner.invoke(cli, ["risk", "P1", "--purpose", "offender_management"])
    assert "0 (possible match)" in table.output and "possible match MEN-R1-0" in table.output

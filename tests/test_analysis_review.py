"""Defects found in a review of the analysis routes, each shown through the real app
(embedded store, real accounts, `POST /ingest`) before it was fixed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from graph.access import Role
from graph.audit import AuditEntry, AuditLog
from graph.config import Settings
from tests import wire as w
from tests.support.api_env import api_session, load

ROLES = (Role.ANALYST, Role.SUPERVISOR, Role.OFFENDER_MANAGER, Role.FRONTLINE)
Api = tuple[TestClient, dict[Role, dict[str, str]], Settings]


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    with api_session(tmp_path, ROLES, "offender_management") as session:
        yield session


def _read(api: Api, role: Role, url: str) -> tuple[Any, AuditEntry]:
    """The response body and the one audit entry the request wrote."""
    client, headers, settings = api
    log = AuditLog(settings.governance_path)
    try:
        before = log.query(limit=100_000)
        last = before[-1].seq if before else 0
        response = client.get(url, headers=headers[role])
        assert response.status_code == 200, response.text
        (entry,) = log.query(after_seq=last, limit=10)
    finally:
        log.close()
    return response.json(), entry


def test_management_status_names_the_events_its_answer_is_read_from(api: Api) -> None:
    """The licence conditions, probation offender manager and risk level come from events
    older than the ten recent changes listed; the consultation entry must still name those
    events, or an auditor searching for the licence record never finds this read."""
    client, headers, _ = api
    breaches = [
        w.event(f"EV-B{i:02d}", "NM", "licence_breach", f"2025-03-{i + 1:02d}", details="late")
        for i in range(10)
    ]
    load(
        client,
        headers[Role.SUPERVISOR],
        [
            w.nominal("NM", "Corin", "Example"),
            w.event(
                "EV-LIC",
                "NM",
                "licence_start",
                "2025-01-05",
                licence_end_on="2099-06-30",
                conditions=["no contact with under 18s"],
                probation_offender_manager="PO A Example (synthetic)",
            ),
            w.event("EV-RISK", "NM", "risk_reassessment", "2025-01-06", risk_level="very_high"),
            *breaches,
        ],
    )
    body, entry = _read(api, Role.FRONTLINE, "/persons/NM/management")
    assert body["on_licence"] and body["licence_conditions"] == ["no contact with under 18s"]
    assert body["probation_offender_manager"] == "PO A Example (synthetic)"
    assert body["risk_level"] == "very_high"
    assert "EV-LIC" not in {c["event_id"] for c in body["recent_changes"]}
    recorded = {*entry.returned, *entry.subjects}
    assert {"EV-LIC", "EV-RISK"} <= recorded, entry.returned
    assert body["based_on"] == ["EV-LIC", "EV-RISK"]


def test_ranked_risk_names_every_record_it_lists_for_a_nominal(api: Api) -> None:
    """Each ranked item lists the entity's records that were assessed (`records`); the
    entry must name them, as `GET /persons/{id}/risk` does, or `?subject=` on the other
    record never finds the ranking that showed it."""
    client, headers, _ = api
    load(
        client,
        headers[Role.SUPERVISOR],
        [
            w.nominal("NR", "Hollis", "Brandt", dob="1981-07-09"),
            w.person("NRb", "Holly", "Brandt", dob="1981-07-09"),
        ],
    )
    verdict = {"a": "NR", "b": "NRb", "verdict": "same", "reason": "same person (synthetic)"}
    judged = client.post("/resolution/judgements", json=verdict, headers=headers[Role.SUPERVISOR])
    assert judged.status_code == 200, judged.text
    body, entry = _read(api, Role.SUPERVISOR, "/risk/ranked")
    (item,) = body["items"]
    assert item["records"] == ["NR", "NRb"]
    assert {"NR", "NRb"} <= {*entry.returned, *entry.subjects}, entry


def test_taskings_name_the_member_of_the_public_tasked(tmp_path: Path) -> None:
    """A FIB reviewer's `GET /taskings` shows who a member of the public tasked is
    (`directed_person_id`): the entry must name that person, or their audit trail misses
    the read that showed them being tasked."""
    with api_session(tmp_path, (Role.FIB_REVIEWER,), "intelligence_review") as (
        client,
        headers,
        settings,
    ):
        fib = headers[Role.FIB_REVIEWER]
        load(
            client,
            fib,
            [
                w.person("PM", "Robin", "Neighbour"),
                w.tasking(
                    "TK-MOP",
                    directed_at="member_of_public",
                    directed_person_id="PM",
                    title="ask the neighbour to note visitors",
                ),
            ],
        )
        body, entry = _read((client, headers, settings), Role.FIB_REVIEWER, "/taskings")
    (item,) = body["items"]
    assert item["directed_person_id"] == "PM"
    assert "PM" in {*entry.returned, *entry.subjects}, entry


def test_measures_are_withheld_once_a_record_is_re_marked_until_run_again(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Measures are a snapshot per role view. A person moved into a compartment a
    frontline officer does not see after the run is a 404 to them; the stored figures of
    the others still count that person (PC's degree counts the hidden friend PB), which
    tells the officer a hidden link exists. So a run that predates any re-marking is not
    shown at all until `mosaic analyse` runs again, and the new run counts only what the
    view shows."""
    from typer.testing import CliRunner

    from api.cli import app as cli
    from graph.markings import Compartment
    from tests.support.api_env import cli_env, remark

    client, headers, settings = api
    load(
        client,
        headers[Role.SUPERVISOR],
        [
            w.person("PA", "Orrin", "Falk", dob="1984-01-02"),
            w.person("PB", "Tessa", "Grell", dob="1979-09-09", gender="F"),
            w.person("PC", "Milo", "Stane", dob="1990-03-03"),
            w.report("RS", subjects=[w.ref("PA"), w.ref("PB"), w.ref("PC")]),
            w.association("A1", "PB", "PC", "friend"),
        ],
    )
    cli_env(monkeypatch, settings)

    def analyse_again() -> None:
        ran = CliRunner().invoke(cli, ["analyse", "--purpose", "intelligence_review"])
        assert ran.exit_code == 0, ran.output

    def degrees(body: Any) -> dict[str, float]:
        return {n["node_id"]: n["values"]["degree"] for n in body["nodes"]}

    analyse_again()
    before, _ = _read(api, Role.FRONTLINE, "/analysis/measures?kind=Person&limit=10")
    assert degrees(before) == {"PA": 1.0, "PB": 2.0, "PC": 2.0}
    remark(settings.db_path, {"PB"}, Compartment.CONFIDENTIAL)
    assert client.get("/persons/PB", headers=headers[Role.FRONTLINE]).status_code == 404
    stale = client.get("/analysis/measures?kind=Person&limit=10", headers=headers[Role.FRONTLINE])
    assert stale.status_code == 404, stale.text
    assert "re-marking" in stale.json()["detail"] and "PB" not in stale.text
    # Every view is withheld alike (the refusal says nothing about whose view changed).
    analyst = client.get("/analysis/measures?kind=Person&limit=10", headers=headers[Role.ANALYST])
    assert analyst.status_code == 404, analyst.text
    analyse_again()
    after, entry = _read(api, Role.FRONTLINE, "/analysis/measures?kind=Person&limit=10")
    assert degrees(after) == {"PA": 1.0, "PC": 1.0}
    assert "PB" not in entry.returned

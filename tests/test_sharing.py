"""Sharing decisions and disclosures: every APP question, the MAPPA principles, the
decision-maker rules, append-only storage, and the API's access and audit."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from graph.access import Role
from graph.audit import AuditLog, Operation
from graph.edges import Edge
from graph.errors import ValidationFailed
from graph.nodes import Node, NominalType, Person, Visor
from graph.sharing.decisions import (
    FREE_TEXT,
    DisclosureIn,
    SharingDecisionIn,
    problems,
)
from graph.sharing.store import SharingStore
from tests.factories import disclosure as shared_now
from tests.factories import person
from tests.factories import sharing_decision as body
from tests.support.scenario_api import scenario_api


def nominal(pid: str, category: int | None, level: int | None) -> Person:
    kind = NominalType.RSO if category == 1 else NominalType.VIOLENT_OFFENDER
    visor = Visor(ref=f"V-{pid}", nominal_type=kind, mappa_category=category, mappa_level=level)
    return person(pid, "Alex", "Example", visor=visor)


C1L1, C1L2, C2L1, C3L3 = (
    nominal("C1L1", 1, 1),
    nominal("C1L2", 1, 2),
    nominal("C2L1", 2, 1),
    nominal("C3L3", 3, 3),
)


def decision(nominal_id: str = "C1L1", **over: Any) -> SharingDecisionIn:
    return SharingDecisionIn.model_validate(body(nominal_id, **over))


def test_a_complete_decision_stands() -> None:
    assert problems(decision(), C1L1) == []


@pytest.mark.parametrize("field", FREE_TEXT)
def test_every_question_must_be_answered(field: str) -> None:
    b = body()
    b["answers"][field] = "   "
    assert problems(SharingDecisionIn.model_validate(b), C1L1) == [f"answers.{field} is required"]


def test_yes_no_questions_agreement_and_recipients() -> None:
    b = body()
    b["answers"].update(isa_in_place=None, offender_consulted=None, with_whom=[])
    found = problems(SharingDecisionIn.model_validate(b), C1L1)
    assert any("isa_in_place is required" in p for p in found)
    assert any("offender_consulted is required" in p for p in found)
    assert any("with_whom must name" in p for p in found)
    b = body()
    b["answers"]["isa_reference"] = ""
    assert problems(SharingDecisionIn.model_validate(b), C1L1) == [
        "answers.isa_reference is required when an agreement is in place"
    ]


def test_principles_are_attested_before_sharing_but_not_for_refusals() -> None:
    b = body(principles={"lawful": True, "necessary": True})
    found = problems(SharingDecisionIn.model_validate(b), C1L1)
    assert found == [
        "principles.proportionate must be attested before sharing",
        "principles.secure must be attested before sharing",
        "principles.accountable must be attested before sharing",
    ]
    refuse = body(outcome="do_not_share", principles={})
    refuse["answers"]["with_whom"] = []
    assert problems(SharingDecisionIn.model_validate(refuse), C1L1) == []
    limited = body(outcome="share_limited", principles={})
    assert len(problems(SharingDecisionIn.model_validate(limited), C1L1)) == 5


@pytest.mark.parametrize(
    ("who", "maker", "ok"),
    [
        (C1L1, {"name": "Supt A", "role": "superintendent"}, True),
        (C1L1, {"name": "DI B", "role": "delegate", "delegation_ref": "DEL-4"}, True),
        (C1L1, {"name": "DI B", "role": "delegate"}, False),
        (C1L1, {"name": "Insp C", "role": "other"}, False),
        (C1L1, {"name": "Chair D", "role": "mapp_chair", "minute_ref": "M-1"}, False),
        (C1L2, {"name": "Chair D", "role": "mapp_chair", "minute_ref": "M-1"}, True),
        (C1L2, {"name": "Chair D", "role": "mapp_chair"}, False),
        (C1L2, {"name": "Supt A", "role": "superintendent"}, False),
        (C3L3, {"name": "Chair D", "role": "mapp_chair", "minute_ref": "M-9"}, True),
        (C3L3, {"name": "Supt A", "role": "superintendent"}, False),
        (C2L1, {"name": "Insp C", "role": "other"}, True),
        (C2L1, {"name": " ", "role": "other"}, False),
        # a role's own reference, at any level (as the request schema states it)
        (C2L1, {"name": "Chair D", "role": "mapp_chair"}, False),
        (C2L1, {"name": "DI B", "role": "delegate", "delegation_ref": " "}, False),
        (C2L1, {"name": "DI B", "role": "delegate", "delegation_ref": "DEL-4"}, True),
    ],
)
def test_the_decision_maker_follows_mappa_management(
    who: Person, maker: dict[str, str], ok: bool
) -> None:
    found = problems(decision(who.id, decision_maker=maker), who)
    assert (found == []) is ok, found
    if not ok:
        assert all(p.startswith("decision_maker.") for p in found)


def test_decisions_and_disclosures_are_append_only(tmp_path: Path) -> None:
    kept = SharingStore(tmp_path / "gov.db")
    made = kept.decide(decision(), C1L1, "om1", at=datetime(2026, 5, 1, tzinfo=UTC))
    assert made.seq == 1 and made.mappa_category == 1 and made.recorded_by == "om1"
    with pytest.raises(ValidationFailed, match="effect_on_family"):
        b = body()
        b["answers"]["effect_on_family"] = ""
        kept.decide(SharingDecisionIn.model_validate(b), C1L1, "om1")
    shared = DisclosureIn(
        shared_at=datetime(2026, 5, 2, 10, tzinfo=UTC),
        content="the nominal's conviction and licence conditions (synthetic)",
        recipient="head teacher, example primary",
        purpose="safeguarding pupils",
        recipient_already_knew="nothing",
        told_to_do="inform the designated safeguarding lead",
        told_not_to_do="do not share further or confront the nominal",
    )
    disclosed = kept.disclose(1, shared, C1L1, "om1")
    assert disclosed.decision_seq == 1 and disclosed.nominal_id == "C1L1"
    with pytest.raises(ValidationFailed, match="not one the decision named"):
        kept.disclose(1, shared.model_copy(update={"recipient": "a neighbour"}), C1L1, "om1")
    refuse = body(outcome="do_not_share")
    refused = kept.decide(SharingDecisionIn.model_validate(refuse), C1L1, "om1")
    with pytest.raises(ValidationFailed, match="not to share"):
        kept.disclose(refused.seq, shared, C1L1, "om1")
    decisions, disclosures = kept.for_nominal("C1L1")
    assert [d.seq for d in decisions] == [1, 2] and [x.seq for x in disclosures] == [1]
    kept.close()
    with sqlite3.connect(tmp_path / "gov.db") as conn:
        for sql in (
            "UPDATE sharing_decisions SET outcome = 'share'",
            "DELETE FROM sharing_decisions",
            "UPDATE disclosures SET body = ''",
            "DELETE FROM disclosures",
        ):
            with pytest.raises(sqlite3.DatabaseError, match="append-only"):
                conn.execute(sql)


def test_over_http_recorded_read_shared_and_audited(tmp_path: Path) -> None:
    roles = (Role.OFFENDER_MANAGER, Role.ANALYST, Role.FRONTLINE, Role.SUPERVISOR)
    extra: tuple[list[Node], list[Edge]] = ([C1L1], [])
    with scenario_api(tmp_path, roles, "offender_management", extra) as (client, auth, settings):
        om = auth(Role.OFFENDER_MANAGER)
        incomplete = body()
        incomplete["answers"]["legal_basis"] = ""
        refused = client.post("/sharing-decisions", json=incomplete, headers=om)
        assert refused.status_code == 422  # the schema's rule: named by where it is
        where = [e["loc"] for e in refused.json()["detail"]]
        assert where == [["body", "share", "answers", "agreement", "legal_basis"]]
        # the nominal's record's rule: a sentence naming the nominal
        inspector = body(decision_maker={"name": "Insp C", "role": "other"})
        refused = client.post("/sharing-decisions", json=inspector, headers=om)
        assert refused.status_code == 422
        assert "superintendent" in refused.json()["message"] and "C1L1" in refused.text
        made = client.post("/sharing-decisions", json=body(), headers=om)
        assert made.status_code == 201 and made.json()["seq"] == 1
        for role in (Role.ANALYST, Role.FRONTLINE):
            assert (
                client.post("/sharing-decisions", json=body(), headers=auth(role)).status_code
                == 403
            )
        shared = shared_now("Head teacher, Example Primary")
        out = client.post("/sharing-decisions/1/disclosures", json=shared, headers=om)
        assert out.status_code == 201
        assert (
            client.post("/sharing-decisions/9/disclosures", json=shared, headers=om).status_code
            == 404
        )
        record = client.get("/persons/C1L1/sharing", headers=auth(Role.ANALYST)).json()
        assert [d["seq"] for d in record["decisions"]] == [1] and len(record["disclosures"]) == 1
        assert client.get("/persons/C1L1/sharing", headers=auth(Role.FRONTLINE)).status_code == 403
        line = client.get("/persons/C1L1/timeline", headers=auth(Role.SUPERVISOR)).json()
        kinds = [e["kind"] for e in line["events"]]
        assert "sharing_decision" in kinds and "disclosure" in kinds
        front = client.get("/persons/C1L1/timeline", headers=auth(Role.FRONTLINE)).json()
        assert not {"sharing_decision", "disclosure"} & {e["kind"] for e in front["events"]}
    log = AuditLog(settings.governance_path)
    entries = log.query(subject="C1L1", limit=100)
    log.close()
    collected = [e for e in entries if e.action == "sharing decision"]
    assert len(collected) == 1 and collected[0].operation is Operation.COLLECTION
    [disclosure] = [e for e in entries if e.operation is Operation.DISCLOSURE]
    assert disclosure.recipients == ["Head teacher, Example Primary"]
    assert disclosure.details["purpose_of_sharing"] == "safeguarding pupils"
    assert disclosure.purpose == "offender_management"


DISCLOSURE = {
    "shared_at": "2026-05-02T10:00:00Z",
    "content": "conviction and licence conditions (synthetic)",
    "recipient": "Head teacher, Example Primary",
    "purpose": "safeguarding pupils",
    "recipient_already_knew": "nothing",
    "told_to_do": "tell the safeguarding lead",
    "told_not_to_do": "no onward sharing",
}


@pytest.mark.parametrize("field", sorted(DISCLOSURE))
def test_every_disclosure_field_is_required(field: str) -> None:
    from pydantic import ValidationError

    DisclosureIn.model_validate(DISCLOSURE)
    for missing in ({k: v for k, v in DISCLOSURE.items() if k != field}, {**DISCLOSURE, field: ""}):
        with pytest.raises(ValidationError, match=field):
            DisclosureIn.model_validate(missing)

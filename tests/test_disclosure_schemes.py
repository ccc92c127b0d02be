"""Disclosure schemes: stage transitions, due and overdue dates from the configured
limits, the presumption to disclose, append-only records, and the API's access and audit."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from graph.access import Role
from graph.audit import AuditLog, Operation
from graph.edges import Edge
from graph.errors import ValidationFailed
from graph.nodes import Node, NominalType, Person, Visor
from graph.sharing.schemes import (
    Application,
    ApplicationIn,
    Scheme,
    SchemeStore,
    Stage,
    next_stages,
)
from tests.factories import person
from tests.support.scenario_api import scenario_api
from tests.support.sqlite_locks import write_lock_is_free

CONVICTED = person(
    "CSO",
    "Alex",
    "Example",
    visor=Visor(
        ref="V-CSO",
        nominal_type=NominalType.RSO,
        mappa_category=1,
        child_sexual_offence_convictions=True,
    ),
)
PARTNER = person("DV", "Sam", "Example")


def application(scheme: Scheme, subject: Person, received: str = "2026-10-01") -> ApplicationIn:
    return ApplicationIn(
        scheme=scheme,
        applicant="Jo Applicant (synthetic)",
        applicant_relationship="new partner" if scheme is not Scheme.CSOD else "parent",
        subject_id=subject.id,
        at_risk=["Jo Applicant (synthetic)"],
        received_on=date.fromisoformat(received),
    )


def test_stages_go_in_order_and_close() -> None:
    assert next_stages(Stage.INITIAL_CONTACT) == {Stage.CHECKS, Stage.WITHDRAWN}
    assert next_stages(Stage.RISK_ASSESSMENT) == {Stage.MULTI_AGENCY_DECISION, Stage.WITHDRAWN}
    assert next_stages(Stage.MULTI_AGENCY_DECISION) == {
        Stage.DISCLOSED,
        Stage.NOT_DISCLOSED,
        Stage.WITHDRAWN,
    }
    for closed in (Stage.DISCLOSED, Stage.NOT_DISCLOSED, Stage.WITHDRAWN):
        assert next_stages(closed) == frozenset()


def test_due_dates_transitions_presumption_and_overdue(tmp_path: Path) -> None:
    kept = SchemeStore(tmp_path / "gov.db", dvds_days=28, csod_days=45)
    dv = kept.apply(application(Scheme.DVDS_RIGHT_TO_ASK, PARTNER), PARTNER, "om")
    cs = kept.apply(application(Scheme.CSOD, CONVICTED, "2026-10-10"), CONVICTED, "om")
    assert dv.due_on == date(2026, 10, 29) and not dv.presumption_to_disclose
    assert cs.due_on == date(2026, 11, 24) and cs.presumption_to_disclose
    with pytest.raises(ValidationFailed, match="can move to checks, withdrawn"):
        kept.move(dv.seq, Stage.RISK_ASSESSMENT, "om")  # no skipping checks
    for stage in (Stage.CHECKS, Stage.RISK_ASSESSMENT, Stage.MULTI_AGENCY_DECISION):
        kept.move(cs.seq, stage, "om", note=f"synthetic {stage.value}")
    with pytest.raises(ValidationFailed, match="rationale"):
        kept.move(cs.seq, Stage.DISCLOSED, "om")
    with pytest.raises(ValidationFailed, match="presumption to disclose"):
        kept.move(cs.seq, Stage.NOT_DISCLOSED, "om", rationale="no risk to this child")
    # overdue: open past the due date, never once decided or withdrawn
    assert [a.seq for a in kept.listing(date(2026, 10, 29), overdue_only=True)] == []
    assert [a.seq for a in kept.listing(date(2026, 10, 30), overdue_only=True)] == [dv.seq]
    assert [a.seq for a in kept.listing(date(2026, 11, 25), overdue_only=True)] == [
        dv.seq,
        cs.seq,
    ]
    done = kept.move(
        cs.seq,
        Stage.NOT_DISCLOSED,
        "chair",
        rationale="the applicant already knows (synthetic)",
        presumption_rebutted_reason="the applicant was told at the MAPP meeting",
    )
    assert done.current_stage is Stage.NOT_DISCLOSED
    assert [m.stage for m in kept.get(cs.seq).moves] == [
        Stage.INITIAL_CONTACT,
        Stage.CHECKS,
        Stage.RISK_ASSESSMENT,
        Stage.MULTI_AGENCY_DECISION,
        Stage.NOT_DISCLOSED,
    ]
    assert not done.is_overdue(date(2027, 1, 1))
    with pytest.raises(ValidationFailed, match="closed"):
        kept.move(cs.seq, Stage.DISCLOSED, "om", rationale="x")
    kept.move(dv.seq, Stage.WITHDRAWN, "om", note="applicant withdrew")
    assert kept.listing(date(2027, 1, 1), overdue_only=True) == []
    kept.close()
    with sqlite3.connect(tmp_path / "gov.db") as conn:
        for sql in ("UPDATE scheme_moves SET body = ''", "DELETE FROM scheme_applications"):
            with pytest.raises(sqlite3.DatabaseError, match="append-only"):
                conn.execute(sql)


def test_limits_are_configurable(tmp_path: Path) -> None:
    kept = SchemeStore(tmp_path / "gov.db", dvds_days=14, csod_days=30)
    assert kept.apply(application(Scheme.DVDS_RIGHT_TO_KNOW, PARTNER), PARTNER, "om").due_on == (
        date(2026, 10, 15)
    )
    assert kept.apply(application(Scheme.CSOD, PARTNER), PARTNER, "om").due_on == date(2026, 10, 31)
    kept.close()


def test_over_http_access_and_a_disclosure_to_the_applicant(tmp_path: Path) -> None:
    roles = (Role.OFFENDER_MANAGER, Role.ANALYST, Role.FRONTLINE)
    extra: tuple[list[Node], list[Edge]] = ([CONVICTED], [])
    with scenario_api(tmp_path, roles, "safeguarding", extra) as (client, auth, settings):
        om = auth(Role.OFFENDER_MANAGER)
        body = application(Scheme.CSOD, CONVICTED).model_dump(mode="json")
        made = client.post("/disclosure-schemes/applications", json=body, headers=om)
        assert made.status_code == 201
        view = made.json()
        assert view["stage"] == "initial_contact" and view["presumption_to_disclose"]
        assert view["due_on"] == "2026-11-15"
        assert (
            client.post("/disclosure-schemes/applications", json=body, headers=auth(Role.ANALYST))
        ).status_code == 403
        seq = view["seq"]
        for stage in ("checks", "risk_assessment", "multi_agency_decision"):
            moved = client.post(
                f"/disclosure-schemes/applications/{seq}/moves", json={"stage": stage}, headers=om
            )
            assert moved.status_code == 200 and moved.json()["stage"] == stage
        skipped = client.post(
            f"/disclosure-schemes/applications/{seq}/moves", json={"stage": "checks"}, headers=om
        )
        assert skipped.status_code == 422
        disclosed = client.post(
            f"/disclosure-schemes/applications/{seq}/moves",
            json={"stage": "disclosed", "rationale": "presumption to disclose applies"},
            headers=om,
        )
        assert disclosed.status_code == 200 and disclosed.json()["overdue"] is False
        listing = client.get("/disclosure-schemes/applications", headers=auth(Role.ANALYST))
        assert [a["seq"] for a in listing.json()["items"]] == [seq]
        assert (
            client.get("/disclosure-schemes/applications", headers=auth(Role.FRONTLINE))
        ).status_code == 403
    log = AuditLog(settings.governance_path)
    entries = log.query(subject="CSO", limit=100)
    log.close()
    [shared] = [e for e in entries if e.operation is Operation.DISCLOSURE]
    assert (
        shared.recipients == ["Jo Applicant (synthetic)"]
        and shared.action == "disclosure under csod"
    )
    assert sum(e.operation is Operation.COLLECTION for e in entries) == 5


class _PausingSchemes(SchemeStore):
    """A real SchemeStore that calls `meanwhile` once it has read an application (the
    stage a move is checked against): where a writer in another process could slip in."""

    meanwhile: Callable[[], None] | None = None

    def get(self, seq: int) -> Application:
        found = super().get(seq)
        hook, self.meanwhile = self.meanwhile, None
        if hook is not None:
            hook()
        return found


def test_a_stage_move_is_checked_in_the_write_transaction_it_makes(tmp_path: Path) -> None:
    """Two stores on one file (the API server and another process) decide the same
    application at once, one `disclosed`, one `not_disclosed`. Each checked the stage
    before either wrote, so both decisions were stored after multi_agency_decision. The
    second must see the first's decision and be refused: the application is closed."""
    path = tmp_path / "gov.db"
    setup = SchemeStore(path)
    made = setup.apply(application(Scheme.DVDS_RIGHT_TO_ASK, PARTNER), PARTNER, "om")
    for stage in (Stage.CHECKS, Stage.RISK_ASSESSMENT, Stage.MULTI_AGENCY_DECISION):
        setup.move(made.seq, stage, "om")
    setup.close()
    first, second = _PausingSchemes(path), SchemeStore(path)
    outcomes: list[Application | ValidationFailed | None] = [None, None]

    def other() -> None:
        try:
            outcomes[1] = second.move(made.seq, Stage.NOT_DISCLOSED, "chair", rationale="x")
        except ValidationFailed as exc:
            outcomes[1] = exc

    thread = threading.Thread(target=other)
    held: list[bool] = []

    def meanwhile() -> None:
        held.append(not write_lock_is_free(path))
        thread.start()
        thread.join(timeout=0.5)  # unserialised, the other move lands here

    first.meanwhile = meanwhile
    outcomes[0] = first.move(made.seq, Stage.DISCLOSED, "chair", rationale="risk to applicant")
    thread.join()
    try:
        assert held == [True]  # the stage was read inside the write transaction
        assert isinstance(outcomes[0], Application)
        assert isinstance(outcomes[1], ValidationFailed) and "closed" in str(outcomes[1])
        stages = [m.stage for m in second.get(made.seq).moves]
        assert stages[-2:] == [Stage.MULTI_AGENCY_DECISION, Stage.DISCLOSED]
    finally:
        first.close()
        second.close()


def test_the_presumption_follows_the_subjects_record_at_the_decision(tmp_path: Path) -> None:
    """The presumption to disclose was fixed when the application was opened: convictions
    for child sexual offences recorded on the subject's ViSOR record while it was being
    checked (what the checks are for) neither flagged it for the decision maker nor made
    `not_disclosed` give the reason the presumption is rebutted."""
    from tests import wire as w
    from tests.support.api_env import api_session, load

    subject = w.nominal("CS2", "Corin", "Example")
    with api_session(tmp_path, [Role.OFFENDER_MANAGER], "offender_management") as (
        client,
        headers,
        _,
    ):
        om = headers[Role.OFFENDER_MANAGER]
        load(client, om, [subject])
        body = application(Scheme.CSOD, person("CS2")).model_dump(mode="json")
        opened = client.post("/disclosure-schemes/applications", json=body, headers=om)
        assert opened.status_code == 201 and not opened.json()["presumption_to_disclose"]
        url = f"/disclosure-schemes/applications/{opened.json()['seq']}"
        for stage in ("checks", "risk_assessment", "multi_agency_decision"):
            moved = client.post(f"{url}/moves", json={"stage": stage}, headers=om)
            assert moved.status_code == 200, moved.text
        # the checks find convictions; ViSOR's record is updated and loaded again
        subject["visor"]["child_sexual_offence_convictions"] = True
        load(client, om, [subject])
        assert client.get(url, headers=om).json()["presumption_to_disclose"] is True
        listed = client.get("/disclosure-schemes/applications", headers=om).json()["items"]
        assert [a["presumption_to_disclose"] for a in listed] == [True]
        decide = {"stage": "not_disclosed", "rationale": "no contact with the child now"}
        refused = client.post(f"{url}/moves", json=decide, headers=om)
        assert refused.status_code == 422 and "presumption" in refused.json()["message"]
        decide["presumption_rebutted_reason"] = "the child has moved away (synthetic)"
        done = client.post(f"{url}/moves", json=decide, headers=om)
        assert done.status_code == 200, done.text
        assert done.json()["stage"] == "not_disclosed" and done.json()["presumption_to_disclose"]

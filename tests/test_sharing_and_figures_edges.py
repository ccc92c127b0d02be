"""Edges of sharing decisions, disclosure schemes and the MAPPA figures, against the real
app on throwaway SQLite files: what a hidden nominal's records say to someone who may not
see them, which decision a disclosure may rest on, and what the figures count."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from graph.access import Role
from graph.errors import ValidationFailed
from graph.markings import Compartment
from graph.nodes import NominalType, Visor
from graph.sharing.decisions import FREE_TEXT, DisclosureIn, SharingDecisionIn
from graph.sharing.store import SharingStore
from tests import wire as w
from tests.factories import disclosure, person, utc
from tests.support.api_env import api_session, audit_entries, load, remark

SCHOOL = "Head teacher, Example Primary (synthetic)"
HOUSING = "Housing officer, Example Council (synthetic)"


def decision(nominal_id: str, outcome: str = "share", with_whom: list[str] | None = None) -> Any:
    """A complete decision for a category 1, level 1 nominal (a superintendent decides)."""
    return {
        "nominal_id": nominal_id,
        "outcome": outcome,
        "answers": {
            **{name: f"synthetic answer: {name}" for name in FREE_TEXT},
            "isa_in_place": False,
            "with_whom": [SCHOOL] if with_whom is None else with_whom,
            "offender_consulted": False,
        },
        "principles": dict.fromkeys(
            ("lawful", "necessary", "proportionate", "secure", "accountable"), True
        ),
        "decision_maker": {"name": "Supt Example (synthetic)", "role": "superintendent"},
        "rationale": "synthetic rationale",
    }


ROLES = (Role.OFFENDER_MANAGER, Role.SUPERVISOR, Role.ANALYST, Role.FRONTLINE, Role.PARTNER_AGENCY)


def test_a_disclosure_under_a_decision_about_a_hidden_nominal_names_no_one(
    tmp_path: Path,
) -> None:
    with api_session(tmp_path, ROLES, "offender_management") as (client, h, settings):
        load(client, h[Role.SUPERVISOR], [w.nominal("NSECRET", "Quill", "Example")])
        om = h[Role.OFFENDER_MANAGER]
        assert (
            client.post("/sharing-decisions", json=decision("NSECRET"), headers=om).status_code
            == 201
        )
        remark(settings.db_path, {"NSECRET"}, Compartment.SOURCE)  # now hidden from them
        hidden = client.post(
            "/sharing-decisions/1/disclosures", json=disclosure(SCHOOL), headers=om
        )
        missing = client.post(
            "/sharing-decisions/2/disclosures", json=disclosure(SCHOOL), headers=om
        )
        assert hidden.status_code == missing.status_code == 404
        assert "NSECRET" not in hidden.text
        assert hidden.json()["detail"] == missing.json()["detail"].replace("2", "1")


def test_a_later_refusal_stops_disclosures_under_an_earlier_decision(tmp_path: Path) -> None:
    """A changed view is a new decision: once a later decision refuses sharing with a
    recipient (or with anyone, naming no one), the earlier decision to share no longer
    covers a disclosure to them; a refusal naming someone else leaves it standing."""
    with api_session(tmp_path, ROLES, "offender_management") as (client, h, settings):
        load(client, h[Role.SUPERVISOR], [w.nominal("N1", "Quill", "Example")])
        om = h[Role.OFFENDER_MANAGER]
        for made in (
            decision("N1", with_whom=[SCHOOL, HOUSING]),  # 1
            decision("N1", "do_not_share", with_whom=[HOUSING]),  # 2: not housing after all
        ):
            assert client.post("/sharing-decisions", json=made, headers=om).status_code == 201
        to_school = client.post(
            "/sharing-decisions/1/disclosures", json=disclosure(SCHOOL), headers=om
        )
        assert to_school.status_code == 201
        to_housing = client.post(
            "/sharing-decisions/1/disclosures", json=disclosure(f"  {HOUSING.upper()} "), headers=om
        )
        assert to_housing.status_code == 422
        assert "decision 2" in to_housing.json()["message"]
        blanket = decision("N1", "do_not_share", with_whom=[])  # 3: no sharing with anyone
        assert client.post("/sharing-decisions", json=blanket, headers=om).status_code == 201
        again = client.post("/sharing-decisions/1/disclosures", json=disclosure(SCHOOL), headers=om)
        assert again.status_code == 422 and "decision 3" in again.json()["message"]
        # a new decision to share with the school, after the refusal, covers it again
        assert client.post("/sharing-decisions", json=decision("N1"), headers=om).status_code == 201
        assert (
            client.post("/sharing-decisions/4/disclosures", json=disclosure(SCHOOL), headers=om)
        ).status_code == 201
    shared = [e for e in audit_entries(settings) if e.operation.value == "disclosure"]
    assert [e.returned for e in shared] == [
        ["sharing-decision:1", "disclosure:1"],
        ["sharing-decision:4", "disclosure:2"],
    ]


def figures(client: Any, headers: dict[str, str], start: str, end: str) -> Any:
    got = client.get(f"/kpis/mappa?from={start}&to={end}", headers=headers)
    assert got.status_code == 200, got.text
    return got.json()


def test_figures_count_only_what_the_caller_may_see_and_both_period_ends(
    tmp_path: Path,
) -> None:
    records = [
        w.nominal("NA", "Quill", "Example"),
        w.nominal("NB", "Rowan", "Example"),
        w.nominal("NHIDDEN", "Sable", "Example"),
        w.event("E-before", "NA", "licence_breach", "2025-03-31"),
        w.event("E-first", "NA", "licence_breach", "2025-04-01"),
        w.event("E-last", "NA", "licence_breach", "2026-03-31"),
        w.event("E-after", "NA", "licence_breach", "2026-04-01"),
        w.event("E-in", "NB", "custody_start", "2026-03-31"),  # in custody on the last day
        w.event("E-h", "NHIDDEN", "licence_breach", "2025-06-01"),
        w.nominal("NC", "Tamsin", "Example"),
        w.event("E-c1", "NC", "custody_end", "2025-06-01"),
        w.event("E-c2", "NC", "recall", "2025-09-01"),  # a recall is a return to custody
    ]
    with api_session(tmp_path, ROLES, "offender_management") as (client, h, settings):
        load(client, h[Role.SUPERVISOR], records)
        remark(settings.db_path, {"NHIDDEN"}, Compartment.SOURCE)
        for role in (Role.ANALYST, Role.SUPERVISOR):
            got = figures(client, h[role], "2025-04-01", "2026-03-31")
            assert got["events"]["licence_breach"] == 2  # E-first, E-last; not NHIDDEN's
            assert got["in_community"]["1"] == 1  # NA; NB, NC in custody; NHIDDEN unseen
        for role in (Role.OFFENDER_MANAGER, Role.FRONTLINE, Role.PARTNER_AGENCY):
            assert (
                client.get("/kpis/mappa?from=2025-04-01&to=2026-03-31", headers=h[role])
            ).status_code == 403


def application(subject_id: str, scheme: str = "dvds_right_to_ask") -> dict[str, Any]:
    return {
        "scheme": scheme,
        "applicant": "Jo Applicant (synthetic)",
        "applicant_relationship": "new partner",
        "subject_id": subject_id,
        "at_risk": ["Jo Applicant (synthetic)"],
        "received_on": "2026-10-01",
    }


def test_scheme_applications_about_a_hidden_subject_name_no_one(tmp_path: Path) -> None:
    with api_session(tmp_path, ROLES, "safeguarding") as (client, h, settings):
        load(client, h[Role.SUPERVISOR], [w.person("SHOWN"), w.person("SHIDDEN")])
        om = h[Role.OFFENDER_MANAGER]
        for subject in ("SHOWN", "SHIDDEN"):
            made = client.post(
                "/disclosure-schemes/applications", json=application(subject), headers=om
            )
            assert made.status_code == 201
        remark(settings.db_path, {"SHIDDEN"}, Compartment.SOURCE)
        for role in (Role.OFFENDER_MANAGER, Role.ANALYST):
            listing = client.get("/disclosure-schemes/applications", headers=h[role]).json()
            assert [a["subject_id"] for a in listing["items"]] == ["SHOWN"]
            hidden = client.get("/disclosure-schemes/applications/2", headers=h[role])
            missing = client.get("/disclosure-schemes/applications/3", headers=h[role])
            assert hidden.status_code == missing.status_code == 404
            assert hidden.text.replace("2", "3") == missing.text
        moved = client.post(
            "/disclosure-schemes/applications/2/moves", json={"stage": "checks"}, headers=om
        )
        assert moved.status_code == 404 and "SHIDDEN" not in moved.text
        for role in (Role.FRONTLINE, Role.PARTNER_AGENCY):
            assert (
                client.get("/disclosure-schemes/applications/1", headers=h[role]).status_code == 403
            )
            assert (
                client.get("/disclosure-schemes/applications", headers=h[role]).status_code == 403
            )


def partner_answer(rid: str, nominal_id: str, decided: int, agency: str = "housing") -> Any:
    """An answer given today (UTC): cover is judged on `answered_on`, so it must come no
    earlier than the decisions a test records just now."""
    return w.event(
        rid,
        nominal_id,
        "partner_request",
        "2026-05-01",
        agency=agency,
        requester="Officer 101 (synthetic)",
        purpose="tenancy allocation",
        due_on="2026-05-15",
        checked="ViSOR",
        answer="relevant convictions (synthetic)",
        answered_on=datetime.now(UTC).date().isoformat(),
        sharing_decision=decided,
    )


def test_a_partner_answer_needs_a_decision_to_share_with_that_agency(tmp_path: Path) -> None:
    """An answer is a disclosure: its sharing_decision must be in the log, about the same
    nominal, to share, naming the agency (case and spaces aside), and not withdrawn by a
    later refusal; otherwise the line is quarantined and no disclosure is audited."""
    with api_session(tmp_path, ROLES, "offender_management") as (client, h, settings):
        sup, om = h[Role.SUPERVISOR], h[Role.OFFENDER_MANAGER]
        load(client, sup, [w.nominal("N1", "Quill", "Example"), w.nominal("N2", "Rowan", "X")])
        for made in (
            decision("N1", with_whom=["  Housing ", SCHOOL]),  # 1
            decision("N2", with_whom=["housing"]),  # 2: another nominal
            decision("N1", "do_not_share", with_whom=["probation"]),  # 3
            decision("N1", with_whom=[SCHOOL]),  # 4: not housing
            decision("N1", with_whom=["health"]),  # 5: later withdrawn for health
            decision("N1", "do_not_share", with_whom=["HEALTH"]),  # 6
        ):
            assert client.post("/sharing-decisions", json=made, headers=om).status_code == 201
        bad = {
            "PR-none": (partner_answer("PR-none", "N1", 7), "not in the sharing log"),
            # the reason does not name N2: quarantine readers may not see that nominal
            "PR-other": (partner_answer("PR-other", "N1", 2), "is not about 'N1'"),
            "PR-refused": (partner_answer("PR-refused", "N1", 3, "probation"), "not to share"),
            "PR-unnamed": (partner_answer("PR-unnamed", "N1", 4), "not one the decision named"),
            "PR-withdrawn": (partner_answer("PR-withdrawn", "N1", 5, "health"), "decision 6"),
        }
        good = partner_answer("PR-ok", "N1", 1, "HOUSING")
        summary = load(client, sup, [good, *(rec for rec, _ in bad.values())], clean=False)
        assert (summary["accepted"], summary["quarantined"]) == (1, len(bad))
        assert summary["lines_read"] == summary["accepted"] + summary["quarantined"]
        assert summary["quarantined_by_reason"] == {"no_sharing_decision": len(bad)}
        for r in summary["rejections"]:
            assert r["record_id"] in r["reason"] and bad[r["record_id"]][1] in r["reason"], r
            assert "N2" not in r["reason"], r
    shared = [e for e in audit_entries(settings) if e.operation.value == "disclosure"]
    assert [e.returned for e in shared if e.action.startswith("answer")] == [["PR-ok"]]


def test_a_disclosure_rests_on_the_decisions_in_force_when_it_was_made(tmp_path: Path) -> None:
    """Cover was judged when the disclosure was recorded, not when the information was
    shared: a disclosure made under decision 1 before decision 2 refused all sharing could
    not be recorded afterwards (the record of what was shared was lost), while one dated
    before any decision existed, or not yet made at all, was accepted."""
    visor = Visor(ref="V-N1", nominal_type=NominalType.RSO, mappa_category=1, mappa_level=1)
    nominal = person("N1", visor=visor)
    kept = SharingStore(tmp_path / "gov.db")
    share = SharingDecisionIn.model_validate(decision("N1"))
    refuse = SharingDecisionIn.model_validate(decision("N1", "do_not_share", with_whom=[]))
    assert kept.decide(share, nominal, "om", at=utc("2026-05-01T09:00:00Z")).seq == 1
    assert kept.decide(refuse, nominal, "om", at=utc("2026-05-10T09:00:00Z")).seq == 2

    def shared_on(when: str) -> DisclosureIn:
        return DisclosureIn.model_validate(disclosure(SCHOOL, shared_at=when))

    recorded = utc("2026-05-12T16:00:00Z")
    made = kept.disclose(1, shared_on("2026-05-05T11:00:00+01:00"), nominal, "om", at=recorded)
    assert made.seq == 1 and made.shared_at == utc("2026-05-05T10:00:00Z")
    with pytest.raises(ValidationFailed, match="decision 2"):
        kept.disclose(1, shared_on("2026-05-11T10:00:00Z"), nominal, "om", at=recorded)
    with pytest.raises(ValidationFailed, match="before decision 1 was recorded"):
        kept.disclose(1, shared_on("2026-04-30T10:00:00Z"), nominal, "om", at=recorded)
    with pytest.raises(ValidationFailed, match="in the future"):
        kept.disclose(1, shared_on("2026-05-13T10:00:00Z"), nominal, "om", at=recorded)
    assert [x.seq for x in kept.for_nominal("N1")[1]] == [1]
    kept.close()


def test_a_partner_answer_rests_on_the_decisions_in_force_on_its_date(tmp_path: Path) -> None:
    """Ingest judged an answer's cover when the file was loaded, not on `answered_on`: an
    answer dated before its decision was recorded was loaded (and audited as a disclosure),
    while one given while the decision stood was quarantined once a refusal had been
    recorded since. A date counts as the end of that day, UTC: what was recorded by then
    covers it (or, a refusal, withdraws the cover)."""
    from graph.audit import AuditLog, Operation
    from graph.stores.sqlite import SqliteGraphStore
    from ingest.loader import Actor
    from ingest.pipeline import ingest
    from ingest.reader import stream_lines
    from ingest.state import IngestState

    visor = Visor(ref="V-N1", nominal_type=NominalType.RSO, mappa_category=1, mappa_level=1)
    gov = tmp_path / "gov.db"
    kept = SharingStore(gov)
    share = SharingDecisionIn.model_validate(decision("N1", with_whom=["housing"]))
    refuse = SharingDecisionIn.model_validate(decision("N1", "do_not_share", with_whom=[]))
    nominal = person("N1", visor=visor)
    assert kept.decide(share, nominal, "om", at=utc("2026-05-01T16:00:00Z")).seq == 1
    assert kept.decide(refuse, nominal, "om", at=utc("2026-05-10T09:00:00Z")).seq == 2
    answers = {
        "PR-before": ("2026-04-30", "before decision 1 was recorded"),
        "PR-same-day": ("2026-05-01", None),  # recorded by the end of that day
        "PR-stood": ("2026-05-05", None),  # the refusal came after
        "PR-refusal-day": ("2026-05-10", "decision 2"),  # refused by the end of that day
        "PR-after": ("2026-05-11", "decision 2"),
    }
    lines = [w.nominal("N1", "Quill", "Example")]
    lines += [
        {**partner_answer(rid, "N1", 1), "answered_on": day} for rid, (day, _) in answers.items()
    ]
    audit = AuditLog(gov)
    with SqliteGraphStore(tmp_path / "g.db") as store, IngestState(tmp_path / "i.db") as state:
        data = stream_lines(w.dumps(lines).encode().splitlines(), "answers.jsonl")
        actor = Actor("t", "offender_manager", "offender_management")
        summary = ingest(
            store, state, [data], actor=actor, audit=audit, sharing=kept.cover_problem
        ).load
    refused = {r.record_id: r.reason for r in summary.rejections}
    assert set(refused) == {rid for rid, (_, why) in answers.items() if why}
    for rid, (_, why) in answers.items():
        if why:
            assert why in refused[rid], refused[rid]
    shared = audit.query(operation=Operation.DISCLOSURE, limit=100)
    assert sorted(r for e in shared for r in e.returned) == ["PR-same-day", "PR-stood"]
    audit.close()
    kept.close()


def test_a_level_one_decision_does_not_cover_sharing_once_the_nominal_is_at_level_two(
    tmp_path: Path,
) -> None:
    """At MAPPA levels 2 and 3 the MAPP meeting chair decides on sharing (APP, "Sharing
    information with specific members of the public"). A superintendent's decision made
    while N1 was at level 1 went on covering disclosures and partner answers after N1 was
    moved to level 2, when it was no longer theirs to make."""
    with api_session(tmp_path, ROLES, "offender_management") as (client, h, settings):
        sup, om = h[Role.SUPERVISOR], h[Role.OFFENDER_MANAGER]
        at_level_1 = w.nominal("N1", "Quill", "Example")
        load(client, sup, [at_level_1])
        made = client.post(
            "/sharing-decisions", json=decision("N1", with_whom=[SCHOOL, "housing"]), headers=om
        )
        assert made.status_code == 201 and made.json()["mappa_level"] == 1, made.text
        assert (
            client.post(
                "/sharing-decisions/1/disclosures", json=disclosure(SCHOOL), headers=om
            ).status_code
            == 201
        )
        # moved to level 2 by the same load as the answer: the answer is judged at level 2
        at_level_2 = {**at_level_1, "visor": {**at_level_1["visor"], "mappa_level": 2}}
        answer = partner_answer("PR-1", "N1", 1)
        answered = load(client, sup, [at_level_2, answer], clean=False)
        [rejection] = answered["rejections"]
        assert (
            rejection["code"] == "no_sharing_decision"
            and "MAPP meeting chair" in rejection["reason"]
        )
        refused = client.post(
            "/sharing-decisions/1/disclosures", json=disclosure(SCHOOL), headers=om
        )
        assert refused.status_code == 422, refused.text
        assert "MAPPA level 2" in refused.text and "MAPP meeting chair" in refused.text
        assert "mappa_level_when_shared" in refused.text  # the refusal says what can be done
        # Shared at level 1 under decision 1 and recorded only now: stated, it is recorded
        # (and judged at level 1); the statement is kept and named in the audit entry.
        late = client.post(
            "/sharing-decisions/1/disclosures",
            json=disclosure(SCHOOL, mappa_level_when_shared=1),
            headers=om,
        )
        assert late.status_code == 201, late.text
        assert late.json()["mappa_level_when_shared"] == 1
        stated = [e for e in audit_entries(settings) if e.operation.value == "disclosure"][-1]
        assert stated.details["mappa_level_when_shared"] == 1, stated
        # Stating level 2 is no way round the rule.
        at_two = client.post(
            "/sharing-decisions/1/disclosures",
            json=disclosure(SCHOOL, mappa_level_when_shared=2),
            headers=om,
        )
        assert at_two.status_code == 422 and "MAPP meeting chair" in at_two.text
        # loaded again on its own, it is judged at the level the graph holds: still 2
        again = load(client, sup, [answer], clean=False)
        assert [r["record_id"] for r in again["rejections"]] == ["PR-1"]
        chair = {
            **decision("N1", with_whom=[SCHOOL, "housing"]),
            "decision_maker": {
                "name": "DCI Chair (synthetic)",
                "role": "mapp_chair",
                "minute_ref": "MAPP-2026-11",
            },
        }
        assert client.post("/sharing-decisions", json=chair, headers=om).status_code == 201
        assert (
            client.post(
                "/sharing-decisions/2/disclosures", json=disclosure(SCHOOL), headers=om
            ).status_code
            == 201
        )
        load(client, sup, [partner_answer("PR-2", "N1", 2)])
    shared = [e for e in audit_entries(settings) if e.operation.value == "disclosure"]
    assert [e.returned for e in shared if e.action.startswith("answer")] == [["PR-2"]]

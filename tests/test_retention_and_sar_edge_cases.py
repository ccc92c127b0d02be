"""Disposal and subject access edge cases, through the API on the embedded store.

Disposal (docs/retention.md, graph/retention/service.py): disposing of a report keeps
nothing of the erased data anywhere Mosaic stores it and narrows what other material
still supports. Subject access (docs/subject-access.md): the pack never holds a restricted
record, a third party, a victim's details, a police tactic or anything about a source
beyond its kind."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from graph.access import Role
from graph.analysis.measures import analyse, role_views
from graph.config import Settings
from tests import wire as w
from tests.factories import disclosure, sharing_decision
from tests.support.api_env import audit_entries, dispose, load, role_headers

ROLES = (Role.SUPERVISOR, Role.OFFENDER_MANAGER, Role.ANALYST)
PLANTED_NAME = "Zebediah"
NDJSON = {"Content-Type": "application/x-ndjson"}

Api = tuple[TestClient, dict[Role, dict[str, str]], Settings]


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    settings = Settings(
        db_path=tmp_path / "g.db",
        governance_path=tmp_path / "gov.db",
        ingest_path=tmp_path / "ingest.db",
        analysis_path=tmp_path / "analysis.db",
    )
    headers = role_headers(settings.governance_path, ROLES, "offender_management")
    with TestClient(create_app(settings)) as client:
        yield client, headers, settings


def _rows_holding(db: Path, needle: str) -> list[str]:
    """Every row of every table in a SQLite file whose text holds `needle`."""
    con = sqlite3.connect(db)
    try:
        found = []
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in tables:
            for row in con.execute(f"SELECT * FROM {table}"):
                if needle in repr(row):
                    found.append(f"{table}: {row!r}"[:200])
        return found
    finally:
        con.close()


def _mentioning_world() -> list[w.Record]:
    mention = {
        "name": {"given": PLANTED_NAME, "family": "Plimsoll"},
        "dob": None,
        "address": None,
        "postcode": None,
    }
    return [
        w.nominal("P1", "Alden", "Quarry"),
        w.person("P2", "Bryn", "Tallow", dob="1971-02-03"),
        w.report(
            "R1",
            subjects=[w.ref("P1")],
            mentions=[mention],
            associations=[{"a": w.ref("P1"), "b": w.ref("P2"), "type": "friend", "note": None}],
        ),
    ]


# -- 1. review and disposal ------------------------------------------------------------------


def test_disposal_erases_the_person_only_the_report_mentioned(api: Api) -> None:
    """A mention that matched nobody became person MEN-R1-0, known only from R1. Disposing
    of R1 removes the MENTIONS edge but leaves the person (with the name the report gave)
    in the graph, its matching features and mention decision in the ingest state."""
    client, headers, settings = api
    sup = headers[Role.SUPERVISOR]
    load(client, sup, _mentioning_world())
    assert client.get("/persons/MEN-R1-0", headers=sup).status_code == 200
    dispose(client, sup, "R1")
    assert client.get("/persons/MEN-R1-0", headers=sup).status_code == 404
    assert _rows_holding(settings.db_path, PLANTED_NAME) == []
    assert _rows_holding(settings.ingest_path, PLANTED_NAME) == []
    assert _rows_holding(settings.ingest_path, "MEN-R1-0") == []


def test_disposal_leaves_no_notification_citing_the_report(api: Api) -> None:
    """Notifications raised for R1's links to the nominal keep R1 as evidence, and the
    erased association in their reason, after R1 and those links are erased."""
    client, headers, _ = api
    sup = headers[Role.SUPERVISOR]
    load(client, sup, _mentioning_world())
    before = client.get("/notifications", headers=sup).json()["items"]
    assert any("R1" in n["evidence"] for n in before)
    disposal = dispose(client, sup, "R1")
    erased = set(disposal["deleted_edges"])
    after = client.get("/notifications", headers=sup).json()["items"]
    assert [n for n in after if "R1" in n["evidence"] or n["edge_id"] in erased] == []


def test_loading_the_file_again_after_disposal_refuses_the_report(api: Api) -> None:
    """Disposal leaves a tombstone and forgets the report's fingerprint and claimed edges:
    loading the same file again quarantines R1 as `disposed` (it neither comes back nor
    counts as unchanged), and the ingest state names none of its erased links."""
    client, headers, settings = api
    sup = headers[Role.SUPERVISOR]
    records = _mentioning_world()
    load(client, sup, records)
    dispose(client, sup, "R1")
    sent = client.post("/ingest", content=w.dumps(records), headers={**sup, **NDJSON})
    assert sent.status_code == 200, sent.text
    again = sent.json()
    assert (again["unchanged"], again["created"], again["quarantined"]) == (2, 0, 1)
    [refused] = again["rejections"]
    assert (refused["record_id"], refused["code"]) == ("R1", "disposed")
    assert "disposed of after review" in refused["reason"]
    assert client.get("/reports/R1", headers=sup).status_code == 404
    assert _rows_holding(settings.ingest_path, "ASSOCIATED_WITH:P1:P2:friend") == []


def test_disposal_leaves_no_copy_of_the_report_in_quarantine(api: Api) -> None:
    """A refused earlier version of R1 (its raw line, with the name it gave) stayed in the
    quarantine after R1 was disposed of, and each re-send of the feed put the disposed
    line back there as a `disposed` refusal."""
    client, headers, settings = api
    sup = headers[Role.SUPERVISOR]
    records = _mentioning_world()
    spoilt = [{**r, "received_at": "not a time"} if r["id"] == "R1" else r for r in records]
    first = client.post("/ingest", content=w.dumps(spoilt), headers={**sup, **NDJSON})
    assert first.status_code == 200 and first.json()["quarantined"] == 1, first.text
    load(client, sup, records)
    dispose(client, sup, "R1")
    assert _rows_holding(settings.ingest_path, PLANTED_NAME) == []
    again = client.post("/ingest", content=w.dumps(records), headers={**sup, **NDJSON})
    assert again.status_code == 200 and again.json()["quarantined"] == 1, again.text
    assert _rows_holding(settings.ingest_path, PLANTED_NAME) == []
    listed = client.get("/quarantine", headers=sup).json()["items"]
    assert [(q["record_id"], q["code"]) for q in listed] == [("R1", "disposed")]


def test_a_narrowed_link_loses_the_disposed_reports_dates_and_handling(api: Api) -> None:
    """R1 (1 March, handling code C) and R2 (20 March, P) both assert P1-P2. Disposing of
    R1 narrows the link's supports to R2 but leaves first_seen on R1's date and R1's
    handling code and conditions on the link's marking."""
    client, headers, _ = api
    sup = headers[Role.SUPERVISOR]
    claim = [{"a": w.ref("P1"), "b": w.ref("P2"), "type": "friend", "note": None}]
    load(
        client,
        sup,
        [
            w.person("P1", "Alden", "Quarry"),
            w.person("P2", "Bryn", "Tallow", dob="1971-02-03"),
            w.report("R1", day=1, grade="2CC", subjects=[w.ref("P1")], associations=claim),
            w.report("R2", day=20, grade="2BP", subjects=[w.ref("P1")], associations=claim),
        ],
    )
    link = "ASSOCIATED_WITH:P1:P2:friend"
    assert dispose(client, sup, "R1")["updated_edges"] == [link]
    edge = client.app.state.store.get_edge(link)  # type: ignore[attr-defined]
    assert edge is not None and edge.report_ids == ["R2"]
    assert (edge.provenance.first_seen, edge.provenance.last_seen) == (
        date(2026, 3, 20),
        date(2026, 3, 20),
    )
    assert edge.marking.handling_code != "C" and edge.marking.handling_conditions is None


def test_disposal_leaves_nothing_in_the_stored_measures(api: Api) -> None:
    """Measures computed before a disposal keep the disposed report as a ranked node."""
    client, headers, _ = api
    sup = headers[Role.SUPERVISOR]
    load(client, sup, _mentioning_world())
    analyse(client.app.state.store, client.app.state.measures, role_views())  # type: ignore[attr-defined]
    ranked = client.get("/analysis/measures?kind=Report&limit=200", headers=sup).json()
    assert "R1" in [n["node_id"] for n in ranked["nodes"]]
    dispose(client, sup, "R1")
    ranked = client.get("/analysis/measures?kind=Report&limit=200", headers=sup)
    nodes = ranked.json().get("nodes", []) if ranked.status_code == 200 else []
    assert "R1" not in [n["node_id"] for n in nodes]


# -- 2. subject access -------------------------------------------------------------------------


def _pack(client: TestClient, headers: dict[str, str], person_id: str) -> Any:
    url = f"/persons/{person_id}/subject-access?requested_on=2026-04-01"
    made = client.get(url, headers=headers)
    assert made.status_code == 200, made.text
    return made.json()


def test_the_pack_leaves_out_a_link_only_a_restricted_report_supports(api: Api) -> None:
    """RX is restricted from P1's packs, but the partner link only RX asserted is in the
    pack, with RX's date: the restricted record's content, disclosed."""
    client, headers, _ = api
    sup = headers[Role.SUPERVISOR]
    claim = [{"a": w.ref("P1"), "b": w.ref("P2"), "type": "partner", "note": None}]
    load(
        client,
        sup,
        [
            w.person("P1", "Alden", "Quarry"),
            w.person("P2", "Bryn", "Tallow", dob="1971-02-03"),
            w.report("RX", day=2, subjects=[w.ref("P1")], associations=claim),
            w.report("R2", day=3, subjects=[w.ref("P1")], text="their own report"),
        ],
    )
    ground = {"record_id": "RX", "ground": "DPA 2018 s45(4)(b)"}
    assert client.post("/persons/P1/sar-restrictions", json=ground, headers=sup).status_code == 201
    pack = _pack(client, sup, "P1")
    assert [r["report_id"] for r in pack["reports"]] == ["R2"]
    assert [link for link in pack["links"] if link["association_type"] == "partner"] == []


def test_the_pack_does_not_name_the_other_party_of_a_link(api: Api) -> None:
    """Links are listed 'the other party not named', but the link id of an ingested
    association is made of both ends' record ids."""
    client, headers, _ = api
    sup = headers[Role.SUPERVISOR]
    claim = [{"a": w.ref("P1"), "b": w.ref("THIRD-9"), "type": "partner", "note": None}]
    load(
        client,
        sup,
        [
            w.person("P1", "Alden", "Quarry"),
            w.person("THIRD-9", "Bryn", "Tallow", dob="1971-02-03"),
            w.report("R2", day=3, subjects=[w.ref("P1")], associations=claim),
        ],
    )
    pack = _pack(client, sup, "P1")
    assert [link["kind"] for link in pack["links"]] == ["ASSOCIATED_WITH"]
    assert "THIRD-9" not in json.dumps(pack)


def test_the_pack_leaves_out_taskings_and_confidential_or_management_records(api: Api) -> None:
    """An intelligence requirement on the subject (a police tactic), a MAPP meeting
    (management compartment) and a partner agency's request (confidential compartment)
    are listed as the subject's links."""
    client, headers, _ = api
    sup = headers[Role.SUPERVISOR]
    load(
        client,
        sup,
        [
            w.nominal("P1", "Alden", "Quarry"),
            w.tasking(
                "TK-SPEC", requirement="specific", subject_id="P1", title="where does P1 live"
            ),
            w.event(
                "EV-MAPP",
                "P1",
                "mapp_meeting",
                "2026-02-01",
                meeting_level=2,
                chair="DI Chair (synthetic)",
                attendees=["police"],
                decisions=["none"],
                actions=[],
            ),
            w.event(
                "EV-REQ1",
                "P1",
                "partner_request",
                "2026-03-01",
                agency="housing",
                requester="Housing Officer (synthetic)",
                purpose="tenancy allocation",
                due_on="2026-03-15",
            ),
        ],
    )
    text = json.dumps(_pack(client, sup, "P1"))
    for planted in ("TK-SPEC", "TASKS", "EV-MAPP", "EV-REQ1"):
        assert planted not in text, planted


def test_the_pack_does_not_name_a_disclosure_scheme_applicant(api: Api) -> None:
    """A DVDS right-to-ask applicant (here the person at risk) becomes, once the
    application is disclosed, a 'recipient' in the subject's own pack."""
    client, headers, _ = api
    sup, om = headers[Role.SUPERVISOR], headers[Role.OFFENDER_MANAGER]
    load(client, sup, [w.nominal("P1", "Alden", "Quarry")])
    victim = "Jane Victimson (synthetic)"
    made = client.post(
        "/disclosure-schemes/applications",
        json={
            "scheme": "dvds_right_to_ask",
            "applicant": victim,
            "applicant_relationship": "partner",
            "subject_id": "P1",
            "at_risk": [victim],
            "received_on": "2026-03-01",
        },
        headers=om,
    )
    assert made.status_code == 201, made.text
    seq = made.json()["seq"]
    for stage in ("checks", "risk_assessment", "multi_agency_decision", "disclosed"):
        moved = client.post(
            f"/disclosure-schemes/applications/{seq}/moves",
            json={"stage": stage, "note": "synthetic", "rationale": "risk to the applicant"},
            headers=om,
        )
        assert moved.status_code == 200, moved.text
    assert victim not in json.dumps(_pack(client, sup, "P1"))


def test_the_pack_does_not_reveal_a_covert_human_intelligence_source(api: Api) -> None:
    """A report from a CHIS is listed with source category 'chis' and 'report from a
    chis' among the sources of information: the use of a covert source, told to its
    subject."""
    client, headers, _ = api
    sup = headers[Role.SUPERVISOR]
    load(
        client,
        sup,
        [
            w.person("P1", "Alden", "Quarry"),
            w.source("S1", None, source_type="chis"),
            w.report("R2", day=3, subjects=[w.ref("P1")], source_id="S1"),
        ],
    )
    pack = _pack(client, sup, "P1")
    assert "chis" not in json.dumps(pack).casefold()


RESTRICTED = "restricted planted text: a live operation (synthetic)"
SCHOOL = "Head teacher, Example Primary"


def _one_human_two_records() -> list[w.Record]:
    """A ViSOR nominal V1 and a PNC record N1 of the same (synthetic) human, linked into one
    entity by their PNC id, with reports about each."""
    nominal = w.nominal("V1", "Alden", "Quarry", pnc_id="80/000001A")
    nominal["visor"]["next_review"] = "2027-01-15"
    return [
        nominal,
        w.person("N1", "Alden", "Quarry", source_system="pnc", pnc_id="80/000001A"),
        w.report("R9", day=2, subjects=[w.ref("V1")], text=RESTRICTED),
        w.report("R8", day=3, subjects=[w.ref("N1")], text="their own report"),
        w.report("R7", day=4, subjects=[w.ref("N1")], risk_indicators=["substance_misuse"]),
    ]


def test_a_restriction_holds_whichever_of_their_records_the_request_names(api: Api) -> None:
    """The pack holds every record of the person's entity, but only the restrictions, the
    sharing disclosures and the audited disclosures recorded against the record named in
    the request: R9, restricted on V1's record, went out in the pack asked for through N1
    (the same human), and the school V1's information was disclosed to was not listed."""
    client, headers, settings = api
    sup, om = headers[Role.SUPERVISOR], headers[Role.OFFENDER_MANAGER]
    load(client, sup, _one_human_two_records())
    entity = client.get("/persons/N1/entity", headers=sup).json()
    assert [m["id"] for m in entity["members"]] == ["N1", "V1"]
    ground = {"record_id": "R9", "ground": "DPA 2018 s45(4)(b)"}
    assert client.post("/persons/V1/sar-restrictions", json=ground, headers=sup).status_code == 201
    decided = client.post("/sharing-decisions", json=sharing_decision("V1"), headers=om)
    assert decided.status_code == 201, decided.text
    shared = client.post("/sharing-decisions/1/disclosures", json=disclosure(SCHOOL), headers=om)
    assert shared.status_code == 201, shared.text
    for asked in ("N1", "V1"):
        pack = _pack(client, sup, asked)
        assert [r["report_id"] for r in pack["reports"]] == ["R8", "R7"], asked
        assert RESTRICTED not in json.dumps(pack) and "R9" not in json.dumps(pack)
        assert SCHOOL in pack["recipients"], asked
    made = [e for e in audit_entries(settings) if e.action == "subject access"]
    assert [e.details["restrictions_applied"] for e in made] == [
        [{"record": "R9", "ground": "DPA 2018 s45(4)(b)"}]
    ] * 2


def test_the_pack_gives_each_record_the_review_date_the_due_list_gives_it(api: Api) -> None:
    """The pack's retention section said every report was in group 3 with no review date
    until one was reviewed, and that the nominal had none though ViSOR records one: the
    period the subject is told their data is kept for was not the one Mosaic applies."""
    client, headers, _ = api
    sup = headers[Role.SUPERVISOR]
    load(client, sup, _one_human_two_records())
    pack = _pack(client, sup, "N1")
    received = {r["report_id"]: date.fromisoformat(r["received_at"][:10]) for r in pack["reports"]}
    ten_years = timedelta(days=3650)
    assert {r["record_id"]: (r["group"], r["next_review"]) for r in pack["retention"]} == {
        # not a nominal, but the nominal's record: kept while the reports about them are
        "N1": ("public_protection", None),
        "V1": ("public_protection", "2027-01-15"),  # ViSOR's next review date
        "R9": ("public_protection", (received["R9"] + ten_years).isoformat()),
        # about N1, a record of the nominal's entity: group 1 (see the test below)
        "R8": ("public_protection", (received["R8"] + ten_years).isoformat()),
        "R7": ("public_protection", (received["R7"] + ten_years).isoformat()),
    }
    due = client.get("/reviews/due?within_days=3650", headers=sup).json()["items"]
    listed = {d["record_id"]: (d["group"], d["due"]) for d in due}
    for held in pack["retention"]:
        if held["record_id"] in listed:
            assert listed[held["record_id"]] == (held["group"], held["next_review"])


def test_a_report_about_any_record_of_a_nominal_is_kept_as_the_nominals(api: Api) -> None:
    """R8 and R7 are about N1, the PNC record entity resolution joined to the nominal V1
    (one human), yet the due list and the pack put them in groups 3 and 2: R8 fell due four
    years before group 1 allows, and could have been disposed of then. The group follows the
    entities as they stand: once a judgement splits N1 from V1 they are back in their own
    groups, and a review made while they were joined keeps its date only for the group it
    was made in."""
    client, headers, _ = api
    sup, analyst = headers[Role.SUPERVISOR], headers[Role.ANALYST]
    load(client, sup, _one_human_two_records())
    ten_years, six_years = timedelta(days=3650), timedelta(days=2190)

    def kept(person_id: str) -> dict[str, tuple[str, str | None]]:
        """The pack's retention section; the due list must say the same for what it lists."""
        pack = _pack(client, sup, person_id)
        held = {r["record_id"]: (r["group"], r["next_review"]) for r in pack["retention"]}
        due = client.get("/reviews/due?within_days=3650", headers=sup).json()["items"]
        for d in due:
            if d["record_id"] in held:
                assert held[d["record_id"]] == (d["group"], d["due"]), d
        return held

    def after(day: date, period: timedelta) -> str:
        return (day + period).isoformat()

    joined = kept("N1")
    assert {k: joined[k][0] for k in ("N1", "R8", "R7")} == dict.fromkeys(
        ("N1", "R8", "R7"), "public_protection"
    )
    assert joined["R8"][1] == after(date(2026, 3, 3), ten_years)
    assert joined["R7"][1] == after(date(2026, 3, 4), ten_years)
    body = {"record_id": "R8", "outcome": "retain", "rationale": "still needed (synthetic)"}
    made = client.post("/reviews", json=body, headers=sup)
    assert made.status_code == 201, made.text
    reviewed = made.json()["review"]
    reviewed_on = date.fromisoformat(reviewed["reviewed_at"][:10])
    assert reviewed["group"] == "public_protection"
    assert reviewed["next_review"] == after(reviewed_on, ten_years)

    judged = client.post(
        "/resolution/judgements",
        json={"a": "N1", "b": "V1", "verdict": "not_same", "reason": "custody photographs"},
        headers=analyst,
    )
    assert judged.status_code == 200, judged.text
    apart = kept("N1")
    assert apart == {
        "N1": ("other", None),
        "R8": ("other", after(reviewed_on, six_years)),  # the review, with group 3's period
        "R7": ("serious", after(date(2026, 3, 4), ten_years)),
    }
    assert kept("V1")["R9"] == ("public_protection", after(date(2026, 3, 2), ten_years))

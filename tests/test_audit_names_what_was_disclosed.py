"""Every person and report id a response discloses is named in its audit entry
(DPA 2018 s62, docs/access-and-audit.md), and a 404 for a hidden record discloses nothing.

Each test loads a small world through `POST /ingest` (real app, real accounts, embedded
store), makes one request, and compares the ids in the body with the entry written for
it. An id counts as recorded when the entry names it in `returned` or `subjects` (both are
what `GET /audit?subject=` finds), so every failure here is an id the auditor cannot find.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from graph.access import Role
from graph.audit import AuditEntry, AuditLog
from graph.config import Settings
from graph.markings import Compartment
from tests import wire as w
from tests.support.api_env import api_session, load, remark

ROLES = (Role.ANALYST, Role.SUPERVISOR, Role.FIB_REVIEWER, Role.OFFENDER_MANAGER)
Api = tuple[TestClient, dict[Role, dict[str, str]], Settings]


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    with api_session(tmp_path, ROLES, "investigation") as session:
        yield session


def _read(api: Api, role: Role, url: str, method: str = "GET", **kw: Any) -> tuple[Any, AuditEntry]:
    """The response body and the one entry the request wrote."""
    client, headers, settings = api
    log = AuditLog(settings.governance_path)
    try:
        before = log.query(limit=100_000)
        last = before[-1].seq if before else 0
        response = client.request(method, url, headers=headers[role], **kw)
        assert response.status_code == 200, response.text
        (entry,) = log.query(after_seq=last, limit=10)
    finally:
        log.close()
    assert entry.purpose == "investigation"
    return response.json(), entry


def _recorded(entry: AuditEntry) -> set[str]:
    return {*entry.returned, *entry.subjects}


def _association_reported_elsewhere() -> list[w.Record]:
    """RA is about PZ only, but reports that PA and PB are co-offenders: RA is linked to
    neither PA nor PB, it only supports the edge between them."""
    return [
        w.person("PA", "Orrin", "Falk", dob="1984-01-02"),
        w.person("PB", "Tessa", "Grell", dob="1979-09-09", gender="F"),
        w.person("PZ", "Milo", "Stane", dob="1990-03-03"),
        w.report(
            "RA",
            subjects=[w.ref("PZ")],
            associations=[
                {"a": w.ref("PA"), "b": w.ref("PB"), "type": "co_offender", "note": None}
            ],
        ),
    ]


def test_associates_via_a_shared_report_name_that_report(api: Api) -> None:
    """`GET /persons/{id}/associates`: an associate found through a shared report shows the
    report in `via` and in the path's edges, but the entry names only the associate and the
    edge ids, never the report."""
    client, headers, _ = api
    load(
        client,
        headers[Role.ANALYST],
        [
            w.person("PX", "Orrin", "Falk", dob="1984-01-02"),
            w.person("PY", "Tessa", "Grell", dob="1979-09-09", gender="F"),
            w.report("RS", subjects=[w.ref("PX"), w.ref("PY")]),
        ],
    )
    body, entry = _read(api, Role.ANALYST, "/persons/PX/associates")
    (associate,) = body["associates"]
    assert associate["person"]["id"] == "PY" and associate["via"] == ["RS"]
    assert entry.action == "associates"
    assert "RS" in _recorded(entry), entry.returned


def test_paths_name_the_reports_that_support_their_edges(api: Api) -> None:
    """`GET /paths`: each edge carries the ids of the reports supporting it
    (`provenance.supports[].report_id`); those report ids are not in the entry."""
    client, headers, _ = api
    load(client, headers[Role.ANALYST], _association_reported_elsewhere())
    body, entry = _read(api, Role.ANALYST, "/paths?from=PA&to=PB")
    supports = {
        s["report_id"] for p in body["paths"] for e in p for s in e["provenance"]["supports"]
    }
    assert supports == {"RA"}
    assert entry.action == "paths"
    assert "RA" in _recorded(entry), entry.returned


def test_link_chart_names_the_reports_cited_on_its_edges(api: Api) -> None:
    """`GET /charts/persons/{id}.json` (and the page and export, which share `_chart`):
    `edges[].reports` cites supporting reports that are not chart nodes, and the entry
    names only nodes and edges."""
    client, headers, _ = api
    load(client, headers[Role.ANALYST], _association_reported_elsewhere())
    body, entry = _read(api, Role.ANALYST, "/charts/persons/PA.json?depth=1")
    assert {n["id"] for n in body["nodes"]} == {"PA", "PB"}
    assert {r for e in body["edges"] for r in e["reports"]} == {"RA"}
    assert entry.action == "link chart"
    assert "RA" in _recorded(entry), entry.returned


def test_ranked_risk_names_what_each_finding_is_about(api: Api) -> None:
    """`GET /risk/ranked`: every item carries the nominal's findings (the related person and
    the evidence), but the entry names only the ranked nominals."""
    client, headers, _ = api
    load(
        client,
        headers[Role.ANALYST],
        [
            w.location("L1"),
            w.nominal("N1", "Danny", "Edwick", at="L1", dob="1975-12-15"),
            w.person("PA", "Kerrie", "Masonby", gender="F", dob="1988-02-02"),
            w.person("PC", "Mina", "Masonby", dob="2019-04-03"),
            w.association("A1", "N1", "PA", "partner"),
            w.association("A2", "PA", "PC", "parent_of"),
        ],
    )
    body, entry = _read(api, Role.SUPERVISOR, "/risk/ranked")
    (item,) = body["items"]
    related = {f["related"] for f in item["findings"]}
    assert "PA" in related, item
    assert entry.action == "risk ranking"
    assert related <= _recorded(entry), entry.returned


def _source_world() -> list[w.Record]:
    days = ["2026-01-10T10:00:00Z", "2026-03-10T10:00:00Z", "2026-05-10T10:00:00Z"]
    return [
        w.nominal("N1", "Hollis", "Brandt", dob="1981-07-09"),
        w.person("PUBP", "Tamsin", "Orrell", dob="1992-04-05"),
        w.source("PUB", "PUBP"),
        *(
            w.report(f"RP{i}", source_id="PUB", subjects=[w.ref("N1")], received_at=day)
            for i, day in enumerate(days)
        ),
    ]


def test_chis_chronology_names_who_each_contact_was_about(api: Api) -> None:
    """`GET /sources/{id}/chronology`: each entry names the persons the report was about
    (`entries[].subjects[].person_id`); the entry names the reports and the source's own
    person, not those subjects."""
    client, headers, _ = api
    load(client, headers[Role.ANALYST], _source_world())
    body, entry = _read(api, Role.FIB_REVIEWER, "/sources/PUB/chronology")
    about = {s["person_id"] for e in body["entries"] for s in e["subjects"]}
    assert about == {"N1"}
    assert entry.action == "chis chronology"
    assert "N1" in _recorded(entry), (entry.subjects, entry.returned)


def test_chis_candidates_name_their_subjects_and_evidence(api: Api) -> None:
    """`GET /chis/candidates`: each candidate lists the persons its reports were about
    (`subjects`) and the reports behind each indicator (`indicators[].evidence`); the entry
    names only the source and the person behind it."""
    client, headers, _ = api
    load(client, headers[Role.ANALYST], _source_world())
    body, entry = _read(api, Role.FIB_REVIEWER, "/chis/candidates?status=all")
    (candidate,) = [c for c in body["items"] if c["source_id"] == "PUB"]
    shown = {*candidate["subjects"], *(r for i in candidate["indicators"] for r in i["evidence"])}
    assert "N1" in shown and shown & {"RP0", "RP1", "RP2"}, candidate
    assert entry.action == "chis candidates"
    assert shown <= _recorded(entry), (entry.subjects, entry.returned)


def test_notifications_name_the_reports_they_cite(api: Api) -> None:
    """`GET /notifications`: each notification cites its evidence (report ids); the entry
    names the nominal and the notification numbers only."""
    client, headers, _ = api
    load(client, headers[Role.ANALYST], [w.nominal("N1", "Danny", "Edwick")])
    load(client, headers[Role.ANALYST], [w.report("RN1", subjects=[w.ref("N1")])])
    body, entry = _read(api, Role.SUPERVISOR, "/notifications")
    evidence = {r for n in body["items"] for r in n["evidence"]}
    assert "RN1" in evidence, body
    assert entry.action == "read notifications"
    assert evidence <= _recorded(entry), entry.returned


def _application(subject: str) -> dict[str, Any]:
    return {
        "scheme": "dvds_right_to_ask",
        "applicant": "Jo Applicant (synthetic)",
        "applicant_relationship": "new partner",
        "subject_id": subject,
        "at_risk": ["Jo Applicant (synthetic)"],
        "received_on": "2026-10-01",
    }


def test_scheme_application_about_a_hidden_person_is_a_404_naming_no_one(api: Api) -> None:
    """`GET /disclosure-schemes/applications/{seq}` reads the application, then checks its
    subject with `visible`: when the caller may not see the subject, the 404 names the
    hidden person (and so says that an application about them exists)."""
    client, headers, settings = api
    load(client, headers[Role.ANALYST], [w.nominal("N9", "Corin", "Blake")])
    om = headers[Role.OFFENDER_MANAGER]
    made = client.post("/disclosure-schemes/applications", json=_application("N9"), headers=om)
    assert made.status_code == 201, made.text
    seq = made.json()["seq"]
    remark(settings.db_path, {"N9"}, Compartment.SOURCE)  # supervisors do not see `source`
    sup = headers[Role.SUPERVISOR]
    assert client.get("/persons/N9", headers=sup).status_code == 404
    response = client.get(f"/disclosure-schemes/applications/{seq}", headers=sup)
    assert response.status_code == 404
    assert "N9" not in response.text, response.text


def test_scheme_application_listing_leaves_out_hidden_subjects(api: Api) -> None:
    """`GET /disclosure-schemes/applications` lists every application with no visibility
    check on its subject: a person the caller may not see (404 everywhere else) is named,
    with the application, and the entry records the hidden person as consulted."""
    client, headers, settings = api
    load(client, headers[Role.ANALYST], [w.nominal("N9", "Corin", "Blake")])
    om = headers[Role.OFFENDER_MANAGER]
    made = client.post("/disclosure-schemes/applications", json=_application("N9"), headers=om)
    assert made.status_code == 201, made.text
    remark(settings.db_path, {"N9"}, Compartment.SOURCE)
    body, _ = _read(api, Role.SUPERVISOR, "/disclosure-schemes/applications")
    assert [a["subject_id"] for a in body["items"]] == []

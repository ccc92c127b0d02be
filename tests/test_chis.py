"""CHIS candidate review: hand-built contact histories with known answers.

Indicators are checked at their threshold edges on plain contact rows; the store's
contact rows, the queue's exclusions, escalation, drift and re-opening run on both
backends.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from contextlib import closing
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from graph.access import AccessPolicy, Principal, Role
from graph.analysis.associates import HUB_LOCATION_TYPES
from graph.audit import AuditLog, Operation
from graph.chis import indicators as ind
from graph.chis.ceiling import Merging, ceiling, may_qualify, possible
from graph.chis.chronology import chronology
from graph.chis.indicators import SourceContext
from graph.chis.policy import DEFAULT_WEIGHTS, PERSONAL_RELATIONSHIPS, ChisPolicy, load_policy
from graph.chis.queue import (
    Candidate,
    build_queue,
    contexts,
    merging,
    worth_reading,
)
from graph.chis.reviews import Outcome, ReviewStore, case_state
from graph.edges import AssociationType, Edge, EdgeKind
from graph.errors import NotFound, ValidationFailed
from graph.markings import Compartment, Marking
from graph.nodes import (
    ChisStatus,
    HowObtained,
    Initiator,
    LocationType,
    Node,
    NominalType,
    Person,
    Source,
    SourceType,
    Visor,
)
from graph.notifications import FIB_OWNER, NotificationStore
from graph.store import Contact, GraphStore, SourceProfile
from ingest.loader import Actor
from ingest.pipeline import ingest
from ingest.reader import stream_lines
from ingest.state import IngestState
from tests import wire as w
from tests.factories import contact_row, edge, location, person, report
from tests.support.scenario_api import scenario_api

POLICY = ChisPolicy()
TODAY = date(2026, 11, 30)
NONE = SourceContext()


def _loader(
    store: GraphStore, state: IngestState, notes: NotificationStore
) -> Callable[[list[dict[str, Any]]], Any]:
    """Ingest records as one file through the CHIS checks, notifying into `notes`."""

    def load(records: list[dict[str, Any]]) -> Any:
        lines = stream_lines(w.dumps(records).encode().splitlines(), "t.jsonl")
        return ingest(
            store,
            state,
            [lines],
            actor=Actor("test", "admin"),
            audit=None,
            notifications=notes,
            chis=POLICY,
        )

    return load


def contact(i: int, when: str, *subjects: str, **kw: object) -> Contact:
    return contact_row(i, f"{when}T10:00:00+00:00", *subjects, **kw)


def days(start: str, *offsets: int) -> list[str]:
    first = date.fromisoformat(start)
    return [(first + timedelta(days=d)).isoformat() for d in offsets]


# -- indicators at their edges -------------------------------------------------------------


def test_repeated_contact_counts_inside_the_window_only() -> None:
    inside = [contact(i, d, "N1") for i, d in enumerate(days("2026-01-01", 0, 100, 364))]
    fired = ind.repeated_contact(inside, NONE, POLICY)
    assert fired is not None and fired.evidence == ("R0", "R1", "R2")
    outside = [contact(i, d, "N1") for i, d in enumerate(days("2026-01-01", 0, 100, 365))]
    assert ind.repeated_contact(outside, NONE, POLICY) is None
    assert ind.repeated_contact(inside[:2], NONE, POLICY) is None


def test_sustained_and_accelerating_contact() -> None:
    assert ind.sustained_contact([contact(0, "2026-01-01"), contact(1, "2026-04-01")], NONE, POLICY)
    assert not ind.sustained_contact(
        [contact(0, "2026-01-01"), contact(1, "2026-03-31")], NONE, POLICY
    )
    speeding = [contact(i, d) for i, d in enumerate(days("2026-01-01", 0, 40, 80, 90, 100))]
    fired = ind.accelerating_contact(speeding, NONE, POLICY)
    assert fired is not None and "40 to 10 days" in fired.reason
    steady = [contact(i, d) for i, d in enumerate(days("2026-01-01", 0, 40, 80, 120, 160))]
    assert ind.accelerating_contact(steady, NONE, POLICY) is None


def test_same_subject_household_and_address() -> None:
    two = [contact(0, "2026-01-01", "N1"), contact(1, "2026-02-01", "N1")]
    assert ind.same_subject(two, NONE, POLICY) is not None
    apart = [contact(0, "2026-01-01", "N1"), contact(1, "2026-02-01", "N2")]
    assert ind.same_subject(apart, NONE, POLICY) is None
    home = SourceContext(homes={"N1": frozenset({"L1"}), "N2": frozenset({"L1"})})
    fired = ind.same_household(apart, home, POLICY)
    assert fired is not None and "N1, N2" in fired.reason
    elsewhere = SourceContext(homes={"N1": frozenset({"L1"}), "N2": frozenset({"L2"})})
    assert ind.same_household(apart, elsewhere, POLICY) is None
    at = [replace(c, locations=("L9",)) for c in apart]
    assert ind.same_address(at, NONE, POLICY) is not None
    assert ind.same_address(at[:1], NONE, POLICY) is None


def test_relationships_requests_rewards_and_who_the_source_is() -> None:
    cs = [contact(0, "2026-01-01", "N1"), contact(1, "2026-02-01", "N1")]
    neighbour = SourceContext(relationships={"N1": frozenset({"neighbour"})})
    assert ind.personal_relationship(cs, neighbour, POLICY) is not None
    friend = SourceContext(relationships={"N1": frozenset({"friend"})})
    assert ind.personal_relationship(cs, friend, POLICY) is None
    through = [replace(cs[0], how_obtained="through_relationship"), cs[1]]
    assert ind.through_relationship(through, NONE, POLICY) is not None
    assert ind.through_relationship(cs, NONE, POLICY) is None
    went = [replace(cs[0], initiated_by="police"), cs[1]]
    assert ind.police_initiated(went, NONE, POLICY) is not None
    assert ind.police_request(went, NONE, POLICY) is None
    asked = [replace(cs[0], police_request="let us know when he visits"), cs[1]]
    fired = ind.police_request(asked, NONE, POLICY)
    assert fired is not None and "let us know" in fired.reason
    assert ind.police_initiated(asked, NONE, POLICY) is None  # the request says more
    assert ind.police_initiated(cs, NONE, POLICY) is None
    answer = ind.increasing_specificity(asked, NONE, POLICY)
    assert answer is not None and answer.evidence == ("R0", "R1")
    other = [asked[0], contact(1, "2026-02-01", "N2")]
    assert ind.increasing_specificity(other, NONE, POLICY) is None
    assert ind.rewarded([replace(cs[0], rewarded=True)], NONE, POLICY) is not None
    assert ind.rewarded(cs, NONE, POLICY) is None
    young = [replace(c, juvenile=True) for c in cs]
    assert ind.juvenile_or_vulnerable(young, NONE, POLICY) is not None
    assert ind.juvenile_or_vulnerable(cs, NONE, POLICY) is None
    nominal = SourceContext(source_is_nominal=True, nominals=frozenset({"N1"}))
    assert ind.nominal_reporting(cs, nominal, POLICY) is not None
    assert ind.nominal_reporting(cs, NONE, POLICY) is None
    assert ind.about_nominals(cs, nominal, POLICY) is not None
    assert ind.about_nominals(cs, NONE, POLICY) is None


def test_policy_file_overrides_only_what_it_names(tmp_path: Path) -> None:
    path = tmp_path / "chis.toml"
    path.write_text("threshold = 12\n[weights]\npolice_initiated = 9\n")
    policy = load_policy(path)
    assert policy.threshold == 12 and policy.weight("police_initiated") == 9
    assert policy.weight("rewarded") == POLICY.weight("rewarded")
    path.write_text("[weights]\nnot_an_indicator = 1\n")
    with pytest.raises(ValueError, match="not_an_indicator"):
        load_policy(path)


# -- the store's contact rows and the queue, both backends ----------------------------------


def history(
    sid: str,
    whens: list[str],
    subject: str = "N1",
    *,
    source_type: SourceType = SourceType.MEMBER_OF_PUBLIC,
    status: ChisStatus = ChisStatus.NONE,
    juvenile: bool = False,
    person_id: str | None = None,
    relationship: AssociationType | None = None,
    **report_kw: Any,
) -> tuple[list[Node], list[Edge]]:
    """A source (and the person behind it) who gave one report a date about `subject`."""
    pid = person_id or f"{sid}-P"
    nodes: list[Node] = [
        Source(id=sid, source_type=source_type, chis_status=status, juvenile=juvenile),
        person(pid, "Casey", sid),
    ]
    edges = [edge(f"{sid}-is", EdgeKind.IS_PERSON, sid, pid)]
    if relationship is not None:
        edges.append(edge(f"{sid}-knows", EdgeKind.KNOWS_SUBJECT, sid, subject, assoc=relationship))
    for i, when in enumerate(whens):
        r = report(f"{sid}-R{i}", f"{when}T10:00:00Z", **report_kw)
        nodes.append(r)
        edges += [
            edge(f"{sid}-R{i}-by", EdgeKind.PROVIDED_BY, r.id, sid, via=r),
            edge(f"{sid}-R{i}-about", EdgeKind.ABOUT, r.id, subject, via=r),
        ]
    return nodes, edges


def nominal(pid: str) -> Person:
    return person(pid, visor=Visor(ref=f"V-{pid}", nominal_type=NominalType.RSO, mappa_category=1))


def load(store: GraphStore, *parts: tuple[list[Node], list[Edge]]) -> None:
    nodes: list[Node] = [nominal("N1"), person("N2"), location("L1")]
    edges: list[Edge] = []
    for n, e in parts:
        nodes += n
        edges += e
    store.upsert(nodes, edges)


FIB_VIEW = AccessPolicy(Principal("fib", Role.FIB_REVIEWER)).filter


def hide(store: GraphStore, ids: Iterable[str]) -> None:
    """Re-mark stored records into `medical`, a compartment FIB reviewers lack (ingest
    never does: this is how a hand-set marking or a future source system would hide one)."""
    found = store.get_nodes(ids)
    assert set(found) == set(ids)
    hidden = Marking(compartment=Compartment.MEDICAL)
    store.upsert([n.model_copy(update={"marking": hidden}) for n in found.values()])


def test_contact_rows_count_in_the_store(store: GraphStore) -> None:
    load(
        store,
        history("S1", ["2026-03-01", "2026-01-01", "2026-02-01"]),
        history("S2", ["2026-01-05"]),
        history("S3", ["2026-01-07"], juvenile=True),
    )
    rows = store.source_contacts(min_reports=2)
    assert [(r.source_id, r.report_id) for r in rows] == [
        ("S1", "S1-R1"),
        ("S1", "S1-R2"),
        ("S1", "S1-R0"),
        ("S3", "S3-R0"),  # juvenile: always read
    ]
    first = rows[0]
    assert (first.person_id, first.subjects, first.channel, first.initiated_by) == (
        "S1-P",
        ("N1",),
        "other",
        "source",
    )
    assert first.received_at.startswith("2026-01-01T10:00:00")
    assert [r.report_id for r in store.source_contacts(["S2"])] == ["S2-R0"]
    assert store.source_contacts(["S2"], min_reports=2) == []


def profiled(store: GraphStore) -> dict[str, SourceProfile]:
    found = store.source_profiles(2, HUB_LOCATION_TYPES, PERSONAL_RELATIONSHIPS)
    assert [p.source_id for p in found] == sorted(p.source_id for p in found)
    return {p.source_id: p for p in found}


def test_source_profiles_are_counted_in_the_store(store: GraphStore) -> None:
    """Hand-built: each count of the profile the queue prunes on, SQL and Cypher alike."""
    pub_nodes, pub_edges = history(
        "PUB", ["2026-01-10", "2026-03-10", "2026-05-10"], relationship=AssociationType.NEIGHBOUR
    )
    asked = report(
        "PUB-R3",
        "2026-06-01T10:00:00Z",
        initiated_by=Initiator.POLICE,
        police_request="who visits?",
        how_obtained=HowObtained.THROUGH_RELATIONSHIP,
        extra={"reward": "voucher"},
    )
    pub_nodes.append(asked)
    pub_edges += [
        edge("PUB-R3-by", EdgeKind.PROVIDED_BY, asked.id, "PUB", via=asked),
        edge("PUB-R3-about", EdgeKind.ABOUT, asked.id, "N2", via=asked),
        *(edge(f"PUB-R{i}-at", EdgeKind.AT_LOCATION, f"PUB-R{i}", "L1") for i in (0, 1, 3)),
    ]
    # HOUSE reports on HA and HB, who share a home and a hostel; HOST on two hostel residents.
    hostel, home = location("LH", LocationType.HOSTEL), location("LR")
    people: list[Node] = [hostel, home, person("HA"), person("HB"), person("HC")]
    lives = [
        edge(f"{who}-{where}", EdgeKind.RESIDES_AT, who, where)
        for who, where in (("HA", "LR"), ("HB", "LR"), ("HA", "LH"), ("HB", "LH"), ("HC", "LH"))
    ]
    house_nodes, house_edges = history("HOUSE", ["2026-01-01", "2026-02-01"], subject="HA")
    house_edges[-1] = edge("HOUSE-R1-about", EdgeKind.ABOUT, "HOUSE-R1", "HB")
    host_nodes, host_edges = history("HOST", ["2026-01-01", "2026-02-01"], subject="HA")
    host_edges[-1] = edge("HOST-R1-about", EdgeKind.ABOUT, "HOST-R1", "HC")
    load(
        store,
        (pub_nodes, pub_edges),
        (people, lives),
        (house_nodes, house_edges),
        (host_nodes, host_edges),
        history("ONCE", ["2026-01-10"]),
        history("KID", ["2026-10-01", "2026-11-01"], juvenile=True, subject="N2"),
    )
    got = profiled(store)
    assert sorted(got) == ["HOST", "HOUSE", "KID", "PUB"]  # ONCE is under the bar
    pub = got["PUB"]
    assert (pub.person_id, pub.person_is_nominal, pub.reports) == ("PUB-P", False, 4)
    assert pub.first.startswith("2026-01-10") and pub.last.startswith("2026-06-01")
    assert (pub.subjects, pub.most_about_one, pub.about_nominals) == (2, 3, True)
    assert (pub.most_at_one_place, pub.household_reports) == (3, 0)
    counts = (pub.requests, pub.police_initiated, pub.through_relationship, pub.rewarded)
    assert counts == (1, 1, 1, 1) and pub.personal_relationship
    house, host = got["HOUSE"], got["HOST"]
    assert (house.subjects, house.most_about_one, house.household_reports) == (2, 1, 2)
    assert (host.subjects, host.household_reports) == (2, 0)  # a hostel is not a household
    assert not house.personal_relationship and not house.about_nominals
    assert got["KID"].juvenile and not got["PUB"].juvenile


def test_the_ceiling_names_every_indicator_and_bounds_a_hand_built_score(
    store: GraphStore,
) -> None:
    three = ["2026-01-10", "2026-03-10", "2026-05-10"]
    load(
        store,
        history("PUB", three, relationship=AssociationType.NEIGHBOUR),
        history("APART", ["2024-01-10", "2025-06-10"], subject="N2"),
    )
    got = profiled(store)
    pub = got["PUB"]
    assert set(possible(pub, POLICY)) <= set(DEFAULT_WEIGHTS)
    [candidate] = build_queue(store, POLICY, {}, TODAY)
    assert candidate.source_id == "PUB" and set(candidate.indicators) <= set(possible(pub, POLICY))
    assert candidate.score <= ceiling(pub, POLICY)
    # APART: two reports about one non-nominal, 17 months apart: 1 + 8 = 9, under 10.
    assert possible(got["APART"], POLICY) == ["sustained_contact", "same_subject"]
    assert not may_qualify(got["APART"], POLICY)
    assert worth_reading(store, POLICY) == ["PUB"]


def test_queue_ranks_candidates_and_leaves_out_who_never_is(store: GraphStore) -> None:
    three = ["2026-01-10", "2026-03-10", "2026-05-10"]
    load(
        store,
        history("PUB", three, relationship=AssociationType.NEIGHBOUR),
        history("ASKED", three, initiated_by=Initiator.POLICE),
        history("CHIS", three * 2, status=ChisStatus.AUTHORISED, source_type=SourceType.CHIS),
        history("COP", three * 2, source_type=SourceType.POLICE_OFFICER),
        history("UNDER", three, status=ChisStatus.UNDER_ASSESSMENT),
        history("ONCE", ["2026-01-10"]),
        history("APART", ["2024-01-10", "2025-06-10"], subject="N2"),
        history("KID", ["2026-10-01", "2026-11-01"], juvenile=True, subject="N2"),
        history("KID1", ["2026-11-01"], juvenile=True, subject="N2"),
    )
    queue = build_queue(store, POLICY, {}, TODAY)
    assert [c.source_id for c in queue] == ["KID", "PUB", "ASKED", "UNDER"]
    kid, pub, asked, under = queue
    assert asked.indicators == [
        "repeated_contact",
        "sustained_contact",
        "same_subject",
        "police_initiated",
        "about_nominals",
    ]
    assert pub.score == sum(POLICY.weight(i) for i in pub.indicators)
    assert "personal_relationship" in pub.indicators
    # One contact is never "repeated"; PUB's second scores 13 (same subject 8, neighbour 3,
    # about a nominal 2) and crosses 10.
    assert pub.first_crossed is not None and pub.first_crossed.startswith("2026-03-10")
    assert pub.drift_days == (TODAY - date(2026, 3, 10)).days
    assert asked.first_crossed is not None and asked.first_crossed.startswith("2026-03-10")
    assert kid.escalated and kid.contacts == 2  # KID1, with one contact, is not repeated
    assert under.chis_status == "under_assessment"
    assert all(c.case.status == "open" for c in queue)


def test_a_decision_closes_the_case_until_a_new_contact(store: GraphStore, tmp_path: Path) -> None:
    load(store, history("PUB", ["2026-01-10", "2026-03-10", "2026-05-10"]))
    reviews = ReviewStore(tmp_path / "gov.db")
    decided = datetime(2026, 6, 1, tzinfo=UTC)
    reviews.decide(
        "PUB",
        Outcome.MANAGED_AS_PUBLIC_CONTACT,
        "fib1",
        "caller is a concerned neighbour; no tasking",
        measures="contact details restricted; reports sanitised",
        rereview_days=POLICY.rereview_days,
        at=decided,
    )
    [case] = build_queue(store, POLICY, reviews.latest(), date(2026, 7, 1))
    assert case.case.status == "reviewed"
    later = build_queue(store, POLICY, reviews.latest(), date(2026, 12, 1))
    assert later[0].case.status == "reopened" and "re-review due" in later[0].case.reason
    late = report("PUB-R9", "2026-06-20T10:00:00Z")
    store.upsert([late], [edge("PUB-R9-by", EdgeKind.PROVIDED_BY, late.id, "PUB", via=late)])
    [again] = build_queue(store, POLICY, reviews.latest(), date(2026, 7, 1))
    assert again.case.status == "reopened" and "first on 2026-06-20" in again.case.reason
    assert len(reviews.history("PUB")) == 1
    reviews.close()


def test_decisions_need_their_details_and_cannot_be_changed(tmp_path: Path) -> None:
    reviews = ReviewStore(tmp_path / "gov.db")
    with pytest.raises(ValidationFailed, match="measures"):
        reviews.decide("S", Outcome.MANAGED_AS_PUBLIC_CONTACT, "fib1", "why", rereview_days=1)
    with pytest.raises(ValidationFailed, match="referral"):
        reviews.decide("S", Outcome.REFERRED_FOR_CHIS_ASSESSMENT, "fib1", "why", rereview_days=1)
    with pytest.raises(ValidationFailed, match="rationale"):
        reviews.decide("S", Outcome.NO_FURTHER_ACTION, "fib1", "  ", rereview_days=1)
    done = reviews.decide("S", Outcome.NO_FURTHER_ACTION, "fib1", "one-off", rereview_days=30)
    assert case_state(done, [], date.fromisoformat(done.next_review)).status == "reopened"
    with sqlite3.connect(tmp_path / "gov.db") as conn, pytest.raises(sqlite3.DatabaseError):
        conn.execute("UPDATE chis_reviews SET outcome = 'x'")
    reviews.close()


# -- over HTTP: FIB reviewers only -------------------------------------------------------------


def test_queue_chronology_and_review_over_http(tmp_path: Path) -> None:
    three = ["2026-01-10", "2026-03-10", "2026-05-10"]
    parts = [
        history("PUB", three, relationship=AssociationType.NEIGHBOUR),
        history("ASKED", three, initiated_by=Initiator.POLICE, police_request="who visits?"),
    ]
    nodes: list[Node] = [nominal("N1")]
    edges: list[Edge] = []
    for n, e in parts:
        nodes += n
        edges += e
    roles = (Role.FIB_REVIEWER, Role.ANALYST, Role.SUPERVISOR)
    with scenario_api(tmp_path, roles, "intelligence_review", (nodes, edges)) as (
        client,
        auth,
        settings,
    ):
        fib = auth(Role.FIB_REVIEWER)
        body = client.get("/chis/candidates", headers=fib).json()
        # S1 is the scenario's member of the public: two reports about nominal P1
        assert [c["source_id"] for c in body["items"]] == ["ASKED", "PUB", "S1"]
        assert body["items"][1]["person_id"] == "PUB-P"
        assert "personal_relationship" in [i["indicator"] for i in body["items"][1]["indicators"]]
        only = client.get(
            "/chis/candidates", params={"indicator": "personal_relationship"}, headers=fib
        ).json()
        assert [c["source_id"] for c in only["items"]] == ["PUB", "S1"]  # S1 knows P1
        chron = client.get("/sources/ASKED/chronology", headers=fib).json()
        assert [e["report_id"] for e in chron["entries"]] == ["ASKED-R0", "ASKED-R1", "ASKED-R2"]
        assert chron["entries"][0]["police_request"] == "who visits?"
        text = client.get("/sources/PUB/chronology?format=markdown", headers=fib)
        assert text.headers["content-type"].startswith("text/markdown")
        assert text.text.startswith("OFFICIAL-SENSITIVE") and "N1 (neighbour)" in text.text
        for role in (Role.ANALYST, Role.SUPERVISOR):
            for url in ("/chis/candidates", "/sources/PUB/chronology"):
                assert client.get(url, headers=auth(role)).status_code == 403, (role, url)
        missing = client.post(
            "/chis/candidates/PUB/review",
            json={"outcome": "managed_as_public_contact", "rationale": "neighbour"},
            headers=fib,
        )
        # the schema requires each outcome's own detail (tests/test_api_contract.py)
        assert missing.status_code == 422
        assert [e["loc"][-1] for e in missing.json()["detail"]] == ["measures"]
        made = client.post(
            "/chis/candidates/PUB/review",
            json={
                "outcome": "managed_as_public_contact",
                "rationale": "concerned neighbour, no tasking",
                "measures": "details restricted to FIB",
            },
            headers=fib,
        )
        assert made.status_code == 201 and made.json()["reviewer"] == "fib_reviewer"
        pending = client.get("/chis/candidates", headers=fib).json()
        assert [c["source_id"] for c in pending["items"]] == ["ASKED", "S1"]
        reviewed = client.get("/chis/candidates?status=reviewed", headers=fib).json()
        assert [c["case"]["status"] for c in reviewed["items"]] == ["reviewed"]
    audit = AuditLog(settings.governance_path)
    denied = [e for e in audit.query(actor="analyst", limit=50) if e.outcome == "denied"]
    assert [e.action for e in denied] == ["GET /chis/candidates", "GET /sources/PUB/chronology"]
    [decision] = audit.query(operation=Operation.COLLECTION, subject="PUB")
    assert decision.action == "chis review decision" and decision.actor == "fib_reviewer"
    consulted = audit.query(actor="fib_reviewer", operation=Operation.CONSULTATION, limit=50)
    assert any("PUB-P" in e.returned for e in consulted)
    audit.close()


def test_queue_and_chronology_from_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    from typer.testing import CliRunner

    from api.cli import app as cli
    from graph.stores.sqlite import SqliteGraphStore

    monkeypatch.setenv("MOSAIC_DB_PATH", str(tmp_path / "g.db"))
    monkeypatch.setenv("MOSAIC_GOVERNANCE_PATH", str(tmp_path / "gov.db"))
    with SqliteGraphStore(tmp_path / "g.db") as store:
        load(store, history("PUB", ["2026-01-10", "2026-03-10", "2026-05-10"]))
    purpose = ["--purpose", "intelligence_review"]
    out = CliRunner().invoke(cli, ["chis", "candidates", *purpose, "--json"])
    assert out.exit_code == 0, out.output
    [row] = json.loads(out.output)
    assert (row["source_id"], row["person_id"], row["case"]) == ("PUB", "PUB-P", "open")
    doc = tmp_path / "referral.md"
    shown = CliRunner().invoke(cli, ["chis", "show", "PUB", *purpose, "--export", str(doc)])
    assert shown.exit_code == 0, shown.output
    assert "repeated_contact" in shown.output and "PUB-R2" in doc.read_text()
    assert CliRunner().invoke(cli, ["chis", "show", "NOPE", *purpose]).exit_code == 1
    with closing(AuditLog(tmp_path / "gov.db")) as log:
        actions = [e.action for e in log.query(operation=Operation.CONSULTATION)]
    assert actions == ["chis candidates", "chis chronology"]


# -- after each load: the FIB notified, the do-not-task warning kept --------------------------


def test_a_load_notifies_the_fib_once_and_warns_about_asking(
    store: GraphStore, tmp_path: Path
) -> None:

    def about(rid: str, day: int, sid: str, **kw: Any) -> dict[str, Any]:
        return w.report(rid, day=day, source_id=sid, subjects=[w.ref("WN")], **kw)

    base = [
        w.nominal("WN", "Drew", "Hollins"),
        w.person("WP"),
        w.person("WQ"),
        w.person("WU"),
        w.source("WS", "WP"),
        w.source("WO", "WQ"),
        w.source("WA", "WU", chis_status="under_assessment"),
        about("W1", 1, "WS"),
        about("W2", 9, "WS"),
        about("W3", 2, "WO", police_request="tell us if he comes back"),
        about("W4", 3, "WA", police_request="who is staying there?"),
    ]
    later = [about("W5", 20, "WS", police_request="note the car he uses")]
    notes = NotificationStore(tmp_path / "gov.db")
    with IngestState(tmp_path / "ingest.db") as state:
        load = _loader(store, state, notes)

        first = load(base)
        assert first.chis is not None and first.chis.notified == ["WS"]
        # WA is under assessment: asking them anything is flagged; WO is a one-off caller
        assert first.chis.warnings == {"W4": ind_warning()}
        again = load(base)
        assert again.chis is not None and again.chis.notified == []
        asked = load([*base, *later])
        assert asked.chis is not None and set(asked.chis.warnings) == {"W5"}
        kept = state.warnings(["W3", "W4", "W5"])
        assert set(kept) == {"W4", "W5"} and len(kept["W5"]) == 1
    [notice] = notes.listing(owner=FIB_OWNER)
    assert notice.nominal_id == "WS" and "crossed the CHIS review threshold" in notice.reason
    everyone = notes.listing(owner=None)  # a supervisor's view: every offender manager's
    assert everyone and all(n.owner != FIB_OWNER for n in everyone)
    notes.close()


def ind_warning() -> str:
    from graph.chis.watch import DO_NOT_TASK

    return DO_NOT_TASK


def test_a_load_notifies_the_fib_only_of_what_a_fib_reviewer_may_see(
    store: GraphStore, tmp_path: Path
) -> None:
    """The FIB's notification after a load counts, dates and cites only the reports a FIB
    reviewer may see: a report in a compartment they lack (medical) neither helps a source
    over the threshold nor is cited. The do-not-task guard errs on warning (it still counts
    every record), with a warning that names no report."""
    from graph.chis.watch import DO_NOT_TASK, DO_NOT_TASK_TASKING

    def about(rid: str, day: int, sid: str, **kw: Any) -> dict[str, Any]:
        return w.report(rid, day=day, source_id=sid, subjects=[w.ref("HN")], **kw)

    first = [
        w.nominal("HN", "Drew", "Hollins"),
        w.person("HP"),
        w.person("HQ"),
        w.source("HS", "HP"),
        w.source("HT", "HQ"),
        about("H0", 1, "HS"),
        about("T0", 2, "HT"),
    ]
    second = [
        about("H1", 5, "HS"),
        about("H2", 9, "HS"),
        about("T1", 12, "HT", police_request="note who visits him"),
        w.tasking(
            "TK-HQ",
            directed_at="member_of_public",
            directed_person_id="HQ",
            title="ask the caller to note visitors",
        ),
    ]
    notes = NotificationStore(tmp_path / "gov.db")
    with IngestState(tmp_path / "ingest.db") as state:
        load = _loader(store, state, notes)

        once = load(first)
        assert once.chis is not None and once.chis.notified == []  # one contact each
        hide(store, ["H0", "T0"])  # FIB reviewers do not see medical
        after = load(second)
        assert after.chis is not None
        # HS: over every record three contacts (H0 + H1 = 10 on 2026-03-05, then 12 with
        # repeated_contact); FIB reviewers see H1 and H2 only: 10, crossing on 2026-03-09.
        # HT: T0 + T1 would cross; FIB reviewers see one contact, which is not repeated.
        assert after.chis.notified == ["HS"]
        # The guard counts every record: asking HT, or tasking the person behind them, is
        # still flagged, with a warning that names no report.
        assert after.chis.warnings == {"T1": DO_NOT_TASK, "TK-HQ": DO_NOT_TASK_TASKING}
        assert not {"H0", "T0"} & set(" ".join(after.chis.warnings.values()).split())
        chron = chronology(store, "HS", notes, state.warnings, view=FIB_VIEW)
    [notice] = notes.listing(owner=FIB_OWNER)
    assert notice.nominal_id == "HS"
    assert notice.evidence == ["H1", "H2"]
    assert notice.reason == (
        "source HS crossed the CHIS review threshold on 2026-03-09 "
        "(score 10: same_subject, about_nominals)"
    )
    assert [e.report_id for e in chron.entries] == ["H1", "H2"]
    shown = " ".join(" ".join([*e.went_to, *e.warnings]) for e in chron.entries)
    assert "H1" in shown and not {"H0", "T0"} & set(shown.replace(":", " ").split())
    notes.close()


def test_the_chronology_leaves_out_notifications_about_what_the_reviewer_may_not_see(
    store: GraphStore, tmp_path: Path
) -> None:
    """A1, from source AS, is about nominal AN and asserts AN's association with AQ: the
    offender manager is told of both. The FIB reviewer's chronology of AS shows where A1
    went, but AQ is in a compartment FIB reviewers lack, so the notification whose reason
    names AQ is left out whole; the one about AN alone stays."""
    link = {"a": w.ref("AN"), "b": w.ref("AQ"), "type": "associate"}
    records = [
        w.nominal("AN", "Drew", "Hollins"),
        w.person("AQ"),
        w.person("AP"),
        w.source("AS", "AP"),
        w.report("A1", source_id="AS", subjects=[w.ref("AN")], associations=[link]),
    ]
    notes = NotificationStore(tmp_path / "gov.db")
    with IngestState(tmp_path / "ingest.db") as state:
        _loader(store, state, notes)(records)
    raised = notes.listing(owner=None)
    assert any("AQ" in n.reason for n in raised), [n.reason for n in raised]
    everything = chronology(store, "AS", notes, view=FIB_VIEW)
    assert any("AQ" in went for went in everything.entries[0].went_to)
    hide(store, ["AQ"])
    (entry,) = chronology(store, "AS", notes, view=FIB_VIEW).entries
    assert entry.went_to and not any("AQ" in went for went in entry.went_to), entry.went_to
    assert len(entry.went_to) == len(everything.entries[0].went_to) - sum(
        "AQ" in n.reason for n in raised
    )
    notes.close()


def test_the_ceiling_never_drops_a_candidate_on_a_generated_world(
    store: GraphStore, tmp_path: Path
) -> None:
    """Every source's real score (all its contact rows, read the slow way) is at most its
    ceiling, and the profiles spare most sources from being read at all."""
    from ingest.entities import Resolution
    from ingest.generator import GeneratorConfig, write_demo_data
    from ingest.reader import read_lines

    data = tmp_path / "world.jsonl"
    write_demo_data(GeneratorConfig(persons=200, reports=800, seed=5), data)
    with IngestState(tmp_path / "state.db") as state:
        ingest(store, state, [read_lines(data)], actor=Actor("t", "admin"), audit=None)
        resolution = Resolution(state)
        records_of = resolution.records_of
        entity_of = resolution.entity_map()
        queue = build_queue(store, POLICY, {}, TODAY, records_of=records_of, entity_of=entity_of)
        everyone = sorted({c.source_id for c in store.source_contacts(None, 2)})
        exhaustive = build_queue(store, POLICY, {}, TODAY, everyone, records_of)
        # one person under several records: the profile counts records (see the ceiling)
        merged = merging(store, entity_of)
    assert queue and [c.source_id for c in queue] == [c.source_id for c in exhaustive]
    profiles = profiled(store)
    for c in exhaustive:
        m = merged.get(c.source_id, Merging())
        assert c.score <= ceiling(profiles[c.source_id], POLICY, m), c.source_id
        assert set(c.indicators) <= set(possible(profiles[c.source_id], POLICY, m))
    read = worth_reading(store, POLICY)
    assert len(queue) <= len(read) < len(profiles) / 2


@pytest.mark.neo4j
def test_both_backends_give_the_same_queue_on_a_generated_world(
    embedded_store: GraphStore, neo4j_store: GraphStore, tmp_path: Path
) -> None:
    """The contact rows are SQL on one side and Cypher on the other: a generated world with
    planted repeat contacts must queue the same sources, scores, evidence and drift, for
    everything and for what a FIB reviewer sees once a third of the reports are hidden."""
    from ingest.entities import Resolution
    from ingest.generator import GeneratorConfig, write_demo_data
    from ingest.reader import read_lines

    data = tmp_path / "world.jsonl"
    write_demo_data(GeneratorConfig(persons=200, reports=800, seed=5), data)
    queues = []
    for name, backend in (("embedded", embedded_store), ("neo4j", neo4j_store)):
        with IngestState(tmp_path / f"{name}.db") as state:
            ingest(backend, state, [read_lines(data)], actor=Actor("t", "admin"), audit=None)
            records_of = Resolution(state).records_of
            queue = build_queue(backend, POLICY, {}, TODAY, records_of=records_of)
            reports = backend.reports_received_before(datetime(2100, 1, 1, tzinfo=UTC))
            hide(backend, [rid for rid, _ in reports[::3]])
            seen = build_queue(backend, POLICY, {}, TODAY, records_of=records_of, view=FIB_VIEW)
        queues.append(
            [
                [(c.source_id, c.score, c.first_crossed, [f.evidence for f in c.fired]) for c in q]
                for q in (queue, seen)
            ]
        )
    assert queues[0][0] and queues[0][1] and queues[0] == queues[1]


def test_a_hostel_is_not_a_household(store: GraphStore) -> None:
    """Reports about two people who share a hostel are not about one household."""
    hostel = location("LH", LocationType.HOSTEL)
    home = location("LR")
    a, b = person("HA"), person("HB")
    nodes, edges = history("HOST", ["2026-01-10", "2026-02-10"], subject="HA")
    edges[-1] = edge("HOST-R1-about", EdgeKind.ABOUT, "HOST-R1", "HB")
    store.upsert(
        [hostel, home, a, b, *nodes],
        [
            *edges,
            edge("HA-at", EdgeKind.RESIDES_AT, "HA", "LH"),
            edge("HB-at", EdgeKind.RESIDES_AT, "HB", "LH"),
        ],
    )
    [ctx] = contexts(store, {"HOST": store.source_contacts(["HOST"])}).values()
    assert ctx.homes == {}
    store.upsert([], [edge("HA-home", EdgeKind.RESIDES_AT, "HA", "LR")])
    store.upsert([], [edge("HB-home", EdgeKind.RESIDES_AT, "HB", "LR")])
    [ctx] = contexts(store, {"HOST": store.source_contacts(["HOST"])}).values()
    assert ctx.homes == {"HA": frozenset({"LR"}), "HB": frozenset({"LR"})}


# -- over what the reviewer may see ---------------------------------------------------------


def test_the_queue_counts_and_cites_only_what_the_reviewer_may_see(store: GraphStore) -> None:
    """A report, or a subject, the reviewer may not see is not counted, scored, ranked,
    cited or listed; a source under the bar once its hidden reports are left out is not
    read; a hidden source is not there at all. Everyone else's answer is unchanged."""
    pub_nodes, pub_edges = history("PUB", ["2026-01-10", "2026-03-10", "2026-05-10"])
    pub_edges.append(edge("PUB-R0-about-N2", EdgeKind.ABOUT, "PUB-R0", "N2"))
    load(store, (pub_nodes, pub_edges), history("PAIR", ["2026-02-01", "2026-02-20"]))
    before = build_queue(store, POLICY, {}, TODAY, view=FIB_VIEW)
    assert [(c.source_id, c.score, c.contacts) for c in before] == [("PUB", 13, 3), ("PAIR", 10, 2)]
    assert before[0].subjects == ["N1", "N2"]

    hide(store, ["PUB-R2", "PAIR-R1", "N2"])
    rows = store.source_contacts(min_reports=2, view=FIB_VIEW)
    assert [(r.report_id, r.subjects) for r in rows] == [("PUB-R0", ("N1",)), ("PUB-R1", ("N1",))]
    assert [r.report_id for r in store.source_contacts(["PAIR"], view=FIB_VIEW)] == ["PAIR-R0"]
    assert len(store.source_contacts(min_reports=2)) == 5  # no view: every record, as before
    seen = store.source_profiles(2, HUB_LOCATION_TYPES, PERSONAL_RELATIONSHIPS, FIB_VIEW)
    assert [(p.source_id, p.reports, p.last[:10]) for p in seen] == [("PUB", 2, "2026-03-10")]
    assert worth_reading(store, POLICY, FIB_VIEW) == ["PUB"]

    [pub] = build_queue(store, POLICY, {}, TODAY, view=FIB_VIEW)
    # Two contacts two months apart: no longer repeated or sustained (13 -> 8 + 2).
    assert (pub.source_id, pub.score, pub.contacts) == ("PUB", 10, 2)
    assert pub.last_contact.startswith("2026-03-10") and pub.subjects == ["N1"]
    assert {r for f in pub.fired for r in f.evidence} == {"PUB-R0", "PUB-R1"}
    assert "N2" not in " ".join(f.reason for f in pub.fired)
    chron = chronology(store, "PUB", view=FIB_VIEW)
    assert [e.report_id for e in chron.entries] == ["PUB-R0", "PUB-R1"]
    assert [s.person_id for s in chron.entries[0].subjects] == ["N1"]
    assert len(chronology(store, "PUB").entries) == 3

    hide(store, ["PUB"])
    assert build_queue(store, POLICY, {}, TODAY, view=FIB_VIEW) == []
    assert store.source_contacts(["PUB"], view=FIB_VIEW) == []
    with pytest.raises(NotFound, match="source 'PUB' not found"):
        chronology(store, "PUB", view=FIB_VIEW)


def test_the_queue_a_reviewer_sees_is_the_queue_without_what_they_may_not(
    store: GraphStore, tmp_path: Path
) -> None:
    """A third of a generated world's reports hidden from FIB reviewers: their queue is the
    queue of the same world with those reports (and their own edges) removed, scores,
    ranks, evidence and drift alike, and the ceiling still bounds every score."""
    from ingest.entities import Resolution
    from ingest.generator import GeneratorConfig, write_demo_data
    from ingest.reader import read_lines

    def shown(queue: list[Candidate]) -> list[tuple[object, ...]]:
        return [
            (c.source_id, c.score, c.contacts, c.first_crossed, c.last_contact, c.subjects, fired)
            for c in queue
            for fired in [[(f.indicator, f.evidence) for f in c.fired]]
        ]

    data = tmp_path / "world.jsonl"
    write_demo_data(GeneratorConfig(persons=200, reports=800, seed=5), data)
    with IngestState(tmp_path / "state.db") as state:
        ingest(store, state, [read_lines(data)], actor=Actor("t", "admin"), audit=None)
        records_of = Resolution(state).records_of
        everything = build_queue(store, POLICY, {}, TODAY, records_of=records_of, view=FIB_VIEW)
        reports = store.reports_received_before(datetime(2100, 1, 1, tzinfo=UTC))
        hidden = [rid for rid, _ in reports[::3]]
        hide(store, hidden)
        seen = build_queue(store, POLICY, {}, TODAY, records_of=records_of, view=FIB_VIEW)
        profiles = {
            p.source_id: p
            for p in store.source_profiles(2, HUB_LOCATION_TYPES, PERSONAL_RELATIONSHIPS, FIB_VIEW)
        }
        store.delete_edges([e.id for e in store.incident(hidden)])
        assert store.delete_unlinked_nodes(hidden) == sorted(hidden)
        without = build_queue(store, POLICY, {}, TODAY, records_of=records_of)
    assert seen and shown(seen) == shown(without)
    assert shown(seen) != shown(everything)
    assert not set(hidden) & {r for c in seen for f in c.fired for r in f.evidence}
    for c in seen:
        assert c.score <= ceiling(profiles[c.source_id], POLICY), c.source_id

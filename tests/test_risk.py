"""Risk-raising associations on small hand-built graphs with known answers, both backends."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from graph.access import AccessPolicy, Principal, Role
from graph.analysis.risk import RULES, RiskAssessment, assess
from graph.edges import AssociationType, EdgeKind
from graph.markings import Marking
from graph.nodes import (
    LocationType,
    NominalType,
    ObjectEntity,
    ObjectType,
    Person,
    RiskIndicator,
    RiskLevel,
    Visor,
)
from graph.store import GraphStore
from tests import scenario as sc
from tests.factories import edge, from_report, location, person, report
from tests.support.scenario_api import scenario_api

TODAY = date(2026, 11, 30)
A = AssociationType
Q = RiskIndicator


def nominal(pid: str, kind: NominalType) -> Person:
    category = 1 if kind is NominalType.RSO else (None if kind is NominalType.PDP else 2)
    return person(pid, visor=Visor(ref=f"V-{pid}", nominal_type=kind, mappa_category=category))


@pytest.fixture
def loaded(store: GraphStore) -> GraphStore:
    store.upsert(sc.NODES, sc.EDGES)
    return store


def rules(result: RiskAssessment) -> list[tuple[str, str]]:
    return [(f.rule, f.related) for f in result.findings]


def test_rso_living_with_a_child_and_seen_at_a_school(loaded: GraphStore) -> None:
    result = assess(loaded, "P1", today=TODAY)
    assert rules(result) == [("child_in_household", "P3"), ("sighted_near_children", "R1")]
    assert (
        result.score == RULES["child_in_household"].weight + RULES["sighted_near_children"].weight
    )
    child = result.findings[0]
    assert child.question is RiskIndicator.CHILDREN_OR_VULNERABLE_ADULTS
    assert [e.id for e in child.evidence] == ["H1", "H3"]


def test_e_graded_support_never_raises_risk_alone(loaded: GraphStore) -> None:
    loaded.upsert(
        [person("P8", "Ada", "Vane", vulnerable=True, dob=date(1950, 1, 1))],
        [edge("A5", EdgeKind.ASSOCIATED_WITH, "P1", "P8", assoc=A.FRIEND, via=sc.R2)],  # 3EP
    )
    result = assess(loaded, "P1", today=TODAY)
    assert ("vulnerable_associate", "P8") not in rules(result)
    assert [(f.rule, f.related) for f in result.not_raising] == [("vulnerable_associate", "P8")]


def test_partner_with_children_co_offenders_and_other_nominals(store: GraphStore) -> None:
    r = report(
        "RX", "2026-05-01T10:00:00Z", "2BP", risk_indicators=[RiskIndicator.SUBSTANCE_MISUSE]
    )
    store.upsert(
        [
            nominal("N1", NominalType.RSO),
            person("N2", "Bea", "Lark", gender="F"),
            person("N3", "Kit", "Lark", dob=date(2019, 2, 2)),
            nominal("N4", NominalType.VIOLENT_OFFENDER),
            nominal("N5", NominalType.PDP),
            person("N6", "Una", "Moss", vulnerable=True, dob=date(1960, 3, 3)),
            nominal("N7", NominalType.OTHER_DANGEROUS),
            r,
        ],
        [
            edge("E1", EdgeKind.ASSOCIATED_WITH, "N1", "N2", assoc=A.PARTNER),
            edge("E2", EdgeKind.ASSOCIATED_WITH, "N2", "N3", assoc=A.PARENT_OF),
            edge("E3", EdgeKind.ASSOCIATED_WITH, "N1", "N4", assoc=A.CO_OFFENDER, via=r),
            edge("E4", EdgeKind.ASSOCIATED_WITH, "N5", "N6", assoc=A.FRIEND),
            edge("E5", EdgeKind.ASSOCIATED_WITH, "N4", "N7", assoc=A.ASSOCIATE),
            edge("E6", EdgeKind.ABOUT, "RX", "N1", via=r),
        ],
    )
    n1 = assess(store, "N1", today=TODAY)
    assert rules(n1) == [
        ("child_in_household", "N2"),  # through the partner: N2 parent of N3 (a child)
        ("co_offender", "N4"),
        ("linked_to_offender", "N4"),
        ("linked_to_offender_indirect", "N7"),
        ("substance_misuse", "RX"),
    ]
    assert [e.id for e in n1.findings[0].evidence] == ["E1", "E2"]
    assert rules(assess(store, "N5", today=TODAY)) == [("potential_victim", "N6")]
    assert assess(store, "N2", today=TODAY).findings == []  # not a nominal: nothing to assess


def test_other_records_of_the_entity_count(store: GraphStore) -> None:
    store.upsert(
        [nominal("V1", NominalType.RSO), person("V1b"), person("C1", dob=date(2018, 1, 1))],
        [edge("E9", EdgeKind.ASSOCIATED_WITH, "V1b", "C1", assoc=A.FAMILY)],
    )
    assert assess(store, "V1", today=TODAY).findings == []
    joined = assess(store, "V1", records=["V1b"], today=TODAY)
    assert rules(joined) == [("child_in_household", "C1")]


def test_restricted_view_sees_fewer_findings(loaded: GraphStore) -> None:
    law_enforcement_only = Marking(handling_code="1")
    loaded.upsert(
        [person("P9", "Ivo", "Hart", dob=date(2015, 1, 1))],
        [
            edge(
                "F9",
                EdgeKind.ASSOCIATED_WITH,
                "P9",
                "P1",
                assoc=A.FAMILY,
                supports=[from_report(sc.R3)],
                marking=law_enforcement_only,
            )
        ],
    )
    analyst = AccessPolicy(Principal("a", Role.ANALYST)).filter
    partner = AccessPolicy(Principal("p", Role.PARTNER_AGENCY)).filter
    assert ("child_in_household", "P9") in rules(assess(loaded, "P1", flt=analyst, today=TODAY))
    assert ("child_in_household", "P9") not in rules(assess(loaded, "P1", flt=partner, today=TODAY))


def test_risk_over_http(tmp_path: Path) -> None:
    with scenario_api(tmp_path, (Role.ANALYST, Role.SUPERVISOR), "offender_management") as (
        client,
        auth,
        _settings,
    ):
        body = client.get("/persons/P1/risk", headers=auth(Role.ANALYST)).json()
        assert [(f["rule"], f["related"]) for f in body["findings"]] == [
            ("child_in_household", "P3"),
            ("sighted_near_children", "R1"),
        ]
        assert body["findings"][0]["question"] == "children_or_vulnerable_adults"
        assert body["score"] == 9.0 and body["nominal_type"] == "RSO"
        assert client.get("/risk/ranked", headers=auth(Role.ANALYST)).status_code == 403
        ranked = client.get("/risk/ranked", headers=auth(Role.SUPERVISOR)).json()
        assert [i["person_id"] for i in ranked["items"]] == ["P1"]
        assert ranked["nominals_assessed"] == 1


def test_risk_from_the_command_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    from typer.testing import CliRunner

    from api.cli import app as cli
    from graph.stores.sqlite import SqliteGraphStore

    monkeypatch.setenv("MOSAIC_DB_PATH", str(tmp_path / "g.db"))
    monkeypatch.setenv("MOSAIC_GOVERNANCE_PATH", str(tmp_path / "gov.db"))
    with SqliteGraphStore(tmp_path / "g.db") as store:
        store.upsert(sc.NODES, sc.EDGES)
    out = CliRunner().invoke(cli, ["risk", "P1", "--purpose", "offender_management", "--json"])
    assert out.exit_code == 0, out.output
    body = json.loads(out.output)
    assert body["score"] == 9.0
    assert [f["rule"] for f in body["findings"]] == ["child_in_household", "sighted_near_children"]


def test_co_offending_group_found_whatever_edge_the_path_uses(store: GraphStore) -> None:
    store.upsert(
        [nominal("G1", NominalType.VIOLENT_OFFENDER), person("G2"), person("G3")],
        [
            # G1 and G2 are both "associate" and "co_offender": the path takes the first id
            edge("GA", EdgeKind.ASSOCIATED_WITH, "G1", "G2", assoc=A.ASSOCIATE),
            edge("GB", EdgeKind.ASSOCIATED_WITH, "G1", "G2", assoc=A.CO_OFFENDER),
            edge("GC", EdgeKind.ASSOCIATED_WITH, "G2", "G3", assoc=A.CO_OFFENDER),
        ],
    )
    result = assess(store, "G1", today=TODAY)
    assert rules(result) == [("co_offender", "G2"), ("co_offender", "G3")]
    assert [e.id for e in result.findings[0].evidence] == ["GB"]


def test_repeated_reports_count_once_in_the_score(loaded: GraphStore) -> None:
    again = report("R8", "2026-06-01T10:00:00Z", "2BP")
    loaded.upsert(
        [again],
        [
            edge("AB8", EdgeKind.ABOUT, "R8", "P1", via=again),
            edge("L82", EdgeKind.AT_LOCATION, "R8", "L2", role="sighting", via=again),
        ],
    )
    result = assess(loaded, "P1", today=TODAY)
    sightings = [f.related for f in result.findings if f.rule == "sighted_near_children"]
    assert sightings == ["R1", "R8"]  # both shown as evidence
    assert (
        result.score == RULES["child_in_household"].weight + RULES["sighted_near_children"].weight
    )


def test_new_associations_and_addresses_since_the_last_review(store: GraphStore) -> None:
    visor = Visor(
        ref="V-NR",
        nominal_type=NominalType.OTHER_DANGEROUS,
        mappa_category=3,
        risk_level=RiskLevel.HIGH,  # reviewed every 6 months: last review 2026-06-01
        next_review=date(2026, 12, 1),
    )
    store.upsert(
        [person("NR", visor=visor), person("O1"), person("O2"), location("LN")],
        [
            edge(
                "NEW", EdgeKind.ASSOCIATED_WITH, "NR", "O1", assoc=A.FRIEND, first=date(2026, 8, 1)
            ),
            edge(
                "OLD", EdgeKind.ASSOCIATED_WITH, "NR", "O2", assoc=A.FRIEND, first=date(2026, 1, 5)
            ),
            edge("MOVE", EdgeKind.RESIDES_AT, "NR", "LN", valid_from=date(2026, 9, 9)),
        ],
    )
    found = rules(assess(store, "NR", today=TODAY))
    assert found == [("new_since_review", "LN"), ("new_since_review", "O1")]


def test_positions_of_trust(store: GraphStore) -> None:
    """Working at a school is a position of trust (not a sighting); an employer counts only
    when the report flags the work as a breach-of-trust concern; repeats count once."""
    flagged = report("RT1", "2026-04-01T09:00:00Z", "2BP", risk_indicators=[Q.BREACH_OF_TRUST])
    again = report("RT2", "2026-05-01T09:00:00Z", "2BP", risk_indicators=[Q.BREACH_OF_TRUST])
    plain = report("RT3", "2026-06-01T09:00:00Z", "2BP")
    school = report("RT4", "2026-07-01T09:00:00Z", "2BP")
    club = ObjectEntity(id="ORG1", object_type=ObjectType.ORGANISATION, value="Juniors FC")
    roofer = ObjectEntity(id="ORG2", object_type=ObjectType.ORGANISATION, value="Roofing Ltd")
    store.upsert(
        [
            nominal("NT", NominalType.RSO),
            flagged,
            again,
            plain,
            school,
            club,
            roofer,
            location("LS", LocationType.SCHOOL),
        ],
        [
            edge("T1", EdgeKind.ABOUT, "RT1", "NT", via=flagged),
            edge("T2", EdgeKind.INVOLVES, "RT1", "ORG1", role="employer", via=flagged),
            edge("T3", EdgeKind.ABOUT, "RT2", "NT", via=again),
            edge("T4", EdgeKind.INVOLVES, "RT2", "ORG1", role="employer", via=again),
            edge("T5", EdgeKind.ABOUT, "RT3", "NT", via=plain),
            edge("T6", EdgeKind.INVOLVES, "RT3", "ORG2", role="employer", via=plain),
            edge("T7", EdgeKind.ABOUT, "RT4", "NT", via=school),
            edge("T8", EdgeKind.AT_LOCATION, "RT4", "LS", role="workplace", via=school),
        ],
    )
    result = assess(store, "NT", today=TODAY)
    assert rules(result) == [("position_of_trust", "LS"), ("position_of_trust", "ORG1")]
    school_finding, club_finding = result.findings
    assert school_finding.question is Q.BREACH_OF_TRUST
    assert [e.id for e in school_finding.evidence] == ["T7", "T8"]
    assert [e.id for e in club_finding.evidence] == ["T1", "T2"]  # the first report
    assert result.score == 2 * RULES["position_of_trust"].weight


def test_contact_with_a_child_outside_the_household(store: GraphStore) -> None:
    """An RSO's online contact with a child is a concern of its own, not a household one."""
    store.upsert(
        [nominal("NC", NominalType.RSO), person("KC", "Kai", "Dunn", dob=date(2013, 5, 5))],
        [edge("OC", EdgeKind.ASSOCIATED_WITH, "NC", "KC", assoc=A.ONLINE_CONTACT)],
    )
    result = assess(store, "NC", today=TODAY)
    assert rules(result) == [("child_contact", "KC")]
    assert result.findings[0].reason == "associated with a child (Kai Dunn): online_contact"
    assert result.score == RULES["child_contact"].weight


def test_each_rule_counts_a_limited_number_of_concerns(store: GraphStore) -> None:
    """Five offenders known through one intermediary add `counted` (2) of them, not five."""
    others = [nominal(f"NO{i}", NominalType.VIOLENT_OFFENDER) for i in range(5)]
    store.upsert(
        [nominal("NI", NominalType.VIOLENT_OFFENDER), person("MID"), *others],
        [edge("IM", EdgeKind.ASSOCIATED_WITH, "NI", "MID", assoc=A.FRIEND)]
        + [
            edge(f"MO{i}", EdgeKind.ASSOCIATED_WITH, "MID", o.id, assoc=A.FRIEND)
            for i, o in enumerate(others)
        ],
    )
    result = assess(store, "NI", today=TODAY)
    assert [r for r, _ in rules(result)] == ["linked_to_offender_indirect"] * 5
    rule = RULES["linked_to_offender_indirect"]
    assert rule.counted == 2 and result.score == 2 * rule.weight


def test_a_tie_resting_on_e_graded_material_never_raises_through_an_intermediary(
    store: GraphStore,
) -> None:
    """The partner and co-offender claims about G2 rest on a suspected-false report; the
    path to G2 happens to take a reliable "friend" edge. What rests on those claims (a
    child in the household, a co-offending group) must not raise the score."""
    good = report("RG", "2026-04-01T09:00:00Z", "2BP")
    false = report("RF", "2026-04-02T09:00:00Z", "3EP")
    store.upsert(
        [
            nominal("G1", NominalType.RSO),
            person("G2", "Bea", "Lark", gender="F"),
            person("G3", "Kit", "Lark", dob=date(2019, 2, 2)),
            person("G4", "Ned", "Rowe"),
            good,
            false,
        ],
        [
            edge("GA", EdgeKind.ASSOCIATED_WITH, "G1", "G2", assoc=A.FRIEND, via=good),
            edge("GB", EdgeKind.ASSOCIATED_WITH, "G1", "G2", assoc=A.PARTNER, via=false),
            edge("GC", EdgeKind.ASSOCIATED_WITH, "G1", "G2", assoc=A.CO_OFFENDER, via=false),
            edge("GD", EdgeKind.ASSOCIATED_WITH, "G2", "G3", assoc=A.PARENT_OF, via=good),
            edge("GE", EdgeKind.ASSOCIATED_WITH, "G2", "G4", assoc=A.CO_OFFENDER, via=good),
        ],
    )
    result = assess(store, "G1", today=TODAY)
    assert rules(result) == []
    assert result.score == 0
    shown = {(f.rule, f.related): [e.id for e in f.evidence] for f in result.not_raising}
    assert shown[("child_in_household", "G2")] == ["GA", "GD", "GB"]  # GB: the E-graded tie
    assert shown[("co_offender", "G4")] == ["GA", "GE", "GC"]


def test_a_reliable_link_counts_even_when_an_e_graded_one_is_shorter_or_first(
    store: GraphStore,
) -> None:
    """N1 and N2 (both nominals) are family on a 2B report; a suspected-false report also
    calls them associates, and that edge has the smaller id. The reliable link raises."""
    good = report("RG", "2026-04-01T09:00:00Z", "2BP")
    false = report("RF", "2026-04-02T09:00:00Z", "3EP")
    store.upsert(
        [
            nominal("N1", NominalType.VIOLENT_OFFENDER),
            nominal("N2", NominalType.VIOLENT_OFFENDER),
            good,
            false,
        ],
        [
            edge("NA", EdgeKind.ASSOCIATED_WITH, "N1", "N2", assoc=A.ASSOCIATE, via=false),
            edge("NB", EdgeKind.ASSOCIATED_WITH, "N1", "N2", assoc=A.FAMILY, via=good),
        ],
    )
    result = assess(store, "N1", today=TODAY)
    assert rules(result) == [("linked_to_offender", "N2")]
    assert [e.id for e in result.findings[0].evidence] == ["NB"]
    assert result.score == RULES["linked_to_offender"].weight
    assert result.not_raising == []

"""A small hand-built public protection scenario with known answers (all names invented).

P1, a registered sexual offender, lives at L1 with his partner P2 and her child P3. A member
of the public (P4, behind source S1) reported him twice; a third report is legacy-graded.
"""

from __future__ import annotations

from datetime import date, datetime

from graph.edges import AssociationType, Edge, EdgeKind, Support
from graph.markings import Classification, Compartment, Grading5x5x5, Marking
from graph.nodes import (
    ConfidentialBlock,
    LocationType,
    MedicalBlock,
    Node,
    NominalType,
    ObjectEntity,
    ObjectType,
    Report,
    RiskIndicator,
    Source,
    SourceType,
    Visor,
)
from tests.factories import edge, from_report, location, person, report

D1 = date(2026, 3, 1)
D2 = date(2026, 3, 2)

P1 = person(
    "P1",
    "Darrel",
    "Hume",
    dob=date(1979, 6, 2),
    gender="M",
    source_system="visor",
    source_record_id="V-1",
    visor=Visor(
        ref="V-1",
        nominal_type=NominalType.RSO,
        mappa_category=1,
        mappa_level=2,
        offender_manager="DC 0001 Example",
        risk_factors=["access to children"],
        licence_conditions=["no unsupervised contact with under 18s"],
    ),
    medical=MedicalBlock(notes="synthetic restricted medical note"),
)
P2 = person("P2", "Kerrie", "Masonby", gender="F")
P3 = person("P3", "Mina", "Masonby", vulnerable=True, dob=date(2016, 4, 3))
P4 = person("P4", "Joanne", "Ellery")
P5 = person("P5", "Corin", "Blake")
P6 = person("P6", "Tavis", "Reed")
L1 = location("L1")
L2 = location("L2", LocationType.SCHOOL)
L3 = location("L3", LocationType.CUSTODY_SUITE)
O1 = ObjectEntity(id="O1", object_type=ObjectType.VEHICLE, value="EX00 AAA")
# Who a source is, and which reports came from them, is for the FIB only.
SOURCE_ONLY = Marking(compartment=Compartment.SOURCE)
S1 = Source(id="S1", source_type=SourceType.MEMBER_OF_PUBLIC, marking=SOURCE_ONLY)
R1 = report(
    "R1",
    "2026-03-01T14:05:00Z",
    "2BC",
    text="Caller states the subject lives with a woman and her young daughter.",
    risk_indicators=[RiskIndicator.CHILDREN_OR_VULNERABLE_ADULTS],
    confidential=ConfidentialBlock(third_party_info="caller fears reprisals"),
    marking=Marking(handling_code="C", handling_conditions="originator consent before action"),
)
R2 = report(
    "R2",
    "2026-03-02T09:00:00+01:00",
    "3EP",
    marking=Marking(classification=Classification.OFFICIAL, handling_code="P"),
)
# 13:30 UTC: earlier than R1 although its text sorts later.
R3 = Report(
    id="R3",
    marking=Marking(handling_code="1"),
    received_at=datetime.fromisoformat("2026-03-01T15:30:00+02:00"),
    grading=Grading5x5x5(source_evaluation="B", intelligence_assessment="2", handling_code="1"),
)

NODES: list[Node] = [P1, P2, P3, P4, P5, P6, L1, L2, L3, O1, S1, R1, R2, R3]

LOCAL = [Support(source_system="local_intel", source_record_id="LI-1")]


EDGES: list[Edge] = [
    edge("A1", EdgeKind.ASSOCIATED_WITH, "P1", "P2", assoc=AssociationType.PARTNER, via=R1),
    edge(
        "A2", EdgeKind.ASSOCIATED_WITH, "P2", "P3", assoc=AssociationType.PARENT_OF, supports=LOCAL
    ),
    edge("A3", EdgeKind.ASSOCIATED_WITH, "P1", "P5", assoc=AssociationType.ASSOCIATE, via=R2),
    edge(
        "A4",
        EdgeKind.ASSOCIATED_WITH,
        "P5",
        "P6",
        assoc=AssociationType.CO_OFFENDER,
        supports=[from_report(R3)],
        first=date(2024, 5, 1),
        last=date(2024, 5, 1),
    ),
    edge(
        "H1",
        EdgeKind.RESIDES_AT,
        "P1",
        "L1",
        supports=LOCAL,
        first=date(2025, 1, 10),
        valid_from=date(2025, 1, 10),
    ),
    edge("H2", EdgeKind.RESIDES_AT, "P2", "L1", supports=LOCAL),
    edge("H3", EdgeKind.RESIDES_AT, "P3", "L1", supports=LOCAL),
    edge("AB1", EdgeKind.ABOUT, "R1", "P1", via=R1),
    edge("AB2", EdgeKind.ABOUT, "R2", "P1", via=R2),
    edge("AB3", EdgeKind.ABOUT, "R3", "P1", supports=[from_report(R3)], first=D1, last=D1),
    edge("M1", EdgeKind.MENTIONS, "R1", "P2", via=R1),
    edge("M3", EdgeKind.MENTIONS, "R3", "P6", supports=[from_report(R3)], first=D1, last=D1),
    edge("L11", EdgeKind.AT_LOCATION, "R1", "L1", role="subject_address", via=R1),
    edge("L12", EdgeKind.AT_LOCATION, "R1", "L2", role="sighting", via=R1),
    edge("L33", EdgeKind.AT_LOCATION, "R3", "L3", role="event", supports=[from_report(R3)]),
    edge("I1", EdgeKind.INVOLVES, "R1", "O1", role="uses", via=R1),
    edge("U1", EdgeKind.USED_BY, "O1", "P1", supports=[from_report(R1)]),
    edge("PB1", EdgeKind.PROVIDED_BY, "R1", "S1", via=R1, compartment=Compartment.SOURCE),
    edge("PB2", EdgeKind.PROVIDED_BY, "R2", "S1", via=R2, compartment=Compartment.SOURCE),
    edge("SP1", EdgeKind.IS_PERSON, "S1", "P4", compartment=Compartment.SOURCE, supports=LOCAL),
    edge(
        "K1",
        EdgeKind.KNOWS_SUBJECT,
        "S1",
        "P1",
        assoc=AssociationType.NEIGHBOUR,
        compartment=Compartment.SOURCE,
        supports=[from_report(R1)],
    ),
]

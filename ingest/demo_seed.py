"""A small, entirely synthetic public protection world for the quick start.

Every name, address and reference here is invented. It gives a fresh install something to
look at (a registered offender, his household, a repeat caller from the public, graded
reports, a custody suite hub) until the full generator and ingest pipeline replace it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from graph.edges import AssociationType, CreatedBy, CreatorKind, Edge, EdgeKind, Provenance, Support
from graph.markings import Compartment, Grading3x5x2, Marking
from graph.nodes import (
    ConfidentialBlock,
    Location,
    LocationType,
    MedicalBlock,
    Name,
    Node,
    NominalType,
    ObjectEntity,
    ObjectType,
    Person,
    Report,
    RiskIndicator,
    RiskLevel,
    Source,
    SourceType,
    Visor,
)
from graph.store import GraphStore, UpsertResult

SEEDER = CreatedBy(kind=CreatorKind.INGEST, name="demo-seed", version="1")
LOCAL = Support(source_system="local_intel", source_record_id="DEMO")


def _person(pid: str, given: str, family: str, **kw: object) -> Person:
    return Person.model_validate(
        {"id": pid, "names": [Name(given=given, family=family)], "source_system": "demo", **kw}
    )


def _report(rid: str, day: int, code: str, text: str, **kw: object) -> Report:
    conditions = "originator consent before action" if code.endswith("C") else None
    grading = Grading3x5x2.parse(code, conditions)
    received = datetime(2026, 3, day, 10, 0, tzinfo=UTC)
    marking = Marking.from_grading(grading)  # the handling code travels with the report
    return Report.model_validate(
        {
            "id": rid,
            "received_at": received,
            "grading": grading,
            "text": text,
            "marking": marking,
            **kw,
        }
    )


def _edge(
    kind: EdgeKind,
    src: str,
    dst: str,
    via: Report | None = None,
    assoc: AssociationType | None = None,
    compartment: Compartment = Compartment.GENERAL,
    role: str | None = None,
) -> Edge:
    day = via.received_at.date() if via else None
    support = Support(report_id=via.id, grading=via.grading, observed_on=day) if via else LOCAL
    suffix = f":{assoc.value}" if assoc else ""
    return Edge(
        id=f"{kind.value}:{src}:{dst}{suffix}",
        kind=kind,
        src=src,
        dst=dst,
        association_type=assoc,
        role=role,
        marking=Marking(compartment=compartment),
        provenance=Provenance(supports=[support], first_seen=day, last_seen=day, created_by=SEEDER),
    )


def demo_graph() -> tuple[list[Node], list[Edge]]:
    """The demo nodes and edges, built fresh on each call."""
    nominal = _person(
        "DEMO-P1",
        "Darrel",
        "Hume",
        dob=date(1979, 6, 2),
        gender="M",
        visor=Visor(
            ref="V-DEMO-1",
            nominal_type=NominalType.RSO,
            mappa_category=1,
            mappa_level=2,
            offender_manager="DC 0001 Example",
            risk_level=RiskLevel.HIGH,
            modus_operandi="grooming via online gaming",
            risk_factors=["access to children"],
            licence_conditions=["no unsupervised contact with under 18s"],
        ),
        medical=MedicalBlock(notes="synthetic restricted medical note"),
    )
    partner = _person("DEMO-P2", "Kerrie", "Masonby", gender="F")
    child = _person("DEMO-P3", "Mina", "Masonby", vulnerable=True, dob=date(2016, 4, 3))
    caller = _person("DEMO-P4", "Joanne", "Ellery", gender="F")
    pdp = _person(
        "DEMO-P5",
        "Corin",
        "Blake",
        visor=Visor(ref="V-DEMO-2", nominal_type=NominalType.PDP),
    )
    home = Location(
        id="DEMO-L1",
        address="14 Mill Lane, Exampletown",
        postcode="EX1 4ML",
        location_type=LocationType.RESIDENTIAL,
    )
    school = Location(
        id="DEMO-L2",
        address="Example Primary School, Church Road",
        location_type=LocationType.SCHOOL,
    )
    custody = Location(
        id="DEMO-L3", address="Central Custody Suite", location_type=LocationType.CUSTODY_SUITE
    )
    car = ObjectEntity(id="DEMO-O1", object_type=ObjectType.VEHICLE, value="EX00 DMO")
    # Who a source is, and which reports they gave, is for the FIB only.
    source = Source(
        id="DEMO-S1",
        source_type=SourceType.MEMBER_OF_PUBLIC,
        marking=Marking(compartment=Compartment.SOURCE),
    )
    r1 = _report(
        "DEMO-IR-1",
        1,
        "2BC",
        "Caller states a man known as Daz lives with a woman and her young daughter.",
        risk_indicators=[RiskIndicator.CHILDREN_OR_VULNERABLE_ADULTS],
        confidential=ConfidentialBlock(third_party_info="caller fears reprisals"),
    )
    r2 = _report("DEMO-IR-2", 9, "2CP", "Same caller: the man was seen at the school gates.")
    r3 = _report("DEMO-IR-3", 12, "3EP", "Anonymous claim the man associates with C. Blake.")
    nodes: list[Node] = [
        nominal,
        partner,
        child,
        caller,
        pdp,
        home,
        school,
        custody,
        car,
        source,
        r1,
        r2,
        r3,
    ]
    edges = [
        _edge(EdgeKind.ASSOCIATED_WITH, "DEMO-P1", "DEMO-P2", r1, AssociationType.PARTNER),
        _edge(EdgeKind.ASSOCIATED_WITH, "DEMO-P2", "DEMO-P3", None, AssociationType.PARENT_OF),
        _edge(EdgeKind.ASSOCIATED_WITH, "DEMO-P1", "DEMO-P5", r3, AssociationType.ASSOCIATE),
        _edge(EdgeKind.RESIDES_AT, "DEMO-P1", "DEMO-L1"),
        _edge(EdgeKind.RESIDES_AT, "DEMO-P2", "DEMO-L1"),
        _edge(EdgeKind.RESIDES_AT, "DEMO-P3", "DEMO-L1"),
        _edge(EdgeKind.USED_BY, "DEMO-O1", "DEMO-P1", r1),
        _edge(EdgeKind.IS_PERSON, "DEMO-S1", "DEMO-P4", compartment=Compartment.SOURCE),
        _edge(
            EdgeKind.KNOWS_SUBJECT,
            "DEMO-S1",
            "DEMO-P1",
            r1,
            AssociationType.NEIGHBOUR,
            Compartment.SOURCE,
        ),
    ]
    for rep in (r1, r2, r3):
        edges.append(_edge(EdgeKind.ABOUT, rep.id, "DEMO-P1", rep))
    for rep in (r1, r2):
        edges.append(
            _edge(EdgeKind.PROVIDED_BY, rep.id, "DEMO-S1", rep, compartment=Compartment.SOURCE)
        )
    edges += [
        _edge(EdgeKind.AT_LOCATION, r1.id, "DEMO-L1", r1, role="subject_address"),
        _edge(EdgeKind.AT_LOCATION, r2.id, "DEMO-L2", r2, role="sighting"),
        _edge(EdgeKind.AT_LOCATION, r3.id, "DEMO-L3", r3, role="event"),
        _edge(EdgeKind.INVOLVES, r1.id, "DEMO-O1", r1, role="uses"),
    ]
    return nodes, edges


def seed_demo(store: GraphStore) -> UpsertResult:
    """Load the demo world; idempotent, so seeding twice changes nothing."""
    nodes, edges = demo_graph()
    return store.upsert(nodes, edges)

"""Small builders for synthetic test graphs (no real people: every name is invented)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

from graph.edges import AssociationType, CreatedBy, CreatorKind, Edge, EdgeKind, Provenance, Support
from graph.markings import Compartment, Grading3x5x2, Grading5x5x5, Marking
from graph.nodes import Location, LocationType, Name, Person, Report
from graph.sharing.decisions import FREE_TEXT
from graph.store import Contact

INGEST = CreatedBy(kind=CreatorKind.INGEST, name="test", version="1")


def person(pid: str, given: str = "Alex", family: str = "Tester", **kw: Any) -> Person:
    return Person(id=pid, names=[Name(given=given, family=family)], **kw)


def location(lid: str, kind: LocationType = LocationType.RESIDENTIAL, **kw: Any) -> Location:
    return Location(id=lid, address=f"{lid} Example Street", location_type=kind, **kw)


def grade(code: str, conditions: str | None = None) -> Grading3x5x2:
    """`grade("2BC")` -> a 3x5x2 grading (code C gets default conditions)."""
    if code.endswith("C") and conditions is None:
        conditions = "originator consent before action"
    return Grading3x5x2.parse(code, conditions)


def legacy(code: str) -> Grading5x5x5:
    return Grading5x5x5.model_validate(
        {"source_evaluation": code[0], "intelligence_assessment": code[1], "handling_code": code[2]}
    )


def report(rid: str, when: str = "2026-03-01T14:05:00Z", code: str = "2BP", **kw: Any) -> Report:
    return Report(id=rid, received_at=datetime.fromisoformat(when), grading=grade(code), **kw)


def edge(
    eid: str,
    kind: EdgeKind,
    src: str,
    dst: str,
    *,
    supports: list[Support] | None = None,
    via: Report | None = None,
    assoc: AssociationType | None = None,
    first: date | None = None,
    last: date | None = None,
    compartment: Compartment = Compartment.GENERAL,
    marking: Marking | None = None,
    **kw: Any,
) -> Edge:
    """An edge; `via=report` makes the report its support and its date the seen dates."""
    if via is not None:
        day = via.received_at.astimezone(UTC).date()
        supports, first, last = [from_report(via, day)], day, day
    return Edge(
        id=eid,
        kind=kind,
        src=src,
        dst=dst,
        association_type=assoc,
        marking=marking or Marking(compartment=compartment),
        provenance=Provenance(
            supports=supports or [Support(source_system="test")],
            first_seen=first,
            last_seen=last,
            created_by=INGEST,
        ),
        **kw,
    )


def from_report(rep: Report, observed: date | None = None) -> Support:
    return Support(report_id=rep.id, grading=rep.grading, observed_on=observed)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


# Synthetic names that match nobody else's: filler records, so a name is rare in an index.
STRANGERS = [
    ("Harlow", "Penn"),
    ("Isolde", "Marsh"),
    ("Jory", "Castell"),
    ("Keziah", "Dunmore"),
    ("Lorcan", "Fairweather"),
    ("Mireille", "Oakhurst"),
    ("Nevan", "Quill"),
    ("Odile", "Rookwood"),
    ("Perrin", "Stallard"),
    ("Quenby", "Thorne"),
    ("Rafferty", "Underhill"),
    ("Saoirse", "Vane"),
]


def sharing_decision(nominal_id: str = "C1L1", **over: Any) -> dict[str, Any]:
    """A complete decision to share, as a request body; `over` replaces top-level parts."""
    full: dict[str, Any] = {
        "nominal_id": nominal_id,
        "outcome": "share",
        "answers": {
            **{name: f"synthetic answer: {name}" for name in FREE_TEXT},
            "isa_in_place": True,
            "isa_reference": "ISA-2026-7",
            "with_whom": ["Head teacher, Example Primary"],
            "offender_consulted": False,
        },
        "principles": dict.fromkeys(
            ("lawful", "necessary", "proportionate", "secure", "accountable"), True
        ),
        "decision_maker": {"name": "Supt A Example", "role": "superintendent"},
        "rationale": "the school must protect pupils from a nominal living nearby",
    }
    return {**full, **over}


def disclosure(recipient: str = "Head teacher, Example Primary", **over: Any) -> dict[str, Any]:
    """A complete disclosure request body, shared just now: a disclosure is covered by the
    decisions in force when it was made, so it must come after the decision it rests on."""
    full: dict[str, Any] = {
        "shared_at": datetime.now(UTC).isoformat(),
        "content": "conviction and licence conditions (synthetic)",
        "recipient": recipient,
        "purpose": "safeguarding pupils",
        "recipient_already_knew": "nothing",
        "told_to_do": "tell the safeguarding lead",
        "told_not_to_do": "no onward sharing",
    }
    return {**full, **over}


def contact_row(i: int, received_at: str, *subjects: str, **over: Any) -> Contact:
    """Contact row `R{i}` from member of the public S1 (person PS) received at `received_at`
    (ISO with an offset), a phone call they made about `subjects`: the CHIS indicators'
    input, made by hand."""
    row = Contact(
        source_id="S1",
        source_type="member_of_public",
        chis_status="none",
        juvenile=False,
        vulnerable=False,
        person_id="PS",
        report_id=f"R{i}",
        received_at=received_at,
        channel="phone",
        initiated_by="source",
        police_request=None,
        how_obtained="witnessed",
        rewarded=False,
        subjects=subjects,
        locations=(),
    )
    return replace(row, **over)

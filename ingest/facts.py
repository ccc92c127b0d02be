"""Interchange records become graph facts: nodes, and edges that carry their evidence.

Edge ids are derived from what the edge asserts (kind, ends, type, role), never from the
record that asserted it, so a second report saying the same thing lands on the same edge
and adds its support instead of a parallel edge. Symmetric association types are stored
with their ends in id order; `child_of` and `employee` are stored as the converse
`parent_of` / `employer`, so "A parent of B" and "B child of A" are one claim.

An edge's marking is the most restrictive of its supports' markings (classification, and
handling code C with every condition joined): a claim is never easier to see than the
most restricted material it rests on.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TypeVar

from graph.edges import (
    AssociationType,
    CreatedBy,
    CreatorKind,
    Edge,
    EdgeKind,
    Provenance,
    Support,
    support_classification,
)
from graph.markings import Classification, Compartment, Marking, strictest_code
from graph.nodes import (
    TRAVEL_EVENTS,
    ConfidentialBlock,
    Event,
    EventType,
    Location,
    MedicalBlock,
    Name,
    Node,
    ObjectEntity,
    Person,
    Report,
    Source,
    Tasking,
)
from ingest.interchange import (
    AssociationRecord,
    EventRecord,
    LocationRecord,
    Mention,
    ObjectRecord,
    PersonRecord,
    PersonRef,
    ReportRecord,
    SourceRecord,
    TaskingRecord,
)

INGEST = CreatedBy(kind=CreatorKind.INGEST, name="mosaic-ingest", version="interchange-v1")
SYMMETRIC = frozenset(
    {
        AssociationType.PARTNER,
        AssociationType.EX_PARTNER,
        AssociationType.FAMILY,
        AssociationType.CO_RESIDENT,
        AssociationType.FRIEND,
        AssociationType.ASSOCIATE,
        AssociationType.CO_OFFENDER,
        AssociationType.ONLINE_CONTACT,
        AssociationType.NEIGHBOUR,
        AssociationType.CO_WORKER,
        AssociationType.NONE,
    }
)
CONVERSE = {
    AssociationType.CHILD_OF: AssociationType.PARENT_OF,
    AssociationType.EMPLOYEE: AssociationType.EMPLOYER,
}
MENTION_SYSTEM = "report_mention"
_T = TypeVar("_T")
# Which compartment wins when one claim rests on material from several.
_COMPARTMENT_RANK = {
    Compartment.GENERAL: 0,
    Compartment.MEDICAL: 1,
    Compartment.CONFIDENTIAL: 2,
    Compartment.SOURCE: 3,
}


def mention_person_id(report_id: str, index: int) -> str:
    """The id of the person a mention becomes when it matches nobody."""
    return f"MEN-{report_id}-{index}"


def mention_key(report_id: str, index: int) -> str:
    return f"{report_id}#{index}"


@dataclass
class Facts:
    """What one record asserts: nodes to write and edges (each with one support)."""

    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)


def support_identity(support: Support) -> tuple[str | None, str | None, str | None]:
    """Which record a support came from: one support per record per edge."""
    return (support.report_id, support.source_system, support.source_record_id)


RecordKey = tuple[str, str]
"""A record, whatever system it names: ("report", id) or ("record", id). Interchange ids
are unique across kinds, so the id alone says which record made a claim."""


def record_key(support: Support) -> RecordKey:
    """The record a support came from, by id only: a record that changes its source system
    still withdraws the claims it made under the old one."""
    if support.report_id:
        return ("report", support.report_id)
    return ("record", support.source_record_id or "")


def _edge(
    kind: EdgeKind,
    src: str,
    dst: str,
    support: Support,
    marking: Marking,
    *,
    association: AssociationType | None = None,
    role: str | None = None,
    valid_from: date | None = None,
    valid_to: date | None = None,
    provenance: Provenance | None = None,
) -> Edge:
    """An edge with one support. Its parts are already validated models, which pydantic
    does not validate again, so full construction is cheap (cheaper, measured, than
    `model_construct`); the two rules checked first give a clearer message."""
    if src == dst:
        raise ValueError(f"{kind.value} would join {src!r} to itself")
    if valid_from and valid_to and valid_from > valid_to:
        raise ValueError("valid_from is after valid_to")
    parts = [kind.value, src, dst]
    if association is not None:
        parts.append(association.value)
    if role is not None:
        parts.append(role)
    if valid_from is not None:
        parts.append(valid_from.isoformat())
    if provenance is None:
        seen = support.observed_on
        provenance = Provenance(
            supports=[support], first_seen=seen, last_seen=seen, created_by=INGEST
        )
    return Edge(
        id=":".join(parts),
        kind=kind,
        src=src,
        dst=dst,
        association_type=association,
        role=role,
        valid_from=valid_from,
        valid_to=valid_to,
        marking=marking,
        provenance=provenance,
    )


def _association_ends(a: str, b: str, kind: AssociationType) -> tuple[str, str, AssociationType]:
    if kind in CONVERSE:
        return b, a, CONVERSE[kind]
    if kind in SYMMETRIC and b < a:
        return b, a, kind
    return a, b, kind


def _structured_support(system: str | None, record_id: str, basis: str = "fact") -> Support:
    return Support(
        source_system=system or "unspecified",
        source_record_id=record_id,
        basis="assessment" if basis == "assessment" else "fact",
    )


def person_facts(record: PersonRecord) -> Facts:
    person = Person(
        id=record.id,
        source_system=record.source_system,
        source_record_id=record.source_record_id,
        names=[n.to_name() for n in record.names],
        dob=record.dob,
        gender=record.gender,
        pnc_id=record.pnc_id,
        vulnerable=record.vulnerable,
        visor=record.visor,
        medical=MedicalBlock(notes=record.medical.notes) if record.medical else None,
        extra=record.extras(),
    )
    support = _structured_support(record.source_system, record.id)
    edges = [
        _edge(
            EdgeKind.RESIDES_AT,
            record.id,
            spell.location_id,
            support,
            Marking(),
            valid_from=spell.from_,
            valid_to=spell.to,
        )
        for spell in record.addresses
    ]
    return Facts(nodes=[person], edges=edges)


def location_facts(record: LocationRecord) -> Facts:
    return Facts(
        nodes=[
            Location(
                id=record.id,
                address=record.address,
                postcode=record.postcode,
                lat=record.lat,
                lon=record.lon,
                location_type=record.location_type,
                extra=record.extras(),
            )
        ]
    )


def object_facts(record: ObjectRecord) -> Facts:
    node = ObjectEntity(
        id=record.id, object_type=record.object_type, value=record.value, extra=record.extras()
    )
    return Facts(nodes=[node])


SOURCE_MARKING = Marking(compartment=Compartment.SOURCE)


def source_facts(record: SourceRecord) -> Facts:
    """A source and who they are: both in the `source` compartment (FIB only)."""
    node = Source(
        id=record.id,
        source_type=record.source_type,
        chis_status=record.chis_status,
        juvenile=record.juvenile,
        vulnerable=record.vulnerable,
        marking=SOURCE_MARKING,
        extra=record.extras(),
    )
    facts = Facts(nodes=[node])
    if record.person_id:
        support = _structured_support("source_register", record.id)
        facts.edges.append(
            _edge(EdgeKind.IS_PERSON, record.id, record.person_id, support, SOURCE_MARKING)
        )
    return facts


def association_facts(record: AssociationRecord) -> Facts:
    a, b, kind = _association_ends(record.a, record.b, record.type)
    support = _structured_support(record.source_system, record.id, record.basis)
    edge = _edge(
        EdgeKind.ASSOCIATED_WITH,
        a,
        b,
        support,
        Marking(),
        association=kind,
        valid_from=None,
    )
    edge = edge.model_copy(update={"valid_from": record.from_, "valid_to": record.to})
    return Facts(edges=[edge])


def event_facts(record: EventRecord) -> Facts:
    if record.event_type is EventType.MAPP_MEETING:
        marking = Marking(compartment=Compartment.MANAGEMENT)  # for those managing the case
    elif record.event_type in TRAVEL_EVENTS or record.event_type is EventType.PARTNER_REQUEST:
        marking = Marking(compartment=Compartment.CONFIDENTIAL)
    else:
        marking = Marking()
    event = Event(
        id=record.id,
        event_type=record.event_type,
        occurred_on=record.occurred_on,
        details=record.details,
        source_system=record.source_system,
        licence_end_on=record.licence_end_on,
        conditions=record.conditions,
        probation_offender_manager=record.probation_offender_manager,
        risk_level=record.risk_level,
        destination=record.destination,
        depart_on=record.depart_on,
        return_on=record.return_on,
        port=record.port,
        meeting_level=record.meeting_level,
        chair=record.chair,
        attendees=record.attendees,
        decisions=record.decisions,
        actions=record.actions,
        sharing_decisions=record.sharing_decisions,
        agency=record.agency,
        requester=record.requester,
        purpose=record.purpose,
        checked=record.checked,
        answer=record.answer,
        due_on=record.due_on,
        answered_on=record.answered_on,
        sharing_decision=record.sharing_decision,
        marking=marking,
        extra=record.extras(),
    )
    support = _structured_support(record.source_system, record.id).model_copy(
        update={"observed_on": record.occurred_on}
    )
    edge = _edge(EdgeKind.CONCERNS, record.id, record.person_id, support, event.marking)
    return Facts(nodes=[event], edges=[edge])


def tasking_facts(record: TaskingRecord) -> Facts:
    tasking = Tasking(
        id=record.id,
        level=record.level,
        requirement=record.requirement,
        title=record.title,
        description=record.description,
        owner=record.owner,
        priority=record.priority,
        opened_on=record.opened_on,
        due_on=record.due_on,
        state=record.state,
        directed_at=record.directed_at,
        source_system=record.source_system,
        extra=record.extras(),
    )
    support = _structured_support(record.source_system, record.id).model_copy(
        update={"observed_on": record.opened_on}
    )
    edges = []
    if record.subject_id:
        edges.append(_edge(EdgeKind.TASKS, record.id, record.subject_id, support, Marking()))
    if record.directed_person_id:
        # who a member of the public tasked is: source-identifying, for the FIB only
        hidden = Marking(compartment=Compartment.SOURCE)
        edges.append(
            _edge(EdgeKind.DIRECTED_AT, record.id, record.directed_person_id, support, hidden)
        )
    return Facts(nodes=[tasking], edges=edges)


def mention_person(report_id: str, index: int, mention: Mention, marking: Marking) -> Person:
    """A person known only from a mention: kept with what the report said about them."""
    extra: dict[str, object] = {}
    if mention.address:
        extra["mentioned_address"] = mention.address
    if mention.postcode:
        extra["mentioned_postcode"] = mention.postcode
    return Person(
        id=mention_person_id(report_id, index),
        source_system=MENTION_SYSTEM,
        source_record_id=mention_key(report_id, index),
        names=[Name(given=mention.name.given, family=mention.name.family)],
        dob=mention.dob,
        marking=marking,  # known only from the report: no easier to see than the report
        extra=extra,
    )


def report_facts(record: ReportRecord, mention_targets: Sequence[str]) -> Facts:
    """The report node and every claim it makes, each supported by this report.

    `mention_targets[i]` is the person id mention i resolved to; a target equal to
    `mention_person_id(report, i)` means the mention matched nobody and becomes a person.
    """
    grading = record.grading
    marking = Marking.from_grading(grading, classification=record.classification)
    confidential = None
    if record.confidential and any(
        (
            record.confidential.victim_info,
            record.confidential.third_party_info,
            record.confidential.police_tactics,
        )
    ):
        confidential = ConfidentialBlock(
            victim_info=record.confidential.victim_info,
            third_party_info=record.confidential.third_party_info,
            police_tactics=record.confidential.police_tactics,
        )
    report = Report(
        id=record.id,
        received_at=record.received_at,
        recorded_at=record.recorded_at,
        recorded_by=record.recorded_by,
        channel=record.channel,
        initiated_by=record.initiated_by,
        police_request=record.police_request,
        how_obtained=record.how_obtained,
        grading=grading,
        text=record.text,
        risk_indicators=record.risk_indicators,
        confidential=confidential,
        marking=marking,
        extra=record.extras(),
    )
    facts = Facts(nodes=[report])
    for i, mention in enumerate(record.mentions):
        if mention_targets[i] == mention_person_id(record.id, i):
            facts.nodes.append(mention_person(record.id, i, mention, marking))

    def person(ref: PersonRef) -> str:
        if ref.person_id is not None:
            return ref.person_id
        assert ref.mention is not None  # validated: exactly one of the two
        return mention_targets[ref.mention]

    support = Support(
        report_id=record.id,
        grading=grading,
        observed_on=record.received_at.date(),
        classification=(
            record.classification
            if record.classification is not Classification.OFFICIAL_SENSITIVE
            else None
        ),
    )
    day = support.observed_on
    shared = Provenance(supports=[support], first_seen=day, last_seen=day, created_by=INGEST)
    source_marking = SOURCE_MARKING.model_copy(update={"classification": record.classification})
    edges = facts.edges
    subjects = _unique(person(ref) for ref in record.subjects)
    for pid in subjects:
        edges.append(_edge(EdgeKind.ABOUT, record.id, pid, support, marking, provenance=shared))
    for target in _unique(mention_targets):
        if target not in subjects:
            edges.append(
                _edge(EdgeKind.MENTIONS, record.id, target, support, marking, provenance=shared)
            )
    for loc in _unique_by(record.locations, lambda x: (x.location_id, x.role)):
        edges.append(
            _edge(
                EdgeKind.AT_LOCATION,
                record.id,
                loc.location_id,
                support,
                marking,
                role=loc.role,
                provenance=shared,
            )
        )
    for obj in _unique_by(record.objects, lambda x: (x.object_id, x.role, x.ref)):
        edges.append(
            _edge(
                EdgeKind.INVOLVES,
                record.id,
                obj.object_id,
                support,
                marking,
                role=obj.role,
                provenance=shared,
            )
        )
        if obj.ref is not None:
            edges.append(
                _edge(
                    EdgeKind.USED_BY,
                    obj.object_id,
                    person(obj.ref),
                    support,
                    marking,
                    provenance=shared,
                )
            )
    for tasking in _unique(record.answers_taskings):
        edges.append(
            _edge(EdgeKind.ANSWERS, record.id, tasking, support, marking, provenance=shared)
        )
    if record.source_id:
        edges.append(
            _edge(
                EdgeKind.PROVIDED_BY,
                record.id,
                record.source_id,
                support,
                source_marking,
                provenance=shared,
            )
        )
    for assoc in record.associations:
        a, b = person(assoc.a), person(assoc.b)
        if a == b:  # two mentions resolved to one person: no self-link
            continue
        a, b, kind = _association_ends(a, b, assoc.type)
        edges.append(
            _edge(
                EdgeKind.ASSOCIATED_WITH,
                a,
                b,
                support,
                marking,
                association=kind,
                provenance=shared,
            )
        )
    if record.source_id:
        for rel in record.source_relationship:
            edges.append(
                _edge(
                    EdgeKind.KNOWS_SUBJECT,
                    record.source_id,
                    person(rel.ref),
                    support,
                    _strictest([marking, source_marking]),
                    association=rel.type,
                    provenance=shared,
                )
            )
    return Facts(nodes=facts.nodes, edges=_merge_same_edges(edges))


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _unique_by(items: Iterable[_T], key: Callable[[_T], Hashable]) -> list[_T]:
    seen: dict[Hashable, _T] = {}
    for item in items:
        seen.setdefault(key(item), item)
    return list(seen.values())


def _merge_same_edges(edges: list[Edge]) -> list[Edge]:
    """One record asserting the same claim twice supports it once."""
    by_id: dict[str, Edge] = {}
    for edge in edges:
        by_id.setdefault(edge.id, edge)
    return list(by_id.values())


_CLASS_ORDER = {Classification.OFFICIAL: 0, Classification.OFFICIAL_SENSITIVE: 1}


def _strictest(markings: Sequence[Marking]) -> Marking:
    """The most restrictive combination of several markings: an edge is shown only to
    whoever may see every report that supports it (it names them all in its provenance).
    Conditions of any C support travel with it."""
    classification = max((m.classification for m in markings), key=_CLASS_ORDER.__getitem__)
    compartment = max((m.compartment for m in markings), key=_COMPARTMENT_RANK.__getitem__)
    conditions = _unique(
        c for m in markings if m.handling_code == "C" for c in [m.handling_conditions or ""] if c
    )
    code = strictest_code(m.handling_code for m in markings)
    return Marking(
        classification=classification,
        compartment=compartment,
        handling_code=code,
        handling_conditions="; ".join(conditions) if conditions else None,
    )


def accumulate(
    stored: Edge | None,
    incoming: Sequence[Edge],
    retract: Mapping[str, set[RecordKey]] | None = None,
) -> Edge | None:
    """One edge from what is stored and what this batch asserts about the same claim.

    Supports are keyed by the record they came from, so re-asserting is idempotent and a
    changed record replaces its own support. `retract` names, per edge, records whose
    stored supports are dropped (changed records: a claim they still make comes back with
    the incoming support). Returns None when no support is left.
    """
    base = stored or incoming[0]
    gone = (retract or {}).get(base.id, set())
    supports: dict[tuple[str | None, str | None, str | None], Support] = {}
    markings: dict[tuple[str | None, str | None, str | None], Marking] = {}
    for edge in [stored] if stored else []:
        for s in edge.provenance.supports:
            if record_key(s) not in gone:
                supports[support_identity(s)] = s
                markings[support_identity(s)] = _support_marking(s, edge.marking)
    for edge in incoming:
        for s in edge.provenance.supports:
            supports[support_identity(s)] = s
            markings[support_identity(s)] = edge.marking
    if not supports:
        return None
    ordered = [supports[k] for k in sorted(supports, key=_identity_sort_key)]
    days = [s.observed_on for s in ordered if s.observed_on]
    marking = _strictest([markings[k] for k in sorted(markings, key=_identity_sort_key)])
    return base.model_copy(
        update={
            "marking": marking,
            "provenance": Provenance(
                supports=ordered,
                first_seen=min(days, default=None),
                last_seen=max(days, default=None),
                created_by=base.provenance.created_by,
            ),
        }
    )


def _identity_sort_key(key: tuple[str | None, str | None, str | None]) -> tuple[str, str, str]:
    return (key[0] or "", key[1] or "", key[2] or "")


def _support_marking(support: Support, edge_marking: Marking) -> Marking:
    """The marking a stored support imposes: its grading's handling code, else the edge's
    classification and compartment alone."""
    grading = support.grading
    return _marking_of(
        support_classification([support]),
        edge_marking.compartment,
        grading.handling_code if grading is not None else None,
        grading.handling_conditions if grading is not None else None,
    )


@functools.lru_cache(maxsize=1024)
def _marking_of(
    classification: Classification,
    compartment: Compartment,
    code: str | None,
    conditions: str | None,
) -> Marking:
    """One (frozen, so shareable) Marking per combination: a load re-marks every stored
    support of each edge it extends, and the combinations are few."""
    if code == "C":
        return Marking(
            classification=classification,
            compartment=compartment,
            handling_code="C",
            handling_conditions=conditions,
        )
    return Marking(classification=classification, compartment=compartment, handling_code=code)

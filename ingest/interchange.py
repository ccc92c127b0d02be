"""The interchange format, version 1 (docs/interchange-v1.md), as pydantic models.

These are the wire records other systems send; `ingest.facts` turns them into graph nodes
and edges. Validation here is about the record on its own (fields, enums, the RSO/PDP and
handling-code rules). Whether its references resolve is decided by the loader, because a
reference may point to a record later in the load.

Unknown fields are never rejected: at the top level and inside nested objects they are kept
in the record's `extra`, nested ones under a dotted path (`visor.team`).
"""

from __future__ import annotations

import functools
import typing
from datetime import date
from typing import Annotated, Any, Literal, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, TypeAdapter, model_validator

from graph.edges import AssociationType
from graph.markings import Classification, Grading
from graph.nodes import (
    Channel,
    ChisStatus,
    DirectedAt,
    EventType,
    HowObtained,
    Initiator,
    LocationType,
    MeetingAction,
    Name,
    ObjectType,
    Requirement,
    RiskIndicator,
    RiskLevel,
    SourceType,
    TaskingLevel,
    Visor,
)

FORMAT_VERSION = "interchange-v1"

REPORT_ASSOCIATION_TYPES = frozenset(AssociationType) - {
    AssociationType.NEIGHBOUR,
    AssociationType.CO_WORKER,
    AssociationType.NONE,
}


def _sorted_keys(value: Any) -> Any:
    """JSON-like data with every object's keys in sorted order."""
    if isinstance(value, dict):
        return {k: _sorted_keys(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [_sorted_keys(v) for v in value]
    return value


class SortedExtras(BaseModel):
    """Unknown fields are kept in sorted key order, so that a record sent again with its
    unknown fields in another order has the same content (and fingerprint): key order is
    never a change. Known fields are in the model's order already."""

    @model_validator(mode="after")
    def _sort_extras(self) -> Self:
        extra = self.__pydantic_extra__
        if extra:
            object.__setattr__(self, "__pydantic_extra__", _sorted_keys(extra))
        return self


class Wire(SortedExtras):
    """Nested wire objects: unknown fields allowed here and lifted into the record's extra."""

    model_config = ConfigDict(extra="allow", frozen=True)


class WireName(Name, Wire):
    """A name as sent: the graph's `Name` (and its rule) with unknown fields kept."""

    model_config = ConfigDict(extra="allow", frozen=True)

    def to_name(self) -> Name:
        return Name(given=self.given, family=self.family)


class AddressSpell(Wire):
    location_id: str = Field(min_length=1)
    from_: date | None = Field(default=None, alias="from")
    to: date | None = None

    @model_validator(mode="after")
    def _in_order(self) -> AddressSpell:
        if self.from_ and self.to and self.from_ > self.to:
            raise ValueError(f"address {self.location_id}: 'from' is after 'to'")
        return self


class WireMedical(Wire):
    notes: str


class WireConfidential(Wire):
    victim_info: str | None = None
    third_party_info: str | None = None
    police_tactics: str | None = None


class PersonRef(Wire):
    person_id: str | None = None
    mention: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _one_of(self) -> PersonRef:
        if (self.person_id is None) == (self.mention is None):
            raise ValueError("a ref is {'person_id': ...} or {'mention': i}, exactly one")
        return self


class Mention(Wire):
    name: WireName
    dob: date | None = None
    address: str | None = None
    postcode: str | None = None


class ReportLocation(Wire):
    location_id: str = Field(min_length=1)
    role: Literal["event", "subject_address", "sighting", "workplace", "other"] = "other"


class ReportObject(Wire):
    object_id: str = Field(min_length=1)
    ref: PersonRef | None = None
    role: str = "other"


class ReportAssociation(Wire):
    a: PersonRef
    b: PersonRef
    type: AssociationType
    note: str | None = None

    @model_validator(mode="after")
    def _person_type(self) -> ReportAssociation:
        if self.type not in REPORT_ASSOCIATION_TYPES:
            raise ValueError(
                f"association type {self.type.value!r} is only for a source's own relationship"
            )
        if self.a == self.b:
            raise ValueError("an association joins two different people")
        return self


class SourceRelationship(Wire):
    ref: PersonRef
    type: AssociationType


class RecordBase(SortedExtras):
    """Top-level fields: unknown ones are kept (pydantic's model_extra), never rejected."""

    model_config = ConfigDict(extra="allow", frozen=True, populate_by_name=True)

    id: str = Field(min_length=1)

    def extras(self) -> dict[str, Any]:
        """Every unknown field, nested ones under a dotted path."""
        found: dict[str, Any] = {}
        _collect_extras(self, "", found)
        return found


def _collect_extras(model: BaseModel, prefix: str, found: dict[str, Any]) -> None:
    for key, value in (model.model_extra or {}).items():
        found[f"{prefix}{key}"] = value
    for name in _wire_fields(type(model)):
        value = getattr(model, name)
        if isinstance(value, list):
            for i, item in enumerate(value):
                _collect_extras(item, f"{prefix}{name}[{i}].", found)
        elif value is not None:
            _collect_extras(value, f"{prefix}{name}.", found)


@functools.cache
def _wire_fields(cls: type[BaseModel]) -> tuple[str, ...]:
    """Fields that can hold nested wire objects (so only those are walked for extras)."""
    return tuple(name for name, info in cls.model_fields.items() if _holds_wire(info.annotation))


def _holds_wire(annotation: Any) -> bool:
    if isinstance(annotation, type) and issubclass(annotation, Wire):
        return True
    return any(_holds_wire(arg) for arg in typing.get_args(annotation))


class PersonRecord(RecordBase):
    kind: Literal["person"]
    source_system: str | None = None
    source_record_id: str | None = None
    names: list[WireName] = Field(min_length=1)
    dob: date | None = None
    gender: Literal["M", "F", "X"] | None = None
    pnc_id: str | None = None
    vulnerable: bool = False
    addresses: list[AddressSpell] = Field(default_factory=list)
    visor: Visor | None = None
    medical: WireMedical | None = None


class LocationRecord(RecordBase):
    kind: Literal["location"]
    address: str = ""
    postcode: str | None = None
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    location_type: LocationType = LocationType.OTHER


class ObjectRecord(RecordBase):
    kind: Literal["object"]
    object_type: ObjectType
    value: str = Field(min_length=1)


class SourceRecord(RecordBase):
    kind: Literal["source"]
    source_type: SourceType
    person_id: str | None = None
    chis_status: ChisStatus = ChisStatus.NONE
    juvenile: bool = False
    vulnerable: bool = False


class ReportRecord(RecordBase):
    kind: Literal["report"]
    received_at: AwareDatetime
    recorded_at: AwareDatetime | None = None
    recorded_by: str | None = None
    source_id: str | None = None
    channel: Channel = Channel.OTHER
    initiated_by: Initiator = Initiator.SOURCE
    police_request: str | None = None
    how_obtained: HowObtained = HowObtained.UNKNOWN
    grading: Grading
    classification: Classification = Classification.OFFICIAL_SENSITIVE
    text: str = ""
    subjects: list[PersonRef] = Field(default_factory=list)
    mentions: list[Mention] = Field(default_factory=list)
    locations: list[ReportLocation] = Field(default_factory=list)
    objects: list[ReportObject] = Field(default_factory=list)
    associations: list[ReportAssociation] = Field(default_factory=list)
    source_relationship: list[SourceRelationship] = Field(default_factory=list)
    risk_indicators: list[RiskIndicator] = Field(default_factory=list)
    confidential: WireConfidential | None = None
    answers_taskings: list[str] = Field(default_factory=list, max_length=20)

    @model_validator(mode="after")
    def _mentions_exist(self) -> ReportRecord:
        refs = [
            *self.subjects,
            *(a.a for a in self.associations),
            *(a.b for a in self.associations),
        ]
        refs += [r.ref for r in self.source_relationship]
        refs += [o.ref for o in self.objects if o.ref is not None]
        for ref in refs:
            if ref.mention is not None and ref.mention >= len(self.mentions):
                raise ValueError(
                    f"refers to mention {ref.mention} but the report has "
                    f"{len(self.mentions)} mention(s) (numbered from 0)"
                )
        return self


class AssociationRecord(RecordBase):
    kind: Literal["association"]
    a: str = Field(min_length=1)
    b: str = Field(min_length=1)
    type: AssociationType
    from_: date | None = Field(default=None, alias="from")
    to: date | None = None
    source_system: str | None = None
    basis: Literal["fact", "assessment"] = "fact"

    @model_validator(mode="after")
    def _valid_link(self) -> AssociationRecord:
        if self.a == self.b:
            raise ValueError("'a' and 'b' must be different people")
        if self.type not in REPORT_ASSOCIATION_TYPES:
            raise ValueError(
                f"association type {self.type.value!r} is only for a source's own relationship"
            )
        if self.from_ and self.to and self.from_ > self.to:
            raise ValueError("'from' is after 'to'")
        return self


class EventRecord(RecordBase):
    """Optional: an event in a nominal's management (custody, licence, recall, a breach, a
    further offence, a risk re-assessment, foreign travel), from the system that recorded
    it. Fields after `details` belong to particular event types."""

    kind: Literal["event"]
    event_type: EventType
    person_id: str = Field(min_length=1)
    occurred_on: date
    source_system: str | None = None
    details: str = Field(default="", max_length=4000)
    licence_end_on: date | None = None
    conditions: list[str] = Field(default_factory=list, max_length=50)
    probation_offender_manager: str | None = Field(default=None, max_length=200)
    risk_level: RiskLevel | None = None
    destination: str | None = Field(default=None, max_length=200)
    depart_on: date | None = None
    return_on: date | None = None
    port: str | None = Field(default=None, max_length=200)
    meeting_level: Literal[2, 3] | None = None
    chair: str | None = Field(default=None, max_length=200)
    attendees: list[str] = Field(default_factory=list, max_length=50)
    decisions: list[str] = Field(default_factory=list, max_length=100)
    actions: list[MeetingAction] = Field(default_factory=list, max_length=100)
    sharing_decisions: list[int] = Field(default_factory=list, max_length=50)
    agency: str | None = Field(default=None, max_length=200)
    requester: str | None = Field(default=None, max_length=200)
    purpose: str | None = Field(default=None, max_length=2000)
    checked: str | None = Field(default=None, max_length=4000)
    answer: str | None = Field(default=None, max_length=8000)
    due_on: date | None = None
    answered_on: date | None = None
    sharing_decision: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _fields_for_the_type(self) -> EventRecord:
        need = {
            EventType.LICENCE_START: ("licence_end_on", "probation_offender_manager"),
            EventType.RISK_REASSESSMENT: ("risk_level",),
            EventType.TRAVEL_NOTIFICATION: ("destination", "depart_on"),
            EventType.BORDER_ALERT: ("port",),
            EventType.MAPP_MEETING: ("meeting_level", "chair", "attendees"),
            EventType.PARTNER_REQUEST: ("agency", "requester", "purpose", "due_on"),
        }.get(self.event_type, ())
        missing = [name for name in need if not getattr(self, name)]
        if missing:
            raise ValueError(f"a {self.event_type.value} event needs {', '.join(missing)}")
        if self.licence_end_on and self.licence_end_on < self.occurred_on:
            raise ValueError("licence_end_on is before the licence started")
        if self.depart_on and self.return_on and self.return_on < self.depart_on:
            raise ValueError("return_on is before depart_on")
        if self.answered_on and not self.answer:
            raise ValueError("answered_on needs the answer given")
        if self.answer and not (self.answered_on and self.sharing_decision):
            raise ValueError(
                "an answered partner request needs answered_on and the sharing_decision "
                "it was shared under"
            )
        return self


class TaskingRecord(RecordBase):
    """Optional: an intelligence requirement and its tasking. A specific requirement names
    its subject; one directed at a member of the public names that person (it goes through
    the CHIS do-not-task guard and shows in their source chronology)."""

    kind: Literal["tasking"]
    level: TaskingLevel
    requirement: Requirement
    title: str = Field(min_length=1, max_length=500)
    description: str = Field(default="", max_length=4000)
    owner: str = Field(min_length=1, max_length=200)
    priority: Literal["high", "medium", "low"] = "medium"
    opened_on: date
    due_on: date | None = None
    state: Literal["open", "answered", "closed"] = "open"
    directed_at: DirectedAt = DirectedAt.OFFICERS
    subject_id: str | None = None
    directed_person_id: str | None = None
    source_system: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> TaskingRecord:
        if self.requirement is Requirement.SPECIFIC and not self.subject_id:
            raise ValueError("a specific requirement needs subject_id (the person it is about)")
        if self.directed_at is DirectedAt.MEMBER_OF_PUBLIC and not self.directed_person_id:
            raise ValueError(
                "a tasking directed at a member of the public needs directed_person_id"
            )
        if self.directed_person_id and self.directed_at is not DirectedAt.MEMBER_OF_PUBLIC:
            raise ValueError("directed_person_id is only for a tasking of a member of the public")
        if self.due_on and self.due_on < self.opened_on:
            raise ValueError("due_on is before opened_on")
        return self


Record = Annotated[
    PersonRecord
    | LocationRecord
    | ObjectRecord
    | SourceRecord
    | ReportRecord
    | AssociationRecord
    | EventRecord
    | TaskingRecord,
    Field(discriminator="kind"),
]
RECORD_ADAPTER: TypeAdapter[Record] = TypeAdapter(Record)
KINDS = ("person", "location", "object", "source", "report", "association", "event", "tasking")

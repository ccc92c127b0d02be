"""Node kinds of the POLE + intelligence graph: Person, Location, Object, Report, Source.

Each node carries a marking. Blocks that belong to a stricter compartment than their node
(a person's medical details, a report's confidential section) carry a marking of their own,
so the access policy can decide per field, not only per node.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from graph.markings import Compartment, Grading, Marking


class NodeKind(StrEnum):
    PERSON = "Person"
    LOCATION = "Location"
    OBJECT = "Object"
    REPORT = "Report"
    SOURCE = "Source"
    EVENT = "Event"
    TASKING = "Tasking"


class NominalType(StrEnum):
    RSO = "RSO"
    VIOLENT_OFFENDER = "VIOLENT_OFFENDER"
    TERRORIST_RISK = "TERRORIST_RISK"
    OTHER_DANGEROUS = "OTHER_DANGEROUS"
    PDP = "PDP"
    NONE = "NONE"


class RiskLevel(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    VERY_HIGH = "very_high"


class LocationType(StrEnum):
    RESIDENTIAL = "residential"
    SCHOOL = "school"
    NURSERY = "nursery"
    PLAYGROUND = "playground"
    YOUTH_CLUB = "youth_club"
    HOSTEL = "hostel"
    CUSTODY_SUITE = "custody_suite"
    HOSPITAL = "hospital"
    PRISON = "prison"
    TRANSPORT_HUB = "transport_hub"
    PUBLIC_PLACE = "public_place"
    BUSINESS = "business"
    OTHER = "other"


class ObjectType(StrEnum):
    VEHICLE = "vehicle"
    PHONE = "phone"
    EMAIL = "email"
    ONLINE_ACCOUNT = "online_account"
    ORGANISATION = "organisation"


class SourceType(StrEnum):
    MEMBER_OF_PUBLIC = "member_of_public"
    CHIS = "chis"
    POLICE_OFFICER = "police_officer"
    HMPPS_PROBATION = "hmpps_probation"
    PRISON = "prison"
    HEALTH = "health"
    VOLUNTARY_ORG = "voluntary_org"
    PARTNER_AGENCY = "partner_agency"
    SCOTTISH_INTELLIGENCE_DATABASE = "scottish_intelligence_database"
    OFFENDER_SELF_REPORT = "offender_self_report"
    ANONYMOUS = "anonymous"


class ChisStatus(StrEnum):
    NONE = "none"
    UNDER_ASSESSMENT = "under_assessment"
    AUTHORISED = "authorised"


class Channel(StrEnum):
    PHONE = "phone"
    IN_PERSON = "in_person"
    EMAIL = "email"
    ONLINE = "online"
    LETTER = "letter"
    PATROL = "patrol"
    OTHER = "other"


class Initiator(StrEnum):
    SOURCE = "source"
    POLICE = "police"


class HowObtained(StrEnum):
    WITNESSED = "witnessed"
    TOLD_BY_SUBJECT = "told_by_subject"
    TOLD_BY_THIRD_PARTY = "told_by_third_party"
    THROUGH_RELATIONSHIP = "through_relationship"
    UNKNOWN = "unknown"


class RiskIndicator(StrEnum):
    """The APP's six questions for establishing significance."""

    SERIOUS_HARM_CAPACITY = "serious_harm_capacity"
    CHILDREN_OR_VULNERABLE_ADULTS = "children_or_vulnerable_adults"
    BREACH_OF_TRUST = "breach_of_trust"
    LINKS_OR_ASSOCIATIONS = "links_or_associations"
    SUBSTANCE_MISUSE = "substance_misuse"
    MENTAL_STATE = "mental_state"


class Value(BaseModel):
    """Base for nested values: strict about their own fields."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Name(Value):
    given: str = ""
    family: str = ""

    @model_validator(mode="after")
    def _not_both_empty(self) -> Name:
        if not (self.given.strip() or self.family.strip()):
            raise ValueError("a name needs a given or a family part")
        return self

    @property
    def full(self) -> str:
        return f"{self.given} {self.family}".strip()


class Visor(Value):
    """The ViSOR nominal block; its fields are visible to all officers."""

    ref: str
    nominal_type: NominalType
    mappa_category: Literal[1, 2, 3, 4] | None = None
    mappa_level: Literal[1, 2, 3] | None = None
    offender_manager: str | None = None
    risk_level: RiskLevel | None = None
    next_review: date | None = None
    modus_operandi: str | None = None
    risk_factors: list[str] = Field(default_factory=list)
    licence_conditions: list[str] = Field(default_factory=list)
    individuals_at_risk: list[str] = Field(default_factory=list)
    # Convictions for child sexual offences: the child sex offender disclosure scheme's
    # presumption to disclose rests on them.
    child_sexual_offence_convictions: bool = False

    @model_validator(mode="after")
    def _mappa_consistent(self) -> Visor:
        if self.nominal_type is NominalType.RSO and self.mappa_category != 1:
            raise ValueError("an RSO must be MAPPA category 1")
        if self.nominal_type is NominalType.PDP and self.mappa_category is not None:
            raise ValueError("a PDP is not managed under MAPPA: mappa_category must be null")
        return self


def _restricted(compartment: Compartment) -> Any:
    return Field(default_factory=lambda: Marking(compartment=compartment))


class MedicalBlock(Value):
    """Medical details: restricted to roles with a need to know."""

    notes: str
    marking: Marking = _restricted(Compartment.MEDICAL)


class ConfidentialBlock(Value):
    """Victim, third-party and tactics information kept apart from the offender record."""

    victim_info: str | None = None
    third_party_info: str | None = None
    police_tactics: str | None = None
    marking: Marking = _restricted(Compartment.CONFIDENTIAL)


class NodeBase(BaseModel):
    """Fields every node has. Unknown interchange fields are kept in `extra`."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1)
    marking: Marking = Field(default_factory=Marking)
    source_system: str | None = None
    source_record_id: str | None = None
    extra: dict[str, Any] = Field(default_factory=dict)


class Person(NodeBase):
    kind: Literal[NodeKind.PERSON] = NodeKind.PERSON
    names: list[Name] = Field(min_length=1)
    dob: date | None = None
    gender: Literal["M", "F", "X"] | None = None
    pnc_id: str | None = None
    vulnerable: bool = False
    visor: Visor | None = None
    medical: MedicalBlock | None = None

    @property
    def primary_name(self) -> Name:
        return self.names[0]


class Location(NodeBase):
    kind: Literal[NodeKind.LOCATION] = NodeKind.LOCATION
    address: str = ""
    postcode: str | None = None
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    location_type: LocationType = LocationType.OTHER


class ObjectEntity(NodeBase):
    """A POLE object: vehicle, phone, email, online account or organisation."""

    kind: Literal[NodeKind.OBJECT] = NodeKind.OBJECT
    object_type: ObjectType
    value: str


class Source(NodeBase):
    """Who provided information. Identifying links to a person are compartment `source`."""

    kind: Literal[NodeKind.SOURCE] = NodeKind.SOURCE
    source_type: SourceType
    chis_status: ChisStatus = ChisStatus.NONE
    juvenile: bool = False
    vulnerable: bool = False


class Report(NodeBase):
    """An intelligence report or a recorded contact about an offender."""

    kind: Literal[NodeKind.REPORT] = NodeKind.REPORT
    received_at: AwareDatetime
    recorded_at: AwareDatetime | None = None
    recorded_by: str | None = None
    channel: Channel = Channel.OTHER
    initiated_by: Initiator = Initiator.SOURCE
    police_request: str | None = None
    how_obtained: HowObtained = HowObtained.UNKNOWN
    grading: Grading
    text: str = ""
    risk_indicators: list[RiskIndicator] = Field(default_factory=list)
    confidential: ConfidentialBlock | None = None

    @property
    def recorded(self) -> datetime:
        return self.recorded_at or self.received_at


class EventType(StrEnum):
    """Events in a nominal's management: what the MAPPA figures count, licences and
    recalls, and foreign travel."""

    CUSTODY_START = "custody_start"  # remanded, sentenced or recalled to custody
    CUSTODY_END = "custody_end"  # released into the community
    SERIOUS_FURTHER_OFFENCE = "serious_further_offence"
    LICENCE_BREACH = "licence_breach"
    NOTIFICATION_BREACH = "notification_breach"  # breach of the notification requirements
    PREVENTIVE_ORDER_BREACH = "preventive_order_breach"  # sexual risk order or SHPO
    LICENCE_START = "licence_start"  # released on licence: end date, conditions, probation OM
    LICENCE_END = "licence_end"
    RECALL = "recall"  # recalled to prison (also a start of custody)
    RISK_REASSESSMENT = "risk_reassessment"  # e.g. on recall: the new risk level
    TRAVEL_NOTIFICATION = "travel_notification"  # the nominal notified foreign travel
    BORDER_ALERT = "border_alert"  # a live ViSOR subject matched at a port
    MAPP_MEETING = "mapp_meeting"  # minutes of a MAPPA level 2 or 3 meeting
    PARTNER_REQUEST = "partner_request"  # a partner agency asked for information


TRAVEL_EVENTS = frozenset({EventType.TRAVEL_NOTIFICATION, EventType.BORDER_ALERT})


class MeetingAction(Value):
    """An action a MAPP meeting set: what, who owns it, by when (and when it was done)."""

    action: str = Field(min_length=1, max_length=2000)
    owner: str = Field(min_length=1, max_length=200)
    due_on: date
    done_on: date | None = None


class Event(NodeBase):
    """Something that happened to a nominal, as recorded by a system of record. The
    optional fields belong to particular event types (checked at ingest)."""

    kind: Literal[NodeKind.EVENT] = NodeKind.EVENT
    event_type: EventType
    occurred_on: date
    details: str = ""
    licence_end_on: date | None = None  # licence_start
    conditions: list[str] = Field(default_factory=list)  # licence_start
    probation_offender_manager: str | None = None  # licence_start, recall
    risk_level: RiskLevel | None = None  # risk_reassessment
    destination: str | None = None  # travel_notification
    depart_on: date | None = None  # travel_notification
    return_on: date | None = None  # travel_notification
    port: str | None = None  # border_alert
    meeting_level: Literal[2, 3] | None = None  # mapp_meeting
    chair: str | None = None  # mapp_meeting
    attendees: list[str] = Field(default_factory=list)  # mapp_meeting: attending agencies
    decisions: list[str] = Field(default_factory=list)  # mapp_meeting
    actions: list[MeetingAction] = Field(default_factory=list)  # mapp_meeting
    sharing_decisions: list[int] = Field(default_factory=list)  # mapp_meeting: seqs
    agency: str | None = None  # partner_request: the requesting agency
    requester: str | None = None  # partner_request
    purpose: str | None = None  # partner_request
    checked: str | None = None  # partner_request: what was checked
    answer: str | None = None  # partner_request: what was answered
    due_on: date | None = None  # partner_request
    answered_on: date | None = None  # partner_request
    sharing_decision: int | None = None  # partner_request: the decision it was shared under


class TaskingLevel(StrEnum):
    NATIONAL = "national"
    REGIONAL = "regional"
    FORCE = "force"
    BCU = "bcu"
    NEIGHBOURHOOD = "neighbourhood"


class Requirement(StrEnum):
    GENERAL = "general"  # an ongoing issue
    SPECIFIC = "specific"  # about a person


class DirectedAt(StrEnum):
    OFFICERS = "officers"
    SPECIALIST = "specialist"  # specialist resources (e.g. a dedicated source unit)
    MEMBER_OF_PUBLIC = "member_of_public"  # goes through the CHIS do-not-task guard


class Tasking(NodeBase):
    """An intelligence requirement and its tasking; reports link to the taskings they
    answer (ANSWERS), a specific one to its subject (TASKS), and one directed at a member of
    the public to that person (DIRECTED_AT, source compartment)."""

    kind: Literal[NodeKind.TASKING] = NodeKind.TASKING
    level: TaskingLevel
    requirement: Requirement
    title: str = Field(min_length=1)
    description: str = ""
    owner: str = Field(min_length=1)
    priority: Literal["high", "medium", "low"] = "medium"
    opened_on: date
    due_on: date | None = None
    state: Literal["open", "answered", "closed"] = "open"
    directed_at: DirectedAt = DirectedAt.OFFICERS


Node = Annotated[
    Person | Location | ObjectEntity | Report | Source | Event | Tasking,
    Field(discriminator="kind"),
]
NODE_TYPES: dict[NodeKind, type[NodeBase]] = {
    NodeKind.PERSON: Person,
    NodeKind.LOCATION: Location,
    NodeKind.OBJECT: ObjectEntity,
    NodeKind.REPORT: Report,
    NodeKind.SOURCE: Source,
    NodeKind.EVENT: Event,
    NodeKind.TASKING: Tasking,
}

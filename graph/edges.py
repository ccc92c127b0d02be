"""Edge kinds and the provenance every asserted link carries.

An edge is a claim. It records which reports (or structured records) support it, how they
were graded and who or what made the link, so an analyst can always ask "says who?" and an
association resting only on E-graded ("suspected false") material is visibly weak.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from graph.markings import Classification, Grading, Grading3x5x2, Marking, strictest_code
from graph.nodes import NodeKind, Value


class EdgeKind(StrEnum):
    ASSOCIATED_WITH = "ASSOCIATED_WITH"  # Person - Person, typed
    RESIDES_AT = "RESIDES_AT"  # Person -> Location, from/to
    ABOUT = "ABOUT"  # Report -> Person (a subject of the report)
    MENTIONS = "MENTIONS"  # Report -> Person (named, resolved from a mention)
    AT_LOCATION = "AT_LOCATION"  # Report -> Location, with role
    INVOLVES = "INVOLVES"  # Report -> Object, with role
    PROVIDED_BY = "PROVIDED_BY"  # Report -> Source
    IS_PERSON = "IS_PERSON"  # Source -> Person (source-identifying)
    KNOWS_SUBJECT = "KNOWS_SUBJECT"  # Source -> Person: the source's own relationship
    USED_BY = "USED_BY"  # Object -> Person
    CONCERNS = "CONCERNS"  # Event -> Person (a custody change, breach or further offence)
    ANSWERS = "ANSWERS"  # Report -> Tasking: the report answers the requirement
    TASKS = "TASKS"  # Tasking -> Person: the subject of a specific requirement
    DIRECTED_AT = (
        "DIRECTED_AT"  # Tasking -> Person: a member of the public tasked (source-identifying)
    )


EDGE_ENDPOINTS: dict[EdgeKind, tuple[NodeKind, NodeKind]] = {
    EdgeKind.ASSOCIATED_WITH: (NodeKind.PERSON, NodeKind.PERSON),
    EdgeKind.RESIDES_AT: (NodeKind.PERSON, NodeKind.LOCATION),
    EdgeKind.ABOUT: (NodeKind.REPORT, NodeKind.PERSON),
    EdgeKind.MENTIONS: (NodeKind.REPORT, NodeKind.PERSON),
    EdgeKind.AT_LOCATION: (NodeKind.REPORT, NodeKind.LOCATION),
    EdgeKind.INVOLVES: (NodeKind.REPORT, NodeKind.OBJECT),
    EdgeKind.PROVIDED_BY: (NodeKind.REPORT, NodeKind.SOURCE),
    EdgeKind.IS_PERSON: (NodeKind.SOURCE, NodeKind.PERSON),
    EdgeKind.KNOWS_SUBJECT: (NodeKind.SOURCE, NodeKind.PERSON),
    EdgeKind.USED_BY: (NodeKind.OBJECT, NodeKind.PERSON),
    EdgeKind.CONCERNS: (NodeKind.EVENT, NodeKind.PERSON),
    EdgeKind.ANSWERS: (NodeKind.REPORT, NodeKind.TASKING),
    EdgeKind.TASKS: (NodeKind.TASKING, NodeKind.PERSON),
    EdgeKind.DIRECTED_AT: (NodeKind.TASKING, NodeKind.PERSON),
}
"""The schema as data: which node kinds each edge kind joins (source, target)."""


class AssociationType(StrEnum):
    PARTNER = "partner"
    EX_PARTNER = "ex_partner"
    FAMILY = "family"
    PARENT_OF = "parent_of"
    CHILD_OF = "child_of"
    CO_RESIDENT = "co_resident"
    FRIEND = "friend"
    ASSOCIATE = "associate"
    CO_OFFENDER = "co_offender"
    EMPLOYER = "employer"
    EMPLOYEE = "employee"
    ONLINE_CONTACT = "online_contact"
    # Only in a source's relationship to a subject:
    NEIGHBOUR = "neighbour"
    CO_WORKER = "co_worker"
    NONE = "none"


TYPED_KINDS = frozenset({EdgeKind.ASSOCIATED_WITH, EdgeKind.KNOWS_SUBJECT})


class CreatorKind(StrEnum):
    ANALYST = "analyst"
    RULE = "rule"
    MATCHER = "matcher"
    INGEST = "ingest"


class CreatedBy(Value):
    """Who or what made the link: an analyst, a rule, the matcher (with its version)."""

    kind: CreatorKind
    name: str
    version: str | None = None


class Support(Value):
    """One piece of material supporting an edge: a graded report or a structured record."""

    report_id: str | None = None
    source_system: str | None = None
    source_record_id: str | None = None
    grading: Grading | None = None
    basis: Literal["fact", "assessment"] = "fact"
    observed_on: date | None = None
    # The supporting material's classification when below OFFICIAL-SENSITIVE (kept so that
    # withdrawing a stricter support can relax the edge); absent means OFFICIAL-SENSITIVE.
    classification: Classification | None = None

    @model_validator(mode="after")
    def _has_origin(self) -> Support:
        if not (self.report_id or self.source_system):
            raise ValueError("a support names a report_id or a source_system")
        return self

    @property
    def suspected_false(self) -> bool:
        return self.grading is not None and self.grading.suspected_false


class Provenance(Value):
    supports: list[Support] = Field(min_length=1)
    first_seen: date | None = None
    last_seen: date | None = None
    created_by: CreatedBy

    @model_validator(mode="after")
    def _seen_in_order(self) -> Provenance:
        if self.first_seen and self.last_seen and self.first_seen > self.last_seen:
            raise ValueError("first_seen is after last_seen")
        return self


class Edge(BaseModel):
    """A directed, typed, marked and evidenced link between two nodes."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1)
    kind: EdgeKind
    src: str = Field(min_length=1)
    dst: str = Field(min_length=1)
    association_type: AssociationType | None = None
    role: str | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    marking: Marking = Field(default_factory=Marking)
    provenance: Provenance

    @model_validator(mode="after")
    def _consistent(self) -> Edge:
        if self.src == self.dst:
            raise ValueError("an edge joins two different nodes")
        if (self.kind in TYPED_KINDS) != (self.association_type is not None):
            raise ValueError(f"association_type is required on, and only on, {sorted(TYPED_KINDS)}")
        if self.valid_from and self.valid_to and self.valid_from > self.valid_to:
            raise ValueError("valid_from is after valid_to")
        return self

    @property
    def endpoint_kinds(self) -> tuple[NodeKind, NodeKind]:
        return EDGE_ENDPOINTS[self.kind]

    @property
    def graded_3x5x2(self) -> list[Grading3x5x2]:
        return [s.grading for s in self.provenance.supports if isinstance(s.grading, Grading3x5x2)]

    @property
    def suspected_false_only(self) -> bool:
        """True when every support is E-graded: shown as such, never raises risk alone."""
        return all(s.suspected_false for s in self.provenance.supports)

    @property
    def best_source_evaluation(self) -> str | None:
        """Best (lowest) 3x5x2 source evaluation among supports, None if none graded so."""
        return min((g.source_evaluation for g in self.graded_3x5x2), default=None)

    @property
    def best_intelligence_assessment(self) -> str | None:
        """Best (A is best) 3x5x2 intelligence assessment among supports."""
        return min((g.intelligence_assessment for g in self.graded_3x5x2), default=None)

    @property
    def report_ids(self) -> list[str]:
        return sorted({s.report_id for s in self.provenance.supports if s.report_id})


def narrowed(edge: Edge, keep: list[Support]) -> Edge:
    """The edge once only the `keep` supports back it (after a disposal): its dates and its
    handling code and conditions follow what is left, so nothing of the removed material
    stays on it. The compartment stays as it was (it follows the kind of claim)."""
    days = [s.observed_on for s in keep if s.observed_on]
    gradings = [s.grading for s in keep if s.grading is not None]
    conditions = list(
        dict.fromkeys(
            g.handling_conditions
            for g in gradings
            if g.handling_code == "C" and g.handling_conditions
        )
    )
    code = strictest_code(g.handling_code for g in gradings)
    marking = edge.marking.model_copy(
        update={
            "classification": support_classification(keep),
            "handling_code": code,
            "handling_conditions": "; ".join(conditions) if conditions else None,
        }
    )
    provenance = edge.provenance.model_copy(
        update={
            "supports": keep,
            "first_seen": min(days, default=None),
            "last_seen": max(days, default=None),
        }
    )
    return edge.model_copy(update={"marking": marking, "provenance": provenance})


def support_classification(supports: Sequence[Support]) -> Classification:
    """The strictest classification of the material behind a claim (a support that does
    not say is OFFICIAL-SENSITIVE, the strictest there is)."""
    if supports and all(s.classification is Classification.OFFICIAL for s in supports):
        return Classification.OFFICIAL
    return Classification.OFFICIAL_SENSITIVE


def handling_conditions(edges: Iterable[Edge]) -> list[str]:
    """Every handling condition the edges carry, on their markings or their supports'
    gradings, sorted, once each: what must travel with any answer that shows them."""
    found: set[str | None] = set()
    for e in edges:
        found.add(e.marking.handling_conditions)
        found.update(s.grading.handling_conditions for s in e.provenance.supports if s.grading)
    return sorted(c for c in found if c)

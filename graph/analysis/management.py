"""What every officer looking a person up must see first: whether they are MAPPA-eligible,
on licence (until when, on what conditions, with which probation offender manager), in
custody after a recall, their current risk level, and what changed most recently.

Built from the person's ViSOR record and their management events (licence, recall,
risk re-assessment, custody, breaches), over the caller's visible subgraph; foreign
travel is confidential and so appears only for the roles that see it.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from graph.analysis.events import chronological
from graph.analysis.timeline import describe_event
from graph.edges import EdgeKind
from graph.nodes import Event, EventType, Person, RiskLevel
from graph.store import GraphStore, TraversalFilter

CUSTODY_IN = frozenset({EventType.CUSTODY_START, EventType.RECALL})


class Change(BaseModel):
    event_id: str
    event_type: str
    occurred_on: date
    summary: str


class ManagementStatus(BaseModel):
    """Also the API's response body (`GET /persons/{id}/management`)."""

    person_id: str
    mappa_eligible: bool
    mappa_category: int | None
    mappa_level: int | None
    visor_offender_manager: str | None
    on_licence: bool
    licence_end_on: date | None
    licence_conditions: list[str]
    probation_offender_manager: str | None
    in_custody: bool
    risk_level: RiskLevel | None
    recent_changes: list[Change] = Field(default_factory=list)
    based_on: list[str] = Field(
        default_factory=list,
        description="The events the licence, custody, probation and risk values come from "
        "(by id): what the answer discloses besides the recent changes.",
    )


def management_status(
    store: GraphStore, person: Person, flt: TraversalFilter, today: date, recent: int = 10
) -> ManagementStatus:
    concerns = flt.model_copy(update={"edge_kinds": frozenset({EdgeKind.CONCERNS})})
    refs = [r for r in store.incident([person.id], concerns) if r.dst == person.id]
    events = sorted(
        (n for n in store.get_nodes([r.src for r in refs]).values() if isinstance(n, Event)),
        key=chronological,  # events on one day: the documented order of the day
    )
    past = [e for e in events if e.occurred_on <= today]
    custody = [e for e in past if e.event_type in CUSTODY_IN | {EventType.CUSTODY_END}]
    in_custody = bool(custody) and custody[-1].event_type in CUSTODY_IN
    licences = [e for e in past if e.event_type is EventType.LICENCE_START]
    licence = licences[-1] if licences else None
    ended = licence is not None and any(
        e.event_type is EventType.LICENCE_END and chronological(e) > chronological(licence)
        for e in past
    )
    on_licence = bool(
        licence and not ended and licence.licence_end_on and licence.licence_end_on >= today
    )
    # docs/offender-management.md: the probation OM from the latest licence or recall that
    # names one; the risk level from the latest re-assessment (else ViSOR's).
    probation = [
        e
        for e in past
        if e.event_type in (EventType.LICENCE_START, EventType.RECALL)
        and e.probation_offender_manager
    ]
    assessed = [
        e for e in past if e.event_type is EventType.RISK_REASSESSMENT and e.risk_level is not None
    ]
    shown = [
        licence if on_licence else None,
        custody[-1] if custody else None,
        probation[-1] if probation else None,
        assessed[-1] if assessed else None,
    ]
    visor = person.visor
    return ManagementStatus(
        person_id=person.id,
        mappa_eligible=bool(visor and visor.mappa_category),
        mappa_category=visor.mappa_category if visor else None,
        mappa_level=visor.mappa_level if visor else None,
        visor_offender_manager=visor.offender_manager if visor else None,
        on_licence=on_licence,
        licence_end_on=licence.licence_end_on if on_licence and licence else None,
        licence_conditions=list(licence.conditions) if on_licence and licence else [],
        probation_offender_manager=probation[-1].probation_offender_manager if probation else None,
        in_custody=in_custody,
        risk_level=assessed[-1].risk_level if assessed else (visor.risk_level if visor else None),
        recent_changes=[
            Change(
                event_id=e.id,
                event_type=e.event_type.value,
                occurred_on=e.occurred_on,
                summary=describe_event(e),
            )
            for e in reversed(events[-recent:])
        ],
        based_on=sorted({e.id for e in shown if e is not None}),
    )

"""One entry point for a load, used alike by the CLI, the API and benchmarks.

A load resolves report mentions against every person known so far (the index grows as
persons arrive) and, when it is done, re-scores the candidate pairs of the persons it
created or changed and re-clusters entities: "automatically after each load".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from graph.audit import AuditEvent, AuditLog, Operation
from graph.chis.policy import ChisPolicy
from graph.chis.watch import ChisWatch, after_load
from graph.config import Settings
from graph.nodes import EventType
from graph.notifications import NotificationStore
from graph.store import GraphStore
from ingest.entities import IndexMatcher, Resolution, ResolveSummary
from ingest.interchange import EventRecord
from ingest.loader import Actor, Loader, LoadSummary, SharingCover
from ingest.reader import Line
from ingest.resolution import Thresholds
from ingest.state import IngestState


def thresholds_from(settings: Settings) -> Thresholds:
    return Thresholds(
        auto_link=settings.match_auto_link,
        review=settings.match_review,
        possible=settings.match_possible,
    )


@dataclass
class IngestOutcome:
    load: LoadSummary
    resolution: ResolveSummary | None
    chis: ChisWatch | None = None

    def as_dict(self, max_rejections: int = 100) -> dict[str, object]:
        out: dict[str, object] = self.load.as_dict(max_rejections)
        out["resolution"] = self.resolution.as_dict() if self.resolution else None
        out["chis"] = self.chis.as_dict() if self.chis else None
        return out


def ingest(
    store: GraphStore,
    state: IngestState,
    sources: Iterable[Iterable[Line]],
    *,
    actor: Actor,
    audit: AuditLog | None,
    thresholds: Thresholds | None = None,
    resolve: bool = True,
    batch_size: int = 2000,
    writes: bool = True,
    progress: Callable[[LoadSummary], None] | None = None,
    notifications: NotificationStore | None = None,
    chis: ChisPolicy | None = None,
    travel_owner: str = "mosovo",
    sharing: SharingCover | None = None,
) -> IngestOutcome:
    """Load `sources`. `sharing` checks each partner request's answer against the sharing
    log (`SharingStore.cover_problem`) as it stood at the end of the answer's `answered_on`
    day, UTC: an answer its sharing_decision did not cover then is quarantined
    (`no_sharing_decision`). Without it (library callers, benchmarks) only the
    presence of a decision number is checked, and every answer is audited as a disclosure."""
    resolution = Resolution(state, thresholds, audit)
    index = resolution.build_index()
    loader = Loader(
        store,
        state,
        actor=actor,
        audit=audit,
        matcher=IndexMatcher(index, resolution.thresholds, resolution.judgements_in_force()),
        batch_size=batch_size,
        writes=writes,
        progress=progress,
        notifications=notifications,
        sharing=sharing,
    )
    summary = loader.load(sources)
    if summary.warnings and writes:
        state.warn(summary.warnings)
    resolved = None
    removed = loader.removed_persons
    if resolve and writes and (loader.changed_persons or removed or state.unresolved()):
        # Persons this load changed, and any an interrupted earlier load left unresolved;
        # a load that only removed persons re-clusters too (their entities lost a record,
        # and may have been named after it), and re-scores those sharing their names.
        resolved = resolution.resolve(
            sorted(loader.changed_persons),
            actor=actor.name,
            role=actor.role,
            purpose=actor.purpose,
            index=index,
        )
    watch = None
    if chis is not None and notifications is not None and writes:
        watch = after_load(
            store,
            notifications,
            chis,
            loader.touched_sources,
            loader.requests,
            resolution.records_of,
            {t.id: t.directed_person_id for t in loader.taskings if t.directed_person_id},
        )
        if watch.warnings:
            state.warn(watch.warnings)
    if notifications is not None and writes:
        route_travel(notifications, loader.travel, travel_owner)
    if audit is not None and writes and loader.answered:
        audit_answers(audit, actor, loader.answered)
    return IngestOutcome(summary, resolved, watch)


def audit_answers(audit: AuditLog, actor: Actor, answered: list[EventRecord]) -> None:
    """An answer to a partner agency's request is a disclosure to that agency."""
    audit.record_many(
        [
            AuditEvent(
                operation=Operation.DISCLOSURE,
                actor=actor.name,
                role=actor.role,
                purpose=actor.purpose,
                action="answer to a partner agency request",
                subjects=[e.person_id],
                returned=[e.id],
                recipients=[f"{e.agency}: {e.requester}"],
                details={"sharing_decision": e.sharing_decision, "purpose": e.purpose},
            )
            for e in answered
        ]
    )


def route_travel(notifications: NotificationStore, events: list[EventRecord], owner: str) -> int:
    """Route each travel notification and border alert to the MOSOVO single point of
    contact (once per event); returns how many were new."""
    new = 0
    for e in events:
        if e.event_type is EventType.BORDER_ALERT:
            reason = f"border alert: {e.person_id} matched at {e.port} on {e.occurred_on}"
        else:
            reason = (
                f"foreign travel notified: {e.person_id} to {e.destination}, "
                f"departing {e.depart_on}"
            )
        new += notifications.raise_to(owner, e.person_id, e.id, e.event_type.value, reason, [e.id])
    return new
